/**
 * The publishing side of the cluster view: a tap on this process's tracker that puts every status
 * and run event into the pipeline's events stream (one subject per item, so the stream keeps each
 * item's newest events) and every task event on a core subject (live only), and that tells the
 * stage workers when an item's events are stored, so that an item is handed on only after its
 * history so far (causal order across processes).
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { TaskEvent } from "../../tracker/events.ts";
import { errorToJSON, metadataToJSON } from "../../tracker/json.ts";
import type { NameRef } from "../../tracker/names.ts";
import type { RunEvent, RunEventType } from "../../tracker/run_event.ts";
import type { TappedType, TrackerTap } from "../../tracker/taps.ts";
import { type ItemId, STATUS_TYPES, type StatusMetadata } from "../../tracker/types.ts";
import { Resender } from "../resender.ts";
import type { EventsLayout, RunWire, StatusWire } from "./wire.ts";

const ALL_STATUSES = (1 << STATUS_TYPES.length) - 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An event waiting for the stream's acknowledgement: its number and its item's id. */
interface Unacked {
  readonly seq: number;
  readonly itemId: ItemId | undefined;
}

/** What {@link EventPublisher} needs to know. */
export interface EventPublisherSettings {
  layout: EventsLayout;
  /** This process's name (worker names become `<process>/<worker>`). */
  process: string;
  /** The pipeline's stage names, in order (to tell an item's last event). */
  stages: readonly string[];
  exposeValues: boolean;
  tasks: boolean;
  /** How long to keep sending an event the server does not acknowledge. */
  timeoutMs: number;
  report: (error: unknown, where: string) => void;
}

/** Publishes a tracker's events (see the module doc). */
export class EventPublisher implements TrackerTap {
  readonly statusMask = ALL_STATUSES;
  readonly tasks: boolean;
  readonly #nc: NatsConnection;
  readonly #settings: EventPublisherSettings;
  readonly #lastStage: string | undefined;
  /** The events sent and not yet acknowledged. */
  readonly #resender: Resender<Unacked>;
  /** The newest unacknowledged event of each item. */
  readonly #lastOf = new Map<ItemId, number>();
  readonly #waiters = new Map<number, Array<() => void>>();
  readonly #workerNames = new Map<NameRef, string | null>();
  #seq = 0;
  #lost = 0;

  constructor(nc: NatsConnection, settings: EventPublisherSettings) {
    this.#nc = nc;
    this.#settings = settings;
    this.tasks = settings.tasks;
    this.#lastStage = settings.stages[settings.stages.length - 1];
    this.#resender = new Resender<Unacked>(nc, {
      timeoutMs: settings.timeoutMs,
      onAnswer: (event, data) => this.#answer(event, data),
      // Dropped and counted: the view never stalls the work.
      onExpire: (event) => this.#drop(event),
    });
  }

  /** Events sent and not yet acknowledged by the stream. */
  get pending(): number {
    return this.#resender.size;
  }

  status(
    itemId: ItemId,
    stage: NameRef,
    status: number,
    worker: NameRef,
    timestamp: number,
    metadata: StatusMetadata | undefined,
  ): void {
    const workerName = this.#workerName(worker);
    const statusName = STATUS_TYPES[status];
    const wire: StatusWire = {
      itemId,
      stage: stage.name,
      status: statusName,
      worker: workerName,
      timestamp,
      metadata: metadata === undefined ? {} : this.#metadata(metadata),
      workerId: null,
      finished: status === 3 || status === 6 ||
        ((status === 2 || status === 5) && stage.name === this.#lastStage),
      process: this.#settings.process,
    };
    const subject = this.#settings.layout.status(itemId);
    // A terminal status in the stage (completed, failed, skipped, cancelled) is followed by the
    // hand-off that waits for it: it is acknowledged (and sent again until stored). Those before
    // it need no acknowledgement of their own: one connection's messages are stored in order.
    if (status === 1 || status === 0 || status === 4) this.#fire(subject, JSON.stringify(wire));
    else this.#send(subject, JSON.stringify(wire), itemId);
  }

  task(_type: TappedType, event: TaskEvent): void {
    const json = event.toJSON();
    json.worker = json.worker === null ? null : `${this.#settings.process}/${json.worker}`;
    try {
      this.#nc.publish(this.#settings.layout.tasks, encoder.encode(JSON.stringify(json)));
    } catch {
      // live only: a disconnected moment loses task events, never work
    }
  }

  run(type: RunEventType, event: RunEvent): void {
    const wire: RunWire = { type, event, process: this.#settings.process };
    this.#send(this.#settings.layout.run(event.runId), JSON.stringify(wire), undefined);
  }

  external(): void {
    // Events dispatched on the tracker from outside are not the pipeline's: not published.
  }

  /**
   * Resolves once every event of `itemId` published so far is stored (or given up on after
   * `timeoutMs`); `undefined` when they are stored already.
   */
  flush(itemId: ItemId): Promise<void> | undefined {
    const seq = this.#lastOf.get(itemId);
    if (seq === undefined) return undefined;
    return new Promise<void>((resolve) => {
      const list = this.#waiters.get(seq);
      if (list === undefined) this.#waiters.set(seq, [resolve]);
      else list.push(resolve);
    });
  }

  /** Stops: whatever waits is released; events not yet stored are given up. */
  close(): void {
    this.#resender.close();
    for (const list of this.#waiters.values()) for (const resolve of list) resolve();
    this.#waiters.clear();
    this.#lastOf.clear();
  }

  #workerName(worker: NameRef): string | null {
    let name = this.#workerNames.get(worker);
    if (name === undefined) {
      name = worker.name === null ? null : `${this.#settings.process}/${worker.name}`;
      this.#workerNames.set(worker, name);
    }
    return name;
  }

  #metadata(metadata: StatusMetadata): Record<string, unknown> {
    if (this.#settings.exposeValues) return metadataToJSON(metadata);
    const out: Record<string, unknown> = {};
    if (metadata.error !== undefined) {
      out.error = typeof metadata.error === "string"
        ? metadata.error
        : errorToJSON(metadata.error).message;
    }
    if (metadata.errorType !== undefined) out.errorType = String(metadata.errorType);
    if (metadata.attempt !== undefined) out.attempt = metadata.attempt;
    return out;
  }

  /** Publishes without asking for an acknowledgement (lost if the server is away). */
  #fire(subject: string, json: string): void {
    try {
      this.#nc.publish(subject, encoder.encode(json));
    } catch {
      // disconnected: the item's terminal event, acknowledged, still gets through
    }
  }

  #send(subject: string, json: string, itemId: ItemId | undefined): void {
    const seq = this.#seq++;
    if (itemId !== undefined) this.#lastOf.set(itemId, seq);
    this.#resender.send({ seq, itemId }, subject, encoder.encode(json));
  }

  #answer(event: Unacked, data: Uint8Array): void {
    // `{"error":…}` rather than `{"stream":…}`.
    if (data.length > 2 && data[2] === 0x65 && decoder.decode(data).includes('"error"')) {
      this.#report(new Error(`the events stream refused an event: ${decoder.decode(data)}`));
    }
    this.#settle(event);
  }

  #drop(event: Unacked): void {
    this.#lost++;
    if (this.#lost === 1) {
      this.#report(
        new Error(`an event was not stored within ${this.#settings.timeoutMs} ms (dropped)`),
      );
    }
    this.#settle(event);
  }

  #settle({ seq, itemId }: Unacked): void {
    if (itemId !== undefined && this.#lastOf.get(itemId) === seq) this.#lastOf.delete(itemId);
    const list = this.#waiters.get(seq);
    if (list !== undefined) {
      this.#waiters.delete(seq);
      for (const resolve of list) resolve();
    }
  }

  #report(error: Error): void {
    this.#settings.report(error, "events");
  }
}
