import { typeOrRangeError, validateOptions } from "../utils/validate.ts";
import { ErrorSummary, type FailedItem } from "./error_summary.ts";
import { dispatchForeign, dispatchOwn } from "./dispatch.ts";
import { recordedStatusEvent, type StatusEvent, type TaskEvent } from "./events.ts";
import { type ItemHandle, ItemStore } from "./item_store.ts";
import type { LatencySnapshot } from "./latency.ts";
import { ListenerRegistry } from "./listeners.ts";
import type { NameRef } from "./names.ts";
import { copyRun, type RunEvent, type RunEventType } from "./run_event.ts";
import type { EventOrigin, TrackedItem, TrackerSink } from "./sink.ts";
import { TapList, TAPPED_TYPES, type TappedType, type TrackerTap } from "./taps.ts";
import {
  OPTION_RULES,
  type RunCallback,
  type StatusCallback,
  type StatusTrackerEventMap,
  type StatusTrackerListener,
  type StatusTrackerOptions,
  type TaskCallback,
  type TrackerErrorDetail,
} from "./tracker_options.ts";
import {
  type ItemId,
  STATUS_TYPES,
  type StatusMetadata,
  type StatusType,
  type TaskEventType,
} from "./types.ts";

export type {
  RunCallback,
  StatusCallback,
  StatusTrackerEventMap,
  StatusTrackerListener,
  StatusTrackerOptions,
  TaskCallback,
  TrackerErrorDetail,
  TrackerSink,
};

const TASK_EVENT_NAMES: Record<TaskEventType, keyof StatusTrackerEventMap> = {
  start: "taskstart",
  complete: "taskcomplete",
  retry: "taskretry",
  fail: "taskfail",
};
const TASK_CALLBACK_NAMES = {
  start: "onTaskStart",
  complete: "onTaskComplete",
  retry: "onTaskRetry",
  fail: "onTaskFail",
} as const;
/** Bit per task event type in the "wanted" mask. */
const TASK_BITS: Record<TaskEventType, number> = { start: 1, complete: 2, retry: 4, fail: 8 };
const ALL_TASK_BITS = 15;
/**
 * Set in the task mask when some task event runs user code (a listener or a callback): without
 * it, task events go to taps only, and the engine may go on at once and share clock readings
 * across them.
 */
const TASK_USER_CODE = 16;
const TRACKED_TYPES = new Set<string>([
  "status",
  "taskstart",
  "taskcomplete",
  "taskretry",
  "taskfail",
  "runstart",
  "runend",
  "error",
]);
/** How many runs `getRuns()` keeps (the newest). */
const RUNS_KEPT = 100;

let sinkOf: (tracker: StatusTracker) => TrackerSink;
let tapsOf: (tracker: StatusTracker) => TapList;
let transitionsOf: (tracker: StatusTracker) => Float64Array;

/** @internal The engine's handle on a tracker. */
export function trackerSink(tracker: StatusTracker): TrackerSink {
  return sinkOf(tracker);
}

/**
 * @internal Attaches an internal consumer (the SSE hub) that gets the events it asks for without
 * a DOM dispatch; returns the function that detaches it. A tap that changes its wishes calls
 * `refreshTaps(tracker)`.
 */
export function tapTracker(tracker: StatusTracker, tap: TrackerTap): () => void {
  return tapsOf(tracker).add(tap);
}

/** @internal Reads the taps' wishes (`statusMask`, `tasks`) again. */
export function refreshTaps(tracker: StatusTracker): void {
  tapsOf(tracker).refresh();
}

/** @internal How many internal consumers a tracker has. */
export function tapCount(tracker: StatusTracker): number {
  return tapsOf(tracker).size;
}

/**
 * @internal How many status changes the tracker has recorded while taps were attached, per status
 * (index in `STATUS_TYPES`): running totals (not reset by `restore`), for a tap that reports what
 * changed between two moments without receiving every event. Read-only.
 */
export function statusTransitions(tracker: StatusTracker): Float64Array {
  return transitionsOf(tracker);
}

export { TASK_BITS, TASK_USER_CODE };

/**
 * Records every item's lifecycle and every task attempt, dispatches each as a DOM `CustomEvent`
 * (`status`, `taskstart`, `taskcomplete`, `taskretry`, `taskfail`, `runstart`, `runend`; `error` when a callback or
 * listener throws), and answers queries about items, statuses and failures.
 *
 * Emitting is cheap when nobody listens: without a listener or callback for a type, no event
 * object or `CustomEvent` is built for it.
 *
 * @example
 * ```ts
 * import { Pipeline, Stage, StatusTracker } from "@antflow/antflow";
 * const tracker = new StatusTracker({
 *   onStatusChange: (event) => {
 *     if (event.status === "failed") console.log(`item ${event.itemId} failed: ${event.metadata.error}`);
 *   },
 * });
 * tracker.addEventListener("status", (e) => console.log(e.detail.itemId, e.detail.status));
 * const pipeline = new Pipeline({
 *   stages: [new Stage({ name: "Double", workers: 2, tasks: [(x: number) => x * 2] })],
 *   statusTracker: tracker,
 * });
 * await pipeline.run([1, 2, 3]);
 * console.log(tracker.getStats().completed); // 3
 * ```
 */
export class StatusTracker extends EventTarget {
  #onStatusChange: StatusCallback | undefined;
  #onTaskStart: TaskCallback | undefined;
  #onTaskComplete: TaskCallback | undefined;
  #onTaskRetry: TaskCallback | undefined;
  #onTaskFail: TaskCallback | undefined;
  #onRunStart: RunCallback | undefined;
  #onRunEnd: RunCallback | undefined;
  /** The newest runs, oldest first; a run's entry is replaced by its `runend`. */
  #runs: RunEvent[] = [];
  /**
   * Which task event types someone wants (listeners, callbacks, taps), as TASK_BITS, with
   * TASK_USER_CODE when a listener or a callback is among them.
   */
  #taskMaskValue = 0;

  #store: ItemStore;
  #registry: ListenerRegistry;
  #statusListeners = 0;
  #taskListenerMask = 0;
  /** Status changes recorded, per status code (see `statusTransitions`). */
  #transitions = new Float64Array(STATUS_TYPES.length);
  #taps: TapList = new TapList(
    () => this.#onTapsChanged(),
    (error) => this.#reportError(error, "tap", undefined),
  );
  #tapsListening = false;
  /**
   * The tracker's one `EventTarget` listener per tracked type (not counted as a listener). The
   * tracker calls its listeners itself for its own events, without `dispatchEvent`; this hands
   * events dispatched on it from outside, such as a custom producer's, to the taps and the
   * listeners like its own.
   */
  #onForeign = (event: Event): void => {
    const type = event.type;
    if (this.#tapsListening && TAPPED_TYPES.has(type) && event instanceof CustomEvent) {
      this.#taps.external(type as TappedType, event.detail);
    }
    const listeners = this.#registry.list(type);
    if (listeners.length > 0) dispatchForeign(event, listeners);
  };

  static {
    sinkOf = (tracker) => tracker.#sink;
    tapsOf = (tracker) => tracker.#taps;
    transitionsOf = (tracker) => tracker.#transitions;
  }

  /**
   * Creates a tracker.
   *
   * @param options Callbacks and memory bounds.
   * @throws {TypeError} If a callback is not a function or an option is unknown.
   * @throws {RangeError} If `historyLimit` or `maxItems` is negative or not an integer.
   */
  constructor(options: StatusTrackerOptions = {}) {
    super();
    validateOptions("StatusTracker", options, OPTION_RULES, typeOrRangeError);
    this.onStatusChange = options.onStatusChange;
    this.onTaskStart = options.onTaskStart;
    this.onTaskComplete = options.onTaskComplete;
    this.onTaskRetry = options.onTaskRetry;
    this.onTaskFail = options.onTaskFail;
    this.#onRunStart = options.onRunStart;
    this.#onRunEnd = options.onRunEnd;
    this.#store = new ItemStore(options.historyLimit ?? Infinity, options.maxItems ?? Infinity);
    this.#registry = new ListenerRegistry(
      (error, type, event) => this.#reportListenerError(error, type, event),
      () => this.#refreshListenerFlags(),
      this,
    );
    for (const type of TRACKED_TYPES) super.addEventListener(type, this.#onForeign);
  }

  /**
   * Listens to one of the tracker's events; `e.detail` is typed by the event name.
   *
   * @param type `status`, a task event (`taskstart`…), `runstart`, `runend` or `error`.
   * @param listener The listener; if it throws, an `error` event is dispatched instead.
   * @param options Standard listener options (`once`, `signal`, `capture`).
   */
  override addEventListener<K extends keyof StatusTrackerEventMap>(
    type: K,
    listener: StatusTrackerListener<K> | null,
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
    if (listener === null || !TRACKED_TYPES.has(type)) {
      super.addEventListener(type, listener, options);
      return;
    }
    this.#registry.add(type, listener, options);
  }

  /**
   * Stops listening.
   *
   * @param type The event name.
   * @param listener The listener passed to `addEventListener`.
   * @param options `capture`, as passed to `addEventListener`.
   */
  override removeEventListener<K extends keyof StatusTrackerEventMap>(
    type: K,
    listener: StatusTrackerListener<K> | null,
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
    if (listener === null || !TRACKED_TYPES.has(type)) {
      super.removeEventListener(type, listener, options);
      return;
    }
    this.#registry.remove(type, listener, options);
  }

  /**
   * How many listeners are registered for an event type (through this tracker's
   * `addEventListener`).
   *
   * @param type The event name.
   * @returns The count.
   */
  listenerCount(type: keyof StatusTrackerEventMap): number {
    return this.#registry.count(type);
  }

  /**
   * The item's latest status event.
   *
   * @param itemId The item's id.
   * @returns The event, or `undefined` when the item is unknown (or evicted).
   */
  getStatus(itemId: ItemId): StatusEvent | undefined {
    return this.#store.get(itemId);
  }

  /**
   * The ids of the items kept, in the order they were first seen.
   *
   * @returns The ids.
   */
  getTrackedIds(): ItemId[] {
    return this.#store.ids();
  }

  /**
   * The latest events of the items whose current status is `status`.
   *
   * @param status The status to look for.
   * @returns The events, in first-seen order of their items.
   */
  getByStatus(status: StatusType): StatusEvent[] {
    return this.#store.byStatus(status);
  }

  /**
   * How many items are in each status now, every status included (zeros too). Exact even after
   * items were evicted by `maxItems`.
   *
   * @returns The counts by status.
   */
  getStats(): Record<StatusType, number> {
    return this.#store.counts();
  }

  /**
   * The item's status events, oldest first (the newest `historyLimit` of them).
   *
   * @param itemId The item's id.
   * @returns The events, or `[]` when the item is unknown.
   */
  getHistory(itemId: ItemId): StatusEvent[] {
    return this.#store.history(itemId);
  }

  /**
   * The items whose current status is `failed`.
   *
   * @returns One entry per failed item kept.
   */
  getFailedItems(): FailedItem[] {
    return this.#store.failedItems();
  }

  /**
   * Failures grouped by error type and by stage.
   *
   * @returns The summary (its counts are exact even after eviction).
   */
  getErrorSummary(): ErrorSummary {
    const store = this.#store;
    return new ErrorSummary(
      store.failedCount(),
      store.failuresByType(),
      store.failuresByStage(),
      store.failedItems(),
    );
  }

  /**
   * The newest runs (up to 100), oldest first: each as of its `runstart`, or its `runend` once it
   * ended (then with `endedAt` and final counts). A run without `endedAt` is still going.
   *
   * @returns Copies of the runs.
   */
  getRuns(): RunEvent[] {
    return this.#runs.map(copyRun);
  }

  /**
   * Durations, as percentiles from fixed-size histograms: per stage, from an item's first
   * `in_progress` at the stage to its `completed` or `failed` there (always recorded); per task,
   * each attempt's duration, recorded only when task events are built anyway (while a task event
   * listener, a task callback or a full-mode SSE client of the Hono routes exists). Each series
   * has all-time figures and `recent` ones (the last minute).
   *
   * @returns `{ windowMs, stages, tasks }`; times in ms.
   */
  getLatency(): LatencySnapshot {
    return this.#store.latency.snapshot(Date.now());
  }

  // ---- recording (the engine's side) ----

  #sink: TrackerSink = {
    status: (item, status, origin, metadata, timestamp) =>
      this.#recordStatus(item, status, origin, metadata, timestamp),
    nameRef: (name) => this.#store.names.ref(name),
    quiet: () => this.#statusListeners === 0 && this.#onStatusChange === undefined,
    taskMask: () => this.#taskMask(),
    task: (event) => this.#emitTask(event),
    report: (error, where, stage) => this.#reportError(error, where, undefined, stage),
    ingestStatus: (event, finished) => this.#record(event, finished),
    restore: (counts) => this.#restore(counts),
    run: (type, event) => this.#emitRun(type, event),
  };

  #emitRun(type: RunEventType, event: RunEvent): void | Promise<void> {
    const kept = copyRun(event);
    const runs = this.#runs;
    const index = type === "runend" ? runs.findLastIndex((r) => r.runId === kept.runId) : -1;
    if (index >= 0) runs[index] = kept;
    else {
      runs.push(kept);
      if (runs.length > RUNS_KEPT) runs.shift();
    }
    if (this.#taps.size > 0) this.#taps.run(type, copyRun(event));
    if (this.#registry.count(type) > 0) this.#dispatch(type, copyRun(event));
    const name = type === "runstart" ? "onRunStart" : "onRunEnd";
    const callback = this[name];
    if (callback !== undefined) return this.#invoke(callback, name, copyRun(event));
  }

  #restore(counts: Partial<Record<StatusType, number>>): void {
    this.#store.restore(counts);
  }

  #recordStatus(
    item: TrackedItem,
    status: number,
    origin: EventOrigin,
    metadata: StatusMetadata | undefined,
    timestamp: number,
  ): void | Promise<void> {
    const callback = this.#onStatusChange;
    const { stageRef, workerRef } = origin;
    // Build the event object only for someone who will read it.
    const event = this.#statusListeners > 0 || callback !== undefined
      ? recordedStatusEvent({
        itemId: item.id,
        stage: stageRef.name,
        status: STATUS_TYPES[status],
        worker: workerRef.name,
        timestamp,
        metadata,
      }, workerRef.workerId)
      : undefined;
    item.trackerRecord = this.#store.record(
      item.trackerRecord as ItemHandle | undefined,
      item.id,
      stageRef,
      status,
      workerRef,
      timestamp,
      metadata,
      item.done,
    );
    if (this.#tapsListening) {
      this.#tap(item.id, stageRef, status, workerRef, timestamp, metadata);
    }
    if (event === undefined) return;
    if (this.#statusListeners > 0) this.#dispatch("status", event);
    if (callback !== undefined) return this.#invoke(callback, "onStatusChange", event);
  }

  #record(event: StatusEvent, finished: boolean): void | Promise<void> {
    const { itemId, stage, status, worker, timestamp, metadata } = event;
    const names = this.#store.names;
    const stageRef = names.ref(stage);
    const workerRef = names.ref(worker);
    const code = STATUS_TYPES.indexOf(status);
    this.#store.record(
      undefined,
      itemId,
      stageRef,
      code,
      workerRef,
      timestamp,
      metadata,
      finished,
    );
    if (this.#tapsListening && code >= 0) {
      this.#tap(itemId, stageRef, code, workerRef, timestamp, metadata);
    }
    if (this.#statusListeners > 0) this.#dispatch("status", event);
    const callback = this.#onStatusChange;
    if (callback !== undefined) return this.#invoke(callback, "onStatusChange", event);
  }

  #taskMask(): number {
    return this.#taskMaskValue;
  }

  /** Counts a recorded status change and hands it to the taps that want its status. */
  #tap(
    itemId: ItemId,
    stage: NameRef,
    status: number,
    worker: NameRef,
    timestamp: number,
    metadata: StatusMetadata | undefined,
  ): void {
    this.#transitions[status]++;
    if ((this.#taps.statusMask >> status) & 1) {
      this.#taps.status(itemId, stage, status, worker, timestamp, metadata);
    }
  }

  #onTapsChanged(): void {
    this.#refreshTaskMask();
    this.#tapsListening = this.#taps.size > 0;
  }

  #refreshTaskMask(): void {
    let user = this.#taskListenerMask;
    if (this.#onTaskStart !== undefined) user |= TASK_BITS.start;
    if (this.#onTaskComplete !== undefined) user |= TASK_BITS.complete;
    if (this.#onTaskRetry !== undefined) user |= TASK_BITS.retry;
    if (this.#onTaskFail !== undefined) user |= TASK_BITS.fail;
    const mask = this.#taps.tasks ? ALL_TASK_BITS | user : user;
    this.#taskMaskValue = user === 0 ? mask : mask | TASK_USER_CODE;
  }

  /** Called on every status change (settable at any time). */
  get onStatusChange(): StatusCallback | undefined {
    return this.#onStatusChange;
  }
  set onStatusChange(callback: StatusCallback | undefined) {
    this.#onStatusChange = callback;
  }

  /** Called when a task attempt starts (settable at any time). */
  get onTaskStart(): TaskCallback | undefined {
    return this.#onTaskStart;
  }
  set onTaskStart(callback: TaskCallback | undefined) {
    this.#onTaskStart = callback;
    this.#refreshTaskMask();
  }

  /** Called when a task attempt succeeds (settable at any time). */
  get onTaskComplete(): TaskCallback | undefined {
    return this.#onTaskComplete;
  }
  set onTaskComplete(callback: TaskCallback | undefined) {
    this.#onTaskComplete = callback;
    this.#refreshTaskMask();
  }

  /** Called when a task attempt fails and will be retried (settable at any time). */
  get onTaskRetry(): TaskCallback | undefined {
    return this.#onTaskRetry;
  }
  set onTaskRetry(callback: TaskCallback | undefined) {
    this.#onTaskRetry = callback;
    this.#refreshTaskMask();
  }

  /** Called when a task attempt fails for good (settable at any time). */
  get onTaskFail(): TaskCallback | undefined {
    return this.#onTaskFail;
  }
  set onTaskFail(callback: TaskCallback | undefined) {
    this.#onTaskFail = callback;
    this.#refreshTaskMask();
  }

  /** Called when a run starts (settable at any time). */
  get onRunStart(): RunCallback | undefined {
    return this.#onRunStart;
  }
  set onRunStart(callback: RunCallback | undefined) {
    this.#onRunStart = callback;
  }

  /** Called when a run ends, with its final counts (settable at any time). */
  get onRunEnd(): RunCallback | undefined {
    return this.#onRunEnd;
  }
  set onRunEnd(callback: RunCallback | undefined) {
    this.#onRunEnd = callback;
  }

  #emitTask(event: TaskEvent): void | Promise<void> {
    const type = event.eventType;
    if (event.duration !== undefined) {
      this.#store.latency.task(event.stage, event.taskName, event.duration, event.timestamp);
    }
    if (this.#taps.tasks) this.#taps.task(TASK_EVENT_NAMES[type] as TappedType, event);
    if (this.#taskListenerMask & TASK_BITS[type]) this.#dispatch(TASK_EVENT_NAMES[type], event);
    const name = TASK_CALLBACK_NAMES[type];
    const callback = this[name];
    if (callback !== undefined) return this.#invoke(callback, name, event);
  }

  /** Calls the listeners of `type` with a `CustomEvent` (see `dispatchOwn`: no DOM dispatch). */
  #dispatch(type: string, detail: StatusEvent | TaskEvent | RunEvent | TrackerErrorDetail): void {
    dispatchOwn(this, type, detail, this.#registry.list(type));
  }

  #invoke<E extends StatusEvent | TaskEvent | RunEvent>(
    callback: (event: E) => void | Promise<void>,
    name: string,
    event: E,
  ): void | Promise<void> {
    try {
      const result = callback(event);
      if (result !== undefined && result !== null && typeof result.then === "function") {
        return result.then(undefined, (error) => this.#reportError(error, name, event));
      }
    } catch (error) {
      this.#reportError(error, name, event);
    }
  }

  #reportListenerError(error: unknown, type: string, event: Event): void {
    const detail = (event as CustomEvent).detail;
    if (type === "error") {
      console.error(`AntFlow: an "error" listener of the StatusTracker threw:`, error);
      return;
    }
    this.#reportError(error, `listener:${type}`, detail);
  }

  #reportError(
    error: unknown,
    callback: string,
    event: StatusEvent | TaskEvent | RunEvent | undefined,
    stage?: string,
  ): void {
    if (this.#registry.count("error") > 0) {
      const detail: TrackerErrorDetail = stage === undefined
        ? { error, callback, event }
        : { error, callback, event, stage };
      this.#dispatch("error", detail);
    } else {
      const owner = stage === undefined ? "the StatusTracker's" : `stage "${stage}"'s`;
      console.error(`AntFlow: ${owner} ${callback} threw (the item is unaffected):`, error);
    }
  }

  #refreshListenerFlags(): void {
    this.#statusListeners = this.#registry.count("status");
    let mask = 0;
    for (const type of ["start", "complete", "retry", "fail"] as const) {
      if (this.#registry.count(TASK_EVENT_NAMES[type]) > 0) mask |= TASK_BITS[type];
    }
    this.#taskListenerMask = mask;
    this.#refreshTaskMask();
  }
}
