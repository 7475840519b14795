import type { ErrorSummary } from "../tracker/error_summary.ts";
import type { ItemId } from "../tracker/types.ts";
import type { RunSnapshot } from "../tracker/run_event.ts";

/**
 * What every task receives as its second argument (there is no ambient context). It describes the
 * current attempt, and every attempt gets a fresh one: a context kept for work that outlives its
 * task keeps describing that attempt (its `setStatus` is refused once the worker no longer holds
 * the item).
 */
export interface TaskContext {
  /** The item's id. */
  readonly itemId: ItemId;
  /** The stage's name. */
  readonly stage: string;
  /** The task's name (the function's `name`). */
  readonly task: string;
  /** The worker's name, e.g. `"Fetch-W0"`. */
  readonly worker: string;
  /** The attempt number, 1-based (per task in per_task mode, the stage attempt in per_stage). */
  readonly attempt: number;
  /** Aborts on pipeline abort or shutdown, and on this attempt's timeout. */
  readonly signal: AbortSignal;
  /**
   * Sets the worker's `currentTask` text, shown by snapshots and dashboards.
   *
   * @param text The text.
   * @param minIntervalMs Accept only if this long has passed since the last accepted call for
   * this item (the first call for each item always passes).
   * @returns Whether the text was accepted.
   */
  setStatus(text: string, minIntervalMs?: number): boolean;
  /**
   * Runs `fn` holding one of the stage's `callConcurrency` slots.
   *
   * @param fn The call to make.
   * @returns `fn`'s result.
   * @throws {PipelineError} If the stage has no `callConcurrency`.
   */
  concurrencyLimit<T>(fn: () => T | PromiseLike<T>): Promise<T>;
  /**
   * Runs `fn` when the stage's `callRate` window allows.
   *
   * @param fn The call to make.
   * @returns `fn`'s result.
   * @throws {PipelineError} If the stage has no `callRate`.
   */
  rateLimit<T>(fn: () => T | PromiseLike<T>): Promise<T>;
  /**
   * Whether `amount` rate-limited calls could start now (`true` without `callRate`).
   *
   * @param amount How many calls.
   * @returns `true` when they would start at once.
   */
  hasRateCapacity(amount?: number): boolean;
}

/**
 * A task: takes the previous task's output (or the stage input) and returns the next value. Its
 * `name` is the task's name in events and limits. The untyped form: any task is a `TaskFn`; use
 * {@linkcode Task} to name its types.
 */
// deno-lint-ignore no-explicit-any
export type TaskFn = (value: any, ctx: TaskContext) => unknown;

/**
 * A typed task: takes `I` (the previous task's output, or the stage's input) and returns `O`, or a
 * promise of it. `(x: number) => string` and `async (x: number, ctx: TaskContext) => string` are
 * both a `Task<number, string>`.
 *
 * @typeParam I The value it takes.
 * @typeParam O The value it returns (awaited).
 */
export type Task<I, O> = (value: I, ctx: TaskContext) => O | PromiseLike<O>;

/**
 * A list of tasks written in place (`[parse, validate]`): its first task takes `I`, its last one
 * returns `O` (or a promise of it); each task's output feeds the next. The types of the values
 * between two tasks of one list are not checked.
 *
 * @typeParam I What the first task takes.
 * @typeParam O What the last task returns (awaited).
 */
export type TaskList<I, O> =
  & readonly [Task<I, unknown>, ...TaskFn[]]
  // deno-lint-ignore no-explicit-any
  & readonly [...TaskFn[], Task<any, O>];

/**
 * One item's outcome: `value` is the final output on success, or the failing stage's input on
 * failure (with `error` set).
 *
 * @example
 * ```ts
 * import { Pipeline } from "@antflow/antflow";
 * const [result] = await Pipeline.quick([1], (x: number) => x + 1);
 * console.log(result.id, result.value, result.isSuccess); // 0 2 true
 * ```
 */
export class PipelineResult<T = unknown> {
  /** The item's id. */
  readonly id: ItemId;
  /** The output (success) or the failing stage's input (failure). */
  readonly value: T;
  /** The item's sequence number in the pipeline. */
  readonly sequenceId: number;
  /** Why it failed; `undefined` exactly when it succeeded. */
  declare readonly error?: unknown;

  /**
   * Creates a result.
   *
   * @param id The item's id.
   * @param value The value.
   * @param sequenceId The sequence number.
   * @param error The error, for a failure.
   */
  constructor(id: ItemId, value: T, sequenceId: number, error?: unknown) {
    this.id = id;
    this.value = value;
    this.sequenceId = sequenceId;
    if (error !== undefined) this.error = error;
  }

  /** `true` when the item succeeded (`error === undefined`). */
  get isSuccess(): boolean {
    return this.error === undefined;
  }
}

/**
 * A result of an item that succeeded: `value` is the pipeline's output. `stream()` yields these
 * and {@linkcode FailedResult}s; `isSuccess` or `error` tells them apart.
 *
 * @typeParam O The pipeline's output.
 */
export interface SucceededResult<O> extends PipelineResult<O> {
  /** Always `undefined`. */
  readonly error?: undefined;
  /** Always `true`. */
  readonly isSuccess: true;
}

/**
 * A result of an item that failed: `value` is the failing stage's input (its type is not known
 * statically), `error` why it failed. A thrown non-`Error` value arrives wrapped in an `Error`
 * whose `cause` is that value.
 */
export interface FailedResult extends PipelineResult<unknown> {
  /** Why the item failed. */
  readonly error: Error;
  /** Always `false`. */
  readonly isSuccess: false;
}

/**
 * What `stream()` yields: a {@linkcode SucceededResult} or a {@linkcode FailedResult}, narrowed by
 * `isSuccess` (or `error`).
 *
 * @typeParam O The pipeline's output.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@antflow/antflow";
 * const pipeline = Pipeline.create().add("Half", (n: number) => {
 *   if (n % 2) throw new Error("odd");
 *   return n / 2;
 * }, { retries: 1 }).build();
 * for await (const result of pipeline.stream([1, 2])) {
 *   if (result.isSuccess) console.log(result.value.toFixed(1)); // a number
 *   else console.log(result.error.message, result.value); // an Error; value is unknown
 * }
 * ```
 */
export type StreamResult<O> = SucceededResult<O> | FailedResult;

/** Counters of one stage. */
export interface StageStats {
  /** The stage's name. */
  stageName: string;
  /** Items waiting in the stage's queue. */
  pendingItems: number;
  /** Items held by the stage's workers. */
  inProgressItems: number;
  /** Items that left the stage successfully (skips included). */
  completedItems: number;
  /** Items that failed for good in the stage. */
  failedItems: number;
}

/** The pipeline's counters (plain data). */
export interface PipelineStats {
  /** Items that completed (or were skipped at) the final stage. */
  itemsProcessed: number;
  /** Items that failed for good, at any stage. */
  itemsFailed: number;
  /** Items cancelled by an abort or shutdown. */
  itemsCancelled: number;
  /** Items fed and not yet in a terminal state. */
  itemsInFlight: number;
  /** Queue length per stage. */
  queueSizes: Record<string, number>;
  /** Counters per stage. */
  stageStats: Record<string, StageStats>;
}

/** A worker's state right now (plain data). */
export interface WorkerState {
  /** `"<Stage>-W<i>"`. */
  workerName: string;
  /** The stage's name. */
  stage: string;
  /** `busy` while holding an item. */
  status: "idle" | "busy";
  /** The item held. */
  currentItemId?: ItemId;
  /** The running task's name, or the text of `ctx.setStatus()`. */
  currentTask?: string;
  /** When the item was taken, epoch ms. */
  processingSince?: number;
}

/** A worker's counters (plain data). */
export interface WorkerMetrics {
  /** `"<Stage>-W<i>"`. */
  workerName: string;
  /** The stage's name. */
  stage: string;
  /** Items it passed on (skips included). */
  itemsProcessed: number;
  /** Items that failed for good in its hands. */
  itemsFailed: number;
  /** Milliseconds spent on items (successes and failures). */
  totalProcessingTime: number;
  /** When it last finished an item, epoch ms. */
  lastActive?: number;
  /** `totalProcessingTime / itemsProcessed` (0 before the first). */
  avgProcessingTime: number;
}

/** Everything a dashboard shows, taken at one moment (plain data). */
export interface DashboardSnapshot {
  /** Every worker's state, by name. */
  workerStates: Record<string, WorkerState>;
  /** Every worker's counters, by name. */
  workerMetrics: Record<string, WorkerMetrics>;
  /** The pipeline's counters. */
  pipelineStats: PipelineStats;
  /** Failures so far. */
  errorSummary: ErrorSummary;
  /** When it was taken, epoch ms. */
  timestamp: number;
  /**
   * The run a dashboard belongs to, with its items' terminal states and failures by type so far:
   * set in the snapshots that `run(items, { dashboard })` hands to `onUpdate`, so a display counts
   * its own run even while other runs share the pipeline.
   */
  run?: RunSnapshot;
}

/**
 * A display driven by `run(items, { dashboard })`: `onStart` once, `onUpdate` every
 * `dashboardIntervalMs`, `onFinish` once. Methods may be async; errors are reported, never fatal.
 */
export interface DashboardProtocol {
  /**
   * The run starts.
   * @param pipeline The pipeline (for `getDashboardSnapshot()` and friends).
   * @param total How many items the input holds, when known (arrays, sets); otherwise `undefined`.
   */
  onStart(pipeline: PipelineLike, total: number | undefined): void | Promise<void>;
  /**
   * A new snapshot.
   * @param snapshot The snapshot.
   */
  onUpdate(snapshot: DashboardSnapshot): void | Promise<void>;
  /**
   * The run ended (also after an abort).
   * @param results The run's successful results.
   * @param summary The failures.
   */
  onFinish(results: PipelineResult[], summary: ErrorSummary): void | Promise<void>;
}

/** The read-only view of a pipeline that displays use. */
export interface PipelineLike {
  /** The pipeline's counters. */
  getStats(): PipelineStats;
  /** Every worker's state. */
  getWorkerStates(): Record<string, WorkerState>;
  /** Every worker's counters. */
  getWorkerMetrics(): Record<string, WorkerMetrics>;
  /** Worker names by stage. */
  getWorkerNames(): Record<string, string[]>;
  /** A snapshot for dashboards. */
  getDashboardSnapshot(): DashboardSnapshot;
  /** Failures so far. */
  getErrorSummary(): ErrorSummary;
}
