import * as z from "zod";
import { StatusEvent, TaskEvent } from "../tracker/events.ts";
import type { StatusEventJSON, TaskEventJSON } from "../tracker/events.ts";
import {
  StatusTracker,
  type StatusTrackerOptions,
  type TrackerSink,
  trackerSink,
} from "../tracker/status_tracker.ts";
import { STATUS_TYPES, type StatusType } from "../tracker/types.ts";
import { typeOrRangeError, validateOptions } from "../utils/validate.ts";
import type { ClientMessage, SnapshotJSON } from "./messages.ts";
import { buildUrl, type ConnectionOptions, validateConnectionOptions } from "./options.ts";
import { openStream } from "./subscribe.ts";

const OWNER = "RemoteTracker";

/** Options for {@linkcode RemoteTracker}: the tracker's callbacks and bounds, and the connection. */
export interface RemoteTrackerOptions extends StatusTrackerOptions, ConnectionOptions {
  /**
   * Connect on construction; with `false`, call `start()`.
   * @default {true}
   */
  autoStart?: boolean;
}

const OWN_RULES = {
  autoStart: { schema: z.boolean().optional(), rule: "must be a boolean" },
};

/**
 * A `StatusTracker` fed by a remote AntFlow event stream: it answers the same queries
 * (`getStatus`, `getStats`, `getHistory`, `getFailedItems`, `getErrorSummary`…) and dispatches the
 * same `CustomEvent`s and callbacks, so code written against a local tracker works against a
 * remote one.
 *
 * The first `snapshot` sets the status counters (`ready` resolves then); items become known as
 * their events arrive. A dropped connection resumes with `Last-Event-ID`; after a `reset` the
 * tracker forgets its items and rebuilds from the fresh snapshot. `getStats()` follows the
 * server's periodic snapshots, so it converges to the server's counts even for items that were in
 * flight when the tracker connected.
 *
 * @example Against an AntFlow server (`@antflow/antflow/hono`)
 * ```ts ignore
 * import { RemoteTracker } from "@antflow/antflow/client";
 * await using remote = new RemoteTracker("http://localhost:8787/antflow/events");
 * remote.addEventListener("status", (e) => console.log(e.detail.itemId, e.detail.status));
 * await remote.ready;
 * console.log(remote.getStats());
 * ```
 *
 * @example Served from memory through `fetch`
 * ```ts
 * import { RemoteTracker } from "@antflow/antflow/client";
 * const stats = { queued: 0, in_progress: 0, completed: 0, failed: 1, retrying: 0, skipped: 0, cancelled: 0 };
 * const failed = {
 *   itemId: "a", stage: "Fetch", status: "failed", worker: "Fetch-W0", timestamp: 0,
 *   metadata: { error: "timeout", errorType: "TimeoutError", attempt: 3 }, workerId: 0,
 * };
 * const body = `event: snapshot\ndata: ${JSON.stringify({ stats, pipeline: null, lastEventId: 0 })}\n\n` +
 *   `event: status\nid: 1\ndata: ${JSON.stringify(failed)}\n\n`;
 * let calls = 0;
 * const fetch = () =>
 *   Promise.resolve(calls++ === 0
 *     ? new Response(body, { headers: { "content-type": "text/event-stream" } })
 *     : new Response(null, { status: 204 }));
 * const remote = new RemoteTracker("https://example.test/antflow/events", { fetch, retryMs: 10 });
 * await remote.closed; // the server answered the reconnection with 204
 * console.log(remote.getFailedItems()[0].error); // "timeout"
 * ```
 */
export class RemoteTracker extends StatusTracker {
  /** Resolves on the first snapshot; rejects if the stream ends or fails before one arrives. */
  readonly ready: Promise<void>;
  /**
   * Settles when the subscription ends: resolves on `close()`, `signal` or HTTP 204, rejects with
   * the stream's error (bad status or content type, too many failed reconnections).
   */
  readonly closed: Promise<void>;

  #url: string | URL;
  #options: RemoteTrackerOptions;
  #sink: TrackerSink;
  #state: "idle" | "running" | "closed" = "idle";
  #reader: ReadableStreamDefaultReader<ClientMessage> | undefined;
  #loop: Promise<void> | undefined;
  #isReady = false;
  #resolveReady!: () => void;
  #rejectReady!: (error: unknown) => void;
  #resolveClosed!: () => void;
  #rejectClosed!: (error: unknown) => void;
  #needRestore = true;
  #lastSeen = NaN;
  #offset: Record<StatusType, number> | undefined;
  #lastStage: string | undefined;
  #snapshot: SnapshotJSON | undefined;

  /**
   * Creates the tracker and (unless `autoStart: false`) connects.
   *
   * @param url The events URL, e.g. `http://localhost:8787/antflow/events`.
   * @param options Tracker callbacks and bounds, connection options.
   * @throws {TypeError} If `url` cannot be parsed or an option has the wrong type.
   * @throws {RangeError} If a numeric option is out of range.
   */
  constructor(url: string | URL, options: RemoteTrackerOptions = {}) {
    super(options);
    validateConnectionOptions(OWNER, options);
    validateOptions(OWNER, options, OWN_RULES, typeOrRangeError);
    buildUrl(OWNER, url, {});
    this.#url = url;
    this.#options = options;
    this.#sink = trackerSink(this);
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.closed = new Promise((resolve, reject) => {
      this.#resolveClosed = resolve;
      this.#rejectClosed = reject;
    });
    this.ready.catch(() => {});
    this.closed.catch(() => {});
    if (options.autoStart !== false) this.start();
  }

  /** The latest snapshot received (the pipeline's workers, stage counters, errors), if any. */
  get snapshot(): SnapshotJSON | undefined {
    return this.#snapshot;
  }

  /**
   * Connects (once; later calls do nothing while running).
   *
   * @throws {Error} If the tracker was closed.
   */
  start(): void {
    if (this.#state === "running") return;
    if (this.#state === "closed") throw new Error(`${OWNER}: start() was called after close()`);
    this.#state = "running";
    const { signal, headers, fetch, retryMs, maxRetryMs, maxRetries, idleTimeoutMs } =
      this.#options;
    const stream = openStream(OWNER, this.#url, {
      signal,
      headers,
      fetch,
      retryMs,
      maxRetryMs,
      maxRetries,
      idleTimeoutMs,
    });
    this.#reader = stream.getReader();
    this.#loop = this.#consume(this.#reader);
  }

  /**
   * Disconnects at once and waits until the last event was delivered. Idempotent.
   *
   * @returns A promise that resolves when the subscription has ended.
   */
  async close(): Promise<void> {
    if (this.#state === "idle") this.#end(undefined, this.#closedReason());
    this.#state = "closed";
    this.#reader?.cancel().catch(() => {});
    await this.#loop;
  }

  /** `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * How many items are in each status: the server's counts as of the last snapshot, plus the
   * events received since.
   *
   * @returns The counts by status, every status included.
   */
  override getStats(): Record<StatusType, number> {
    const counts = super.getStats();
    const offset = this.#offset;
    if (offset === undefined) return counts;
    for (const status of STATUS_TYPES) {
      counts[status] = Math.max(0, counts[status] + offset[status]);
    }
    return counts;
  }

  async #consume(reader: ReadableStreamDefaultReader<ClientMessage>): Promise<void> {
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        const pending = this.#apply(value);
        if (pending !== undefined) await pending;
      }
    } catch (error) {
      reader.cancel(error).catch(() => {});
      this.#sink.report(error, OWNER);
      this.#end(error, error);
      return;
    }
    this.#end(undefined, this.#closedReason());
  }

  #closedReason(): unknown {
    const signal = this.#options.signal;
    if (signal?.aborted) return signal.reason;
    return this.#state === "closed"
      ? new DOMException(`${OWNER} was closed before the first snapshot`, "AbortError")
      : new Error(`${OWNER}: the stream ended before the first snapshot`);
  }

  #end(error: unknown, notReady: unknown): void {
    this.#state = "closed";
    if (!this.#isReady) this.#rejectReady(notReady);
    if (error === undefined) this.#resolveClosed();
    else this.#rejectClosed(error);
  }

  #apply(message: ClientMessage): void | Promise<void> {
    switch (message.type) {
      case "status":
        this.#lastSeen = Number(message.id);
        return this.#sink.ingestStatus(toStatusEvent(message.event), this.#finished(message.event));
      case "taskstart":
      case "taskcomplete":
      case "taskretry":
      case "taskfail":
        this.#lastSeen = Number(message.id);
        return this.#sink.task(toTaskEvent(message.event));
      case "snapshot":
        return this.#onSnapshot(message.snapshot);
      case "reset":
        this.#needRestore = true;
        return;
      case "error":
        this.#sink.report(message.error, OWNER);
    }
  }

  #onSnapshot(snapshot: SnapshotJSON): void {
    this.#snapshot = snapshot;
    const stages = snapshot.pipeline?.pipelineStats?.stageStats;
    if (stages !== undefined && stages !== null) {
      const names = Object.keys(stages);
      if (names.length > 0) this.#lastStage = names[names.length - 1];
    }
    if (this.#needRestore) {
      this.#needRestore = false;
      this.#sink.restore(snapshot.stats);
      this.#offset = undefined;
      this.#lastSeen = snapshot.lastEventId;
      if (!this.#isReady) {
        this.#isReady = true;
        this.#resolveReady();
      }
    } else if (snapshot.lastEventId === this.#lastSeen) {
      // In step with the stream: correct what events alone cannot know (items in flight when the
      // counters were restored, whose previous status was never seen here).
      const local = super.getStats();
      let offset: Record<StatusType, number> | undefined;
      for (const status of STATUS_TYPES) {
        const delta = snapshot.stats[status] - local[status];
        if (delta !== 0) (offset ??= { ...ZERO })[status] = delta;
      }
      this.#offset = offset;
    }
  }

  #finished(event: StatusEventJSON): boolean {
    switch (event.status) {
      case "failed":
      case "cancelled":
        return true;
      case "completed":
      case "skipped":
        return this.#lastStage !== undefined && event.stage === this.#lastStage;
      default:
        return false;
    }
  }
}

const ZERO = Object.fromEntries(STATUS_TYPES.map((s) => [s, 0])) as Record<StatusType, number>;

function toStatusEvent(json: StatusEventJSON): StatusEvent {
  return new StatusEvent({
    itemId: json.itemId,
    stage: json.stage,
    status: json.status,
    worker: json.worker,
    timestamp: json.timestamp,
    metadata: json.metadata,
  });
}

function toTaskEvent(json: TaskEventJSON): TaskEvent {
  let error: Error | undefined;
  if (json.error !== undefined) {
    error = new Error(json.error.message);
    error.name = json.error.name;
  }
  return new TaskEvent({
    itemId: json.itemId,
    stage: json.stage,
    taskName: json.taskName,
    worker: json.worker,
    eventType: json.eventType,
    attempt: json.attempt,
    timestamp: json.timestamp,
    error,
    duration: json.duration,
  });
}
