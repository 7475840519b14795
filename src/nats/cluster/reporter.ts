/**
 * A process's heartbeat for the cluster view: every `heartbeatMs` it puts its report (its
 * workers' states and counters, its share of each stage) under its name in the pipeline's
 * workers bucket, whose `max_age` drops it once the process stops reporting; a clean close
 * deletes it at once.
 *
 * @module
 */
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core";
import type { Pipeline } from "../../pipeline/pipeline.ts";
import type { EventsLayout, ProcessIdentity, ProcessReport } from "./wire.ts";

const encoder = new TextEncoder();

/** Reports this process's workers (see the module doc). */
export class WorkerReporter {
  readonly #nc: NatsConnection;
  readonly #subject: string;
  readonly #identity: ProcessIdentity;
  readonly #stages: string[];
  readonly #heartbeatMs: number;
  readonly #ttlMs: number;
  readonly #startedAt = Date.now();
  #local: Readonly<Record<string, Pipeline>> = {};
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    nc: NatsConnection,
    layout: EventsLayout,
    identity: ProcessIdentity,
    stages: readonly string[],
    timing: { heartbeatMs: number; ttlMs: number },
  ) {
    this.#nc = nc;
    this.#identity = identity;
    this.#subject = layout.report(identity.name);
    this.#stages = [...stages];
    this.#heartbeatMs = timing.heartbeatMs;
    this.#ttlMs = timing.ttlMs;
  }

  /** Starts reporting the workers of `local` (the in-memory pipeline of each stage worked). */
  start(local: Readonly<Record<string, Pipeline>>): void {
    this.#local = local;
    this.#put();
    this.#timer ??= setInterval(() => this.#put(), this.#heartbeatMs);
  }

  /** This process's report now. */
  report(): ProcessReport {
    const workerStates: Record<string, unknown> = {};
    const workerMetrics: Record<string, unknown> = {};
    const stageStats: Record<string, unknown> = {};
    for (const [stage, pipeline] of Object.entries(this.#local)) {
      Object.assign(workerStates, pipeline.getWorkerStates());
      Object.assign(workerMetrics, pipeline.getWorkerMetrics());
      stageStats[stage] = pipeline.getStats().stageStats[stage];
    }
    return {
      process: this.#identity.name,
      host: this.#identity.host,
      pid: this.#identity.pid,
      startedAt: this.#startedAt,
      at: Date.now(),
      heartbeatMs: this.#heartbeatMs,
      ttlMs: this.#ttlMs,
      stages: this.#stages,
      worked: Object.keys(this.#local),
      workerStates,
      workerMetrics,
      stageStats,
    };
  }

  /** Stops reporting and deletes the report (the viewers see the process leave at once). */
  close(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#put(); // the final counters, then the delete marker
    const h = natsHeaders();
    h.set("KV-Operation", "DEL");
    this.#publish(new Uint8Array(0), h);
  }

  #put(): void {
    this.#publish(encoder.encode(JSON.stringify(this.report())));
  }

  #publish(data: Uint8Array, headers?: ReturnType<typeof natsHeaders>): void {
    if (this.#nc.isClosed()) return;
    try {
      this.#nc.publish(this.#subject, data, headers === undefined ? undefined : { headers });
    } catch {
      // disconnected: the next heartbeat tries again
    }
  }
}
