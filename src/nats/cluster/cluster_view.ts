/**
 * The cluster's processes and workers, as a `PipelineLike` for dashboards: it watches the
 * pipeline's workers bucket (each member's heartbeat report), marks a process gone when its report
 * is deleted (a clean close) or older than its TTL (a crash), and sums the processes' stage
 * counters; how many items wait in each stage comes from the server (the stage consumers).
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { DeliverPolicy, jetstream, type JetStreamManager } from "@nats-io/jetstream";
import type { ErrorSummary } from "../../tracker/error_summary.ts";
import type { StatusTracker } from "../../tracker/status_tracker.ts";
import type {
  DashboardSnapshot,
  PipelineLike,
  PipelineStats,
  StageStats,
  WorkerMetrics,
  WorkerState,
} from "../../pipeline/types.ts";
import type { NatsLayout } from "../layout.ts";
import type { EventsLayout, ProcessReport } from "./wire.ts";

/** A worker of the cluster: a worker's state plus the process that runs it. */
export interface ClusterWorkerState extends WorkerState {
  /** The process's name (the worker's key in the view is `<process>/<worker>`). */
  process: string;
}

/** One process of the cluster, as the view knows it. */
export interface ClusterProcess {
  /** Its name. */
  process: string;
  /** Its host and process id, when its runtime told them. */
  host: string | null;
  /** Its process id, when known. */
  pid: number | null;
  /** The stages it works. */
  stages: string[];
  /** When it started, epoch ms. */
  startedAt: number;
  /** When its last report was stored, epoch ms. */
  lastSeen: number;
  /** `"live"`, `"closed"` (it said goodbye) or `"lost"` (its reports stopped for its TTL). */
  state: "live" | "closed" | "lost";
  /** When it went away, epoch ms (closed or lost). */
  goneAt?: number;
  /** How many workers it has (0 once gone). */
  workers: number;
}

interface Known {
  report: ProcessReport;
  lastSeen: number;
  goneAt: number | undefined;
  closed: boolean;
}

/** A cluster snapshot for dashboards: a pipeline's, plus the processes. */
export interface ClusterDashboardSnapshot extends DashboardSnapshot {
  /** Every process known, live ones first. */
  processes: ClusterProcess[];
}

const decoder = new TextDecoder();

/** The cluster as a pipeline (see the module doc). */
export class ClusterView implements PipelineLike {
  readonly #nc: NatsConnection;
  readonly #layout: NatsLayout;
  readonly #events: EventsLayout;
  readonly #tracker: StatusTracker;
  readonly #keepGoneMs: number;
  readonly #pollMs: number;
  readonly #known = new Map<string, Known>();
  #waiting: Record<string, number> = {};
  #stages: string[] = [];
  #watch: { close(): Promise<void | Error> } | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /** @internal Made by its `ClusterTracker`. */
  constructor(
    nc: NatsConnection,
    layout: NatsLayout,
    events: EventsLayout,
    tracker: StatusTracker,
    timing: { keepGoneMs: number; pollMs: number },
  ) {
    this.#nc = nc;
    this.#layout = layout;
    this.#events = events;
    this.#tracker = tracker;
    this.#keepGoneMs = timing.keepGoneMs;
    this.#pollMs = timing.pollMs;
  }

  /** @internal Starts watching the workers bucket and polling the stage queues. */
  start(jsm: JetStreamManager): void {
    if (this.#closed) return;
    this.#watchReports().catch((error) =>
      console.error("AntFlow (ClusterTracker, workers):", error)
    );
    this.#poll = setInterval(() => this.#pollQueues(jsm), this.#pollMs);
  }

  /** @internal Stops watching. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#poll !== undefined) clearInterval(this.#poll);
    await this.#watch?.close();
  }

  /**
   * Every process known: live ones, and those that went away within `keepGoneMs` (a crashed
   * one is `"lost"` once its last report is older than its TTL).
   *
   * @returns The processes, live ones first, then by name.
   */
  getProcesses(): ClusterProcess[] {
    const now = Date.now();
    const out: ClusterProcess[] = [];
    for (const [name, known] of this.#known) {
      const gone = this.#goneAt(known, now);
      if (gone !== undefined && now - gone > this.#keepGoneMs) {
        this.#known.delete(name);
        continue;
      }
      const { report } = known;
      const entry: ClusterProcess = {
        process: report.process,
        host: report.host,
        pid: report.pid,
        stages: report.worked,
        startedAt: report.startedAt,
        lastSeen: known.lastSeen,
        state: gone === undefined ? "live" : known.closed ? "closed" : "lost",
        workers: gone === undefined ? Object.keys(report.workerStates).length : 0,
      };
      if (gone !== undefined) entry.goneAt = gone;
      out.push(entry);
    }
    return out.sort(liveFirstByName);
  }

  /**
   * Every live process's workers, by `<process>/<worker>`.
   *
   * @returns The workers' states, each with its `process`.
   */
  getWorkerStates(): Record<string, ClusterWorkerState> {
    const out: Record<string, ClusterWorkerState> = {};
    for (const { report, name } of this.#live()) {
      for (const [worker, state] of Object.entries(report.workerStates)) {
        const full = `${name}/${worker}`;
        out[full] = { ...(state as WorkerState), workerName: full, process: name };
      }
    }
    return out;
  }

  /**
   * Every live process's worker counters, by `<process>/<worker>`.
   *
   * @returns The counters.
   */
  getWorkerMetrics(): Record<string, WorkerMetrics> {
    const out: Record<string, WorkerMetrics> = {};
    for (const { report, name } of this.#live()) {
      for (const [worker, metrics] of Object.entries(report.workerMetrics)) {
        out[`${name}/${worker}`] = {
          ...(metrics as WorkerMetrics),
          workerName: `${name}/${worker}`,
        };
      }
    }
    return out;
  }

  /**
   * Worker names (`<process>/<worker>`) by stage.
   *
   * @returns The names.
   */
  getWorkerNames(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const stage of this.#stages) out[stage] = [];
    for (const [name, state] of Object.entries(this.getWorkerStates())) {
      (out[state.stage] ??= []).push(name);
    }
    return out;
  }

  /**
   * The cluster's counters: per stage, the sum of every process's share (processes that went
   * away while watched included, without their items in hand), and the items waiting on the
   * server; the pipeline's totals from the tracker's counts.
   *
   * @returns The counters.
   */
  getStats(): PipelineStats {
    const stageStats: Record<string, StageStats> = {};
    for (const stage of this.#stages) {
      stageStats[stage] = {
        stageName: stage,
        pendingItems: this.#waiting[stage] ?? 0,
        inProgressItems: 0,
        completedItems: 0,
        failedItems: 0,
      };
    }
    const now = Date.now();
    for (const known of this.#known.values()) {
      const gone = this.#goneAt(known, now) !== undefined;
      for (const [stage, value] of Object.entries(known.report.stageStats)) {
        const share = value as StageStats | undefined;
        const sum = stageStats[stage];
        if (share === undefined || sum === undefined) continue;
        if (!gone) sum.inProgressItems += share.inProgressItems;
        sum.completedItems += share.completedItems;
        sum.failedItems += share.failedItems;
      }
    }
    const counts = this.#tracker.getStats();
    const queueSizes: Record<string, number> = {};
    for (const stage of this.#stages) queueSizes[stage] = stageStats[stage].pendingItems;
    return {
      itemsProcessed: counts.completed + counts.skipped,
      itemsFailed: counts.failed,
      itemsCancelled: counts.cancelled,
      itemsInFlight: counts.queued + counts.in_progress + counts.retrying,
      queueSizes,
      stageStats,
    };
  }

  /**
   * Failures so far (the tracker's).
   *
   * @returns The summary.
   */
  getErrorSummary(): ErrorSummary {
    return this.#tracker.getErrorSummary();
  }

  /**
   * Everything a dashboard shows, plus the processes.
   *
   * @returns The snapshot.
   */
  getDashboardSnapshot(): ClusterDashboardSnapshot {
    return {
      workerStates: this.getWorkerStates(),
      workerMetrics: this.getWorkerMetrics(),
      pipelineStats: this.getStats(),
      errorSummary: this.getErrorSummary(),
      timestamp: Date.now(),
      processes: this.getProcesses(),
    };
  }

  *#live(): Generator<{ name: string; report: ProcessReport }> {
    const now = Date.now();
    for (const [name, known] of this.#known) {
      if (this.#goneAt(known, now) === undefined) yield { name, report: known.report };
    }
  }

  #goneAt(known: Known, now: number): number | undefined {
    if (known.goneAt !== undefined) return known.goneAt;
    const deadline = known.lastSeen + known.report.ttlMs;
    return now > deadline ? deadline : undefined;
  }

  async #watchReports(): Promise<void> {
    const consumer = await jetstream(this.#nc).consumers.get(this.#events.bucketStream, {
      deliver_policy: DeliverPolicy.LastPerSubject,
      filter_subjects: `$KV.${this.#events.bucket}.>`,
    });
    if (this.#closed) return;
    const messages = await consumer.consume({ max_messages: 256 });
    this.#watch = messages;
    if (this.#closed) await messages.close();
    const prefix = `$KV.${this.#events.bucket}.`;
    for await (const msg of messages) {
      const name = msg.subject.slice(prefix.length);
      const operation = msg.headers?.get("KV-Operation");
      const at = Math.min(Date.now(), msg.time.getTime());
      const known = this.#known.get(name);
      if (operation === "DEL" || operation === "PURGE") {
        if (known !== undefined && known.goneAt === undefined) {
          known.goneAt = at;
          known.closed = true;
        }
        continue;
      }
      try {
        const report = JSON.parse(decoder.decode(msg.data)) as ProcessReport;
        if (report.stages.length > this.#stages.length) this.#stages = report.stages;
        this.#known.set(name, { report, lastSeen: at, goneAt: undefined, closed: false });
      } catch (error) {
        console.error(
          `AntFlow (ClusterTracker): unreadable worker report on ${msg.subject}:`,
          error,
        );
      }
    }
  }

  async #pollQueues(jsm: JetStreamManager): Promise<void> {
    const waiting: Record<string, number> = {};
    for (const stage of this.#stages) {
      try {
        const info = await jsm.consumers.info(
          this.#layout.workStream,
          this.#layout.stageConsumer(stage),
        );
        waiting[stage] = info.num_pending;
      } catch {
        waiting[stage] = 0; // no consumer yet: nobody works the stage
      }
    }
    this.#waiting = waiting;
  }
}

/** Live processes first, then by process name (the `process` field: a name, not the runtime's). */
function liveFirstByName(
  { state: s1, process: name1 }: ClusterProcess,
  { state: s2, process: name2 }: ClusterProcess,
): number {
  return (s1 === "live" ? 0 : 1) - (s2 === "live" ? 0 : 1) || name1.localeCompare(name2);
}
