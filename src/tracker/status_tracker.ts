import { z } from "zod";
import { typeOrRangeError, validateOptions } from "../utils/validate.ts";
import { ErrorSummary, type FailedItem } from "./error_summary.ts";
import { StatusEvent, TaskEvent } from "./events.ts";
import { ListenerRegistry } from "./listeners.ts";
import {
  type ItemId,
  STATUS_TYPES,
  type StatusMetadata,
  type StatusType,
  type TaskEventType,
} from "./types.ts";

/** A callback for status events; it may be async, and is awaited by the emitting worker. */
export type StatusCallback = (event: StatusEvent) => void | Promise<void>;
/** A callback for task events; it may be async, and is awaited by the emitting worker. */
export type TaskCallback = (event: TaskEvent) => void | Promise<void>;

/** What an `error` event carries: the thrown value, which callback threw, and its event. */
export interface TrackerErrorDetail {
  /** What the callback or listener threw. */
  error: unknown;
  /** `"onStatusChange"`, `"onTaskStart"`…, or `"listener:<type>"`. */
  callback: string;
  /** The event being delivered when it threw. */
  event: StatusEvent | TaskEvent | undefined;
}

/** The events a {@linkcode StatusTracker} dispatches, by name. */
export interface StatusTrackerEventMap {
  /** An item's status changed. */
  status: CustomEvent<StatusEvent>;
  /** A task attempt started. */
  taskstart: CustomEvent<TaskEvent>;
  /** A task attempt succeeded. */
  taskcomplete: CustomEvent<TaskEvent>;
  /** A task attempt failed and will be retried. */
  taskretry: CustomEvent<TaskEvent>;
  /** A task attempt failed for good. */
  taskfail: CustomEvent<TaskEvent>;
  /** A callback or listener threw. */
  error: CustomEvent<TrackerErrorDetail>;
}

/** A typed listener for one of the tracker's events. */
export type StatusTrackerListener<K extends keyof StatusTrackerEventMap> =
  | ((event: StatusTrackerEventMap[K]) => unknown)
  | { handleEvent(event: StatusTrackerEventMap[K]): unknown };

/** Options for {@linkcode StatusTracker}. */
export interface StatusTrackerOptions {
  /** Called on every status change. */
  onStatusChange?: StatusCallback;
  /** Called when a task attempt starts. */
  onTaskStart?: TaskCallback;
  /** Called when a task attempt succeeds. */
  onTaskComplete?: TaskCallback;
  /** Called when a task attempt fails and will be retried. */
  onTaskRetry?: TaskCallback;
  /** Called when a task attempt fails for good. */
  onTaskFail?: TaskCallback;
  /**
   * Status events kept per item (the newest ones).
   * @default {Infinity}
   */
  historyLimit?: number;
  /**
   * Items kept; when exceeded, the items that finished first are evicted (never unfinished ones).
   * `getStats()` stays exact.
   * @default {Infinity}
   */
  maxItems?: number;
}

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
const TRACKED_TYPES = new Set<string>([
  "status",
  "taskstart",
  "taskcomplete",
  "taskretry",
  "taskfail",
  "error",
]);

const callbackSchema = z.custom<(...args: unknown[]) => unknown>((v) =>
  v === undefined || typeof v === "function"
);
const limitSchema = z.union([z.literal(Infinity), z.number().int().min(0)]).optional();
const OPTION_RULES = {
  onStatusChange: { schema: callbackSchema, rule: "must be a function" },
  onTaskStart: { schema: callbackSchema, rule: "must be a function" },
  onTaskComplete: { schema: callbackSchema, rule: "must be a function" },
  onTaskRetry: { schema: callbackSchema, rule: "must be a function" },
  onTaskFail: { schema: callbackSchema, rule: "must be a function" },
  historyLimit: { schema: limitSchema, rule: "must be an integer >= 0 or Infinity" },
  maxItems: { schema: limitSchema, rule: "must be an integer >= 0 or Infinity" },
};

interface ItemRecord {
  current: StatusEvent;
  history: StatusEvent[];
  /** Retries seen in the current stage (fallback for FailedItem.attempts). */
  retries: number;
  finished: boolean;
  /** Bumped on every status change; lets the eviction queue spot stale entries. */
  version: number;
}

/** Internal: how the engine records events (not part of the public API). */
export interface TrackerSink {
  status(
    itemId: ItemId,
    stage: string | null,
    status: StatusType,
    worker: string | null,
    metadata: StatusMetadata | undefined,
    finished: boolean,
  ): void | Promise<void>;
  /** Bit mask of the task event types someone wants (listener or callback). */
  taskMask(): number;
  task(
    itemId: ItemId,
    stage: string,
    taskName: string,
    worker: string | null,
    eventType: TaskEventType,
    attempt: number,
    error: unknown,
    duration: number | undefined,
  ): void | Promise<void>;
  /** Reports an error thrown by a stage callback or a dashboard (never fatal). */
  report(error: unknown, where: string): void;
  /** Records a status event built elsewhere (a remote tracker), keeping its timestamp. */
  ingestStatus(event: StatusEvent, finished: boolean): void | Promise<void>;
  /** Dispatches a task event built elsewhere (a remote tracker). */
  ingestTask(event: TaskEvent): void | Promise<void>;
  /** Forgets every item and sets the status counters (a remote tracker after a reset). */
  restore(counts: Partial<Record<StatusType, number>>): void;
}

let sinkOf: (tracker: StatusTracker) => TrackerSink;

/** @internal The engine's handle on a tracker. */
export function trackerSink(tracker: StatusTracker): TrackerSink {
  return sinkOf(tracker);
}

export { TASK_BITS };

/**
 * Records every item's lifecycle and every task attempt, dispatches each as a DOM `CustomEvent`
 * (`status`, `taskstart`, `taskcomplete`, `taskretry`, `taskfail`; `error` when a callback or
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
  /** Called on every status change (settable at any time). */
  onStatusChange: StatusCallback | undefined;
  /** Called when a task attempt starts (settable at any time). */
  onTaskStart: TaskCallback | undefined;
  /** Called when a task attempt succeeds (settable at any time). */
  onTaskComplete: TaskCallback | undefined;
  /** Called when a task attempt fails and will be retried (settable at any time). */
  onTaskRetry: TaskCallback | undefined;
  /** Called when a task attempt fails for good (settable at any time). */
  onTaskFail: TaskCallback | undefined;

  #historyLimit: number;
  #maxItems: number;
  #items = new Map<ItemId, ItemRecord>();
  #counts: Record<StatusType, number> = zeroCounts();
  #failedByType = new Map<string, number>();
  #failedByStage = new Map<string, number>();
  #finished: { record: ItemRecord; itemId: ItemId; version: number }[] = [];
  #finishedHead = 0;
  #registry: ListenerRegistry;
  #statusListeners = 0;
  #taskListenerMask = 0;

  static {
    sinkOf = (tracker) => tracker.#sink;
  }

  /**
   * Creates a tracker.
   *
   * @param options Callbacks and memory bounds.
   * @throws {TypeError} If a callback is not a function.
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
    this.#historyLimit = options.historyLimit ?? Infinity;
    this.#maxItems = options.maxItems ?? Infinity;
    this.#registry = new ListenerRegistry(
      (error, type, event) => this.#reportListenerError(error, type, event),
      () => this.#refreshListenerFlags(),
    );
  }

  /**
   * Listens to one of the tracker's events; `e.detail` is typed by the event name.
   *
   * @param type `status`, `taskstart`, `taskcomplete`, `taskretry`, `taskfail` or `error`.
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
    const wrapper = this.#registry.add(type, listener, options);
    if (wrapper !== undefined) super.addEventListener(type, wrapper, options);
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
    const wrapper = this.#registry.remove(type, listener, options);
    if (wrapper !== undefined) super.removeEventListener(type, wrapper, options);
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
    return this.#items.get(itemId)?.current;
  }

  /**
   * The ids of the items kept, in the order they were first seen.
   *
   * @returns The ids.
   */
  getTrackedIds(): ItemId[] {
    return [...this.#items.keys()];
  }

  /**
   * The latest events of the items whose current status is `status`.
   *
   * @param status The status to look for.
   * @returns The events, in first-seen order of their items.
   */
  getByStatus(status: StatusType): StatusEvent[] {
    const out: StatusEvent[] = [];
    for (const record of this.#items.values()) {
      if (record.current.status === status) out.push(record.current);
    }
    return out;
  }

  /**
   * How many items are in each status now, every status included (zeros too). Exact even after
   * items were evicted by `maxItems`.
   *
   * @returns The counts by status.
   */
  getStats(): Record<StatusType, number> {
    return { ...this.#counts };
  }

  /**
   * The item's status events, oldest first (the newest `historyLimit` of them).
   *
   * @param itemId The item's id.
   * @returns The events, or `[]` when the item is unknown.
   */
  getHistory(itemId: ItemId): StatusEvent[] {
    return this.#items.get(itemId)?.history.slice() ?? [];
  }

  /**
   * The items whose current status is `failed`.
   *
   * @returns One entry per failed item kept.
   */
  getFailedItems(): FailedItem[] {
    const out: FailedItem[] = [];
    for (const [itemId, record] of this.#items) {
      const event = record.current;
      if (event.status !== "failed") continue;
      const attempt = event.metadata.attempt;
      out.push({
        itemId,
        error: typeof event.metadata.error === "string" ? event.metadata.error : "",
        errorType: typeof event.metadata.errorType === "string"
          ? event.metadata.errorType
          : "Error",
        stage: event.stage,
        attempts: typeof attempt === "number" ? attempt : record.retries + 1,
        timestamp: event.timestamp,
      });
    }
    return out;
  }

  /**
   * Failures grouped by error type and by stage.
   *
   * @returns The summary (its counts are exact even after eviction).
   */
  getErrorSummary(): ErrorSummary {
    return new ErrorSummary(
      this.#counts.failed,
      Object.fromEntries(this.#failedByType),
      Object.fromEntries(this.#failedByStage),
      this.getFailedItems(),
    );
  }

  // ---- recording (the engine's side) ----

  #sink: TrackerSink = {
    status: (itemId, stage, status, worker, metadata, finished) =>
      this.#recordStatus(itemId, stage, status, worker, metadata, finished),
    taskMask: () => this.#taskMask(),
    task: (itemId, stage, taskName, worker, eventType, attempt, error, duration) =>
      this.#emitTask(
        new TaskEvent(
          itemId,
          stage,
          taskName,
          worker,
          eventType,
          attempt,
          Date.now(),
          error,
          duration,
        ),
      ),
    report: (error, where) => this.#reportError(error, where, undefined),
    ingestStatus: (event, finished) => this.#record(event, finished),
    ingestTask: (event) => this.#emitTask(event),
    restore: (counts) => this.#restore(counts),
  };

  #restore(counts: Partial<Record<StatusType, number>>): void {
    this.#items.clear();
    this.#finished = [];
    this.#finishedHead = 0;
    this.#failedByType.clear();
    this.#failedByStage.clear();
    for (const status of STATUS_TYPES) this.#counts[status] = counts[status] ?? 0;
  }

  #recordStatus(
    itemId: ItemId,
    stage: string | null,
    status: StatusType,
    worker: string | null,
    metadata: StatusMetadata | undefined,
    finished: boolean,
  ): void | Promise<void> {
    return this.#record(
      new StatusEvent(itemId, stage, status, worker, Date.now(), metadata),
      finished,
    );
  }

  #record(event: StatusEvent, finished: boolean): void | Promise<void> {
    const { itemId, stage, status } = event;
    let record = this.#items.get(itemId);
    if (record === undefined) {
      record = { current: event, history: [], retries: 0, finished: false, version: 0 };
      this.#items.set(itemId, record);
    } else {
      const previous = record.current;
      this.#counts[previous.status]--;
      if (previous.status === "failed") this.#countFailure(previous, -1);
      if (previous.stage !== stage) record.retries = 0;
      record.current = event;
    }
    this.#counts[status]++;
    record.version++;
    if (status === "retrying") record.retries++;
    else if (status === "failed") this.#countFailure(event, 1);
    if (this.#historyLimit > 0) {
      record.history.push(event);
      if (record.history.length > this.#historyLimit) record.history.shift();
    }
    record.finished = finished;
    if (finished && this.#maxItems !== Infinity) this.#noteFinished(itemId, record);

    if (this.#statusListeners > 0) this.#dispatch("status", event);
    const callback = this.onStatusChange;
    if (callback !== undefined) return this.#invoke(callback, "onStatusChange", event);
  }

  #countFailure(event: StatusEvent, delta: number): void {
    const type = typeof event.metadata.errorType === "string" ? event.metadata.errorType : "Error";
    bump(this.#failedByType, type, delta);
    bump(this.#failedByStage, event.stage ?? "(none)", delta);
  }

  #noteFinished(itemId: ItemId, record: ItemRecord): void {
    this.#finished.push({ record, itemId, version: record.version });
    while (this.#items.size > this.#maxItems && this.#finishedHead < this.#finished.length) {
      const entry = this.#finished[this.#finishedHead++];
      // Skip entries made stale by a later status of the same item (an id fed again).
      if (entry.record.version !== entry.version || !entry.record.finished) continue;
      if (this.#items.get(entry.itemId) === entry.record) this.#items.delete(entry.itemId);
    }
    if (this.#finishedHead > 1024 && this.#finishedHead * 2 > this.#finished.length) {
      this.#finished = this.#finished.slice(this.#finishedHead);
      this.#finishedHead = 0;
    }
  }

  #taskMask(): number {
    let mask = this.#taskListenerMask;
    if (this.onTaskStart !== undefined) mask |= TASK_BITS.start;
    if (this.onTaskComplete !== undefined) mask |= TASK_BITS.complete;
    if (this.onTaskRetry !== undefined) mask |= TASK_BITS.retry;
    if (this.onTaskFail !== undefined) mask |= TASK_BITS.fail;
    return mask;
  }

  #emitTask(event: TaskEvent): void | Promise<void> {
    const type = event.eventType;
    if (this.#taskListenerMask & TASK_BITS[type]) this.#dispatch(TASK_EVENT_NAMES[type], event);
    const name = TASK_CALLBACK_NAMES[type];
    const callback = this[name];
    if (callback !== undefined) return this.#invoke(callback, name, event);
  }

  #dispatch(type: string, detail: StatusEvent | TaskEvent): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #invoke<E extends StatusEvent | TaskEvent>(
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

  #reportError(error: unknown, callback: string, event: StatusEvent | TaskEvent | undefined): void {
    if (this.#registry.count("error") > 0) {
      const detail: TrackerErrorDetail = { error, callback, event };
      this.dispatchEvent(new CustomEvent("error", { detail }));
    } else {
      console.error(
        `AntFlow: the StatusTracker's ${callback} threw (the item is unaffected):`,
        error,
      );
    }
  }

  #refreshListenerFlags(): void {
    this.#statusListeners = this.#registry.count("status");
    let mask = 0;
    for (const type of ["start", "complete", "retry", "fail"] as const) {
      if (this.#registry.count(TASK_EVENT_NAMES[type]) > 0) mask |= TASK_BITS[type];
    }
    this.#taskListenerMask = mask;
  }
}

function zeroCounts(): Record<StatusType, number> {
  const counts = {} as Record<StatusType, number>;
  for (const status of STATUS_TYPES) counts[status] = 0;
  return counts;
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
