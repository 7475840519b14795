import type { RunEvent } from "../tracker/run_event.ts";
import type { ItemId } from "../tracker/types.ts";
import type { RetryMode } from "./stage.ts";
import type { PipelineLike } from "./types.ts";

/**
 * The seam through which tracing and metrics (`@antflow/antflow/otel`, or your own code) follow a
 * pipeline: pass one as `new Pipeline({ instrumentation })`. Web standards only; the core never
 * imports a tracing library.
 *
 * The pipeline calls {@linkcode PipelineInstrumentation.startRun} synchronously inside `run()`,
 * `stream()` and the `feed()` that starts a batch, so the caller's context (an active span) can be
 * captured there. What it returns follows that run's items: when it returns `undefined` (nothing to
 * record, e.g. no tracing SDK registered), the run costs nothing more than one `undefined` check
 * per phase of each item.
 *
 * Hooks must not throw: an error thrown by a hook inside a worker is an internal error (the item
 * fails and the error is logged).
 *
 * @example
 * ```ts
 * import { Pipeline, type PipelineInstrumentation, Stage } from "@antflow/antflow";
 *
 * // Logs every attempt and how long it took.
 * const timing: PipelineInstrumentation = {
 *   startRun: () => ({
 *     enterStage: (entry) => entry,
 *     wrapAttempt(_entry, attempt, call) {
 *       const started = performance.now();
 *       const log = () =>
 *         console.log(attempt.stage, attempt.task, attempt.attempt, performance.now() - started);
 *       const result = call();
 *       if (result instanceof Promise) result.then(log, log);
 *       else log();
 *       return result;
 *     },
 *     retrying() {},
 *     leaveStage: () => undefined,
 *     cancelled() {},
 *     end() {},
 *   }),
 * };
 * const pipeline = new Pipeline({
 *   stages: [new Stage({ name: "Double", workers: 2, tasks: [async (x: number) => x * 2] })],
 *   instrumentation: timing,
 * });
 * await pipeline.run([1, 2, 3]);
 * ```
 */
export interface PipelineInstrumentation {
  /**
   * Called once by the `Pipeline` constructor: a read-only view of the pipeline (for gauges of
   * queue depth and busy workers) and its stage names, in order.
   */
  attach?(pipeline: PipelineLike, stages: readonly string[]): void;
  /**
   * A run begins (one `run()`, one `stream()`, or the `feed()` calls up to the `join()` that
   * waits for them). Called synchronously in the caller's call, before any item is fed.
   *
   * @returns What follows this run's items, or `undefined` to leave the run alone.
   */
  startRun(run: RunStart): RunInstrumentation | undefined;
}

/** How a run was started. */
export type RunKind = "run" | "stream" | "feed";

/** A run that is starting (the argument of {@linkcode PipelineInstrumentation.startRun}). */
export interface RunStart {
  /** The run's id, as in the tracker's `runstart` event. */
  readonly runId: string;
  /** Which call started it. */
  readonly kind: RunKind;
  /** When it started, epoch ms. */
  readonly startedAt: number;
}

/**
 * How an item's passage through a stage ended: `completed` and `skipped` pass it on (or finish
 * it at the last stage), `failed` is for good, `retrying` re-queues it (a per_stage retry: the next
 * passage is a new one), `cancelled` comes from an abort or a shutdown.
 */
export type StageOutcome = "completed" | "skipped" | "failed" | "retrying" | "cancelled";

/** An item a worker of a stage has just taken (the argument of `enterStage`). */
export interface StageEntry {
  /** The item's run. */
  readonly runId: string;
  /** The item's id (the caller's, from `idOf`, or its sequence number). */
  readonly itemId: ItemId;
  /** The item's sequence number in the pipeline (never reused). */
  readonly sequenceId: number;
  /** The stage's name. */
  readonly stage: string;
  /** The stage's position in the pipeline (0-based). */
  readonly stageIndex: number;
  /** The worker that took it (`"Fetch-W0"`). */
  readonly worker: string;
  /** The stage attempt: 1, or more for a per_stage retry. */
  readonly attempt: number;
  /** The stage's retry mode. */
  readonly retry: RetryMode;
  /**
   * The item's trace context as a W3C `traceparent` (what the last `leaveStage`, or the run's
   * {@linkcode RunInstrumentation.trace}, set), or `undefined`.
   */
  readonly trace: string | undefined;
}

/** An item cancelled while it waited in a stage's queue (no worker held it). */
export interface CancelledItem {
  /** The item's run. */
  readonly runId: string;
  /** The item's id. */
  readonly itemId: ItemId;
  /** The item's sequence number. */
  readonly sequenceId: number;
  /** The stage whose queue it was in (or was about to enter). */
  readonly stage: string;
  /** The item's trace context (a W3C `traceparent`), or `undefined`. */
  readonly trace: string | undefined;
}

/** One attempt of one task (the argument of `wrapAttempt`). */
export interface AttemptInfo {
  /** The item's id. */
  readonly itemId: ItemId;
  /** The stage's name. */
  readonly stage: string;
  /** The task's name (`ctx.task`). */
  readonly task: string;
  /** The task's position in the stage's `tasks` (0-based). */
  readonly taskIndex: number;
  /** The worker running it. */
  readonly worker: string;
  /** 1-based: per task in per_task mode, the stage attempt in per_stage mode (as `ctx.attempt`). */
  readonly attempt: number;
  /** The stage's retry mode. */
  readonly retry: RetryMode;
}

/**
 * What follows one run's items through the stages, with a state `P` per passage of an item
 * through a stage (a span, say): `enterStage` makes it, the other hooks get it back.
 *
 * @typeParam P The state of one passage.
 */
// deno-lint-ignore no-explicit-any
export interface RunInstrumentation<P = any> {
  /**
   * The trace context each item of this run starts with (a W3C `traceparent`), copied onto the
   * item when it is fed, so that a queue backend can carry it in message headers.
   */
  readonly trace?: string | undefined;
  /** A worker took the item into a stage (before `skipIf`). */
  enterStage(entry: StageEntry): P;
  /**
   * Runs one task attempt: must call `call()` exactly once, synchronously, and return what it
   * returned (a value, or the task's promise), throwing what it threw. Code around the call can
   * make a context current while the task runs (an active span).
   */
  wrapAttempt<T>(passage: P, attempt: AttemptInfo, call: () => T): T;
  /** A task attempt failed and the task will be tried again in this passage (per_task). */
  retrying(passage: P, nextAttempt: number, error: Error): void;
  /**
   * The passage ended (for a cancelled item, possibly while its task still runs: a task that
   * ignores its signal settles after this). `error` is the item's error (`failed`, `retrying`),
   * the abort reason (`cancelled`), or `undefined`.
   *
   * @returns The item's trace context from now on (a W3C `traceparent`), or `undefined` to keep it.
   */
  leaveStage(passage: P, outcome: StageOutcome, error: unknown): string | undefined;
  /** An item no worker held was cancelled (it waited in a queue, or for a per_stage retry). */
  cancelled(item: CancelledItem, reason: unknown): void;
  /** The run settled: its final counts (the tracker's `runend` data). */
  end(run: RunEvent): void;
}
