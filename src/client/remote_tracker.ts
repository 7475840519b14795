import type { ErrorSummary, FailedItem } from "../tracker/error_summary.ts";
import type { StatusEventJSON } from "../tracker/events.ts";
import {
  StatusTracker,
  type StatusTrackerEventMap,
  type StatusTrackerOptions,
  type TrackerSink,
  trackerSink,
} from "../tracker/status_tracker.ts";
import { STATUS_TYPES, type StatusType } from "../tracker/types.ts";
import {
  CONNECTION_EVENTS,
  ConnectionReporter,
  type RemoteTrackerEventMap,
  type RemoteTrackerListener,
} from "./connection_report.ts";
import type { ClientMessage, SnapshotJSON } from "./messages.ts";
import { buildUrl, type ConnectionOptions, remoteTrackerOptions } from "./options.ts";
import { RemoteErrors } from "./remote_errors.ts";
import { openStream } from "./subscribe.ts";
import { toStatusEvent, toTaskEvent } from "./tracker_events.ts";

const OWNER = "RemoteTracker";

/** Options for {@linkcode RemoteTracker}: the tracker's callbacks and bounds, and the connection. */
export interface RemoteTrackerOptions extends StatusTrackerOptions, ConnectionOptions {
  /**
   * Connect on construction; with `false`, call `start()`.
   * @default {true}
   */
  autoStart?: boolean;
}

/**
 * A `StatusTracker` fed by a remote AntFlow event stream: it answers the same queries
 * (`getStatus`, `getStats`, `getHistory`, `getFailedItems`, `getErrorSummary`, `getRuns`…) and
 * dispatches the same `CustomEvent`s and callbacks (`status`, the task events, `runstart` and
 * `runend`), so code written against a local tracker works against a remote one — and knows when
 * a remote run is done.
 *
 * The first `snapshot` sets the status counters and the error summary (`ready` resolves then);
 * items become known as their events arrive. A dropped connection resumes with `Last-Event-ID`;
 * after a `reset` the tracker forgets its items and rebuilds from the fresh snapshot.
 * `getStats()` and `getErrorSummary()` follow the server's periodic snapshots, so they converge to
 * the server's counts even for items that were in flight when the tracker connected, and agree
 * with each other (`getErrorSummary().totalFailed === getStats().failed`) whenever it connected.
 *
 * Connection trouble is its own: every failed connection attempt dispatches `connectionerror`
 * (`{ url, error, message, attempt, retryInMs }`) and every established connection `open`. With
 * no `connectionerror` listener, the first failure of each outage is written once with
 * `console.error` (`RemoteTracker: could not connect to <url>: <reason>; retrying`); the tracker
 * keeps retrying with capped exponential backoff, and an outage that follows a later reconnection
 * is reported again.
 *
 * @example Against an AntFlow server (`@antflow/antflow/hono`)
 * ```ts ignore
 * import { RemoteTracker } from "@antflow/antflow/client";
 * await using remote = new RemoteTracker("http://localhost:8787/antflow/events");
 * remote.addEventListener("status", (e) => console.log(e.detail.itemId, e.detail.status));
 * remote.addEventListener("runend", (e) => console.log("run done", e.detail.counts));
 * remote.addEventListener("connectionerror", (e) => console.warn(e.detail.message));
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
  #errors: RemoteErrors;
  #lastStage: string | undefined;
  #snapshot: SnapshotJSON | undefined;
  #reporter: ConnectionReporter;
  /** The stream's fatal error was reported already (as a connection failure). */
  #gaveUp = false;

  /**
   * Creates the tracker and (unless `autoStart: false`) connects.
   *
   * @param url The events URL: an absolute `http:` or `https:` URL such as
   * `http://localhost:8787/antflow/events`, or (in a page) one relative to the page.
   * @param options Tracker callbacks and bounds, connection options.
   * @throws {TypeError} If `url` is not an `http:`/`https:` URL (a relative one outside a page,
   * `localhost:8787/…` without a scheme, `ws:`…) or an option has the wrong type.
   * @throws {RangeError} If a numeric option is out of range.
   */
  constructor(url: string | URL, options: RemoteTrackerOptions = {}) {
    super(remoteTrackerOptions(OWNER, options));
    this.#url = url;
    this.#reporter = new ConnectionReporter(OWNER, buildUrl(OWNER, url, {}).href, this);
    this.#options = options;
    this.#sink = trackerSink(this);
    this.#errors = new RemoteErrors(options.maxItems ?? Infinity);
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
   * Listens to one of the tracker's events (`status`, task and run events, `error`) or of its
   * connection (`open`, `connectionerror`); `e.detail` is typed by the event name.
   *
   * @param type The event name.
   * @param listener The listener; if it throws, the error is reported and the others still run.
   * @param options Standard listener options (`once`, `signal`, `capture`).
   */
  override addEventListener<K extends keyof RemoteTrackerEventMap>(
    type: K,
    listener: RemoteTrackerListener<K> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /**
   * Listens to any other event type (untyped, passed straight to `EventTarget`).
   *
   * @param type The event name.
   * @param listener The listener.
   * @param options Standard listener options.
   */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener === null || !CONNECTION_EVENTS.has(type)) {
      super.addEventListener(type, listener, options);
      return;
    }
    const wrapper = this.#reporter.listeners.add(type, listener, options);
    if (wrapper !== undefined) super.addEventListener(type, wrapper, options);
  }

  /**
   * Stops listening.
   *
   * @param type The event name.
   * @param listener The listener passed to `addEventListener`.
   * @param options `capture`, as passed to `addEventListener`.
   */
  override removeEventListener<K extends keyof RemoteTrackerEventMap>(
    type: K,
    listener: RemoteTrackerListener<K> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  /**
   * Stops listening to any other event type.
   *
   * @param type The event name.
   * @param listener The listener passed to `addEventListener`.
   * @param options `capture`, as passed to `addEventListener`.
   */
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    if (listener === null || !CONNECTION_EVENTS.has(type)) {
      super.removeEventListener(type, listener, options);
      return;
    }
    const wrapper = this.#reporter.listeners.remove(type, listener, options);
    if (wrapper !== undefined) super.removeEventListener(type, wrapper, options);
  }

  /**
   * How many listeners are registered for an event type, the connection's included.
   *
   * @param type The event name.
   * @returns The count.
   */
  override listenerCount(type: keyof RemoteTrackerEventMap): number {
    if (CONNECTION_EVENTS.has(type)) return this.#reporter.listeners.count(type);
    return super.listenerCount(type as keyof StatusTrackerEventMap);
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
    const stream = openStream(
      OWNER,
      this.#url,
      { signal, headers, fetch, retryMs, maxRetryMs, maxRetries, idleTimeoutMs },
      {
        onFailure: (error, reason, failures, retryInMs) => {
          if (retryInMs === null) this.#gaveUp = true;
          this.#reporter.failure(error, reason, failures, retryInMs);
        },
        onOpen: (failures) => this.#reporter.open(failures),
      },
    );
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

  /**
   * The failed items: those the server listed when the tracker connected (that it has not seen
   * an event of since), then those it saw fail.
   *
   * @returns One entry per failed item kept.
   */
  override getFailedItems(): FailedItem[] {
    return this.#errors.failedItems(super.getFailedItems(), this.#isTracked);
  }

  /**
   * Failures grouped by error type and by stage: the server's summary as of the last snapshot,
   * plus the failures received since. `totalFailed` equals `getStats().failed`, and the counts by
   * type and by stage each add up to it.
   *
   * @returns The summary.
   */
  override getErrorSummary(): ErrorSummary {
    const total = this.getStats().failed;
    return this.#errors.summary(super.getErrorSummary(), total, this.#isTracked);
  }

  #isTracked = (itemId: string | number): boolean => super.getStatus(itemId) !== undefined;

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
      // Connection failures were reported as they happened; anything else is reported here.
      if (!this.#gaveUp) this.#sink.report(error, OWNER);
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
      case "runstart":
      case "runend":
        this.#lastSeen = Number(message.id);
        return this.#sink.run(message.type, message.event);
      case "snapshot":
        return this.#onSnapshot(message.snapshot);
      case "reset":
        this.#needRestore = true;
        return;
      case "error":
        // A message it could not understand: the `error` event, or one line on the console.
        if (this.listenerCount("error") > 0) this.#sink.report(message.error, OWNER);
        else this.#reporter.badMessage(message);
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
      this.#errors.restore(snapshot);
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
      this.#errors.correct(snapshot, super.getErrorSummary());
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
