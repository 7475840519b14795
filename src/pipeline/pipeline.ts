import { PipelineError } from "../errors.ts";
import type { ErrorSummary } from "../tracker/error_summary.ts";
import { StatusTracker } from "../tracker/status_tracker.ts";
import { untilAborted } from "../utils/abort.ts";
import { describeValue } from "../utils/validate.ts";
import { Batch } from "./batch.ts";
import { PipelineBuilder, providePipeline, quick, type QuickOptions } from "./builder.ts";
import { Engine } from "./engine.ts";
import { feedItems } from "./feeder.ts";
import type { Envelope } from "./envelope.ts";
import type { PipelineInstrumentation } from "./instrument.ts";
import { statsOf, workerMetricsOf, workerNamesOf, workerStatesOf } from "./introspection.ts";
import { ConsoleProgress, PROGRESS_INTERVAL_MS, RunMonitor } from "./monitor.ts";
import {
  checkFeedOptions,
  checkItems,
  checkJoinOptions,
  checkPipelineOptions,
  checkRunOptions,
  checkStreamOptions,
  type FeedOptions,
  knownSize,
  type RunOptions,
  stageIndexOf,
  type StreamOptions,
} from "./options.ts";
import { FeedOutput, RunOutput } from "./outputs.ts";
import type { QueueBackendFactory } from "./queue_backend.ts";
import { ResultStreamOutput } from "./result_stream.ts";
import { provideEngine } from "./serve.ts";
import { Stage } from "./stage.ts";
import type {
  DashboardSnapshot,
  PipelineLike,
  PipelineResult,
  PipelineStats,
  StreamResult,
  Task,
  TaskFn,
  TaskList,
  WorkerMetrics,
  WorkerState,
} from "./types.ts";

/**
 * Stages written in place (`[fetch, parse, save]`): the first stage's input is the pipeline's
 * input `I`, the last stage's output its output `O`. Adjacent stages are not checked against each
 * other (the builder, `Pipeline.create().add(...)`, checks every step).
 *
 * @typeParam I The first stage's input.
 * @typeParam O The last stage's output.
 */
export type StageList<I, O> =
  & readonly [Stage<I, unknown>, ...Stage[]]
  // deno-lint-ignore no-explicit-any
  & readonly [...Stage[], Stage<any, O>];

/**
 * Options of a {@linkcode Pipeline}.
 *
 * @typeParam I The pipeline's input: the first stage's.
 * @typeParam O The pipeline's output: the last stage's.
 */
export interface PipelineOptions<I = unknown, O = unknown> {
  /** The stages, in order (at least one; unique names; the first may not be a pull stage). */
  stages: StageList<I, O> | readonly Stage<I, O>[];
  /** Receives every status and task event. */
  statusTracker?: StatusTracker;
  /**
   * Keep final results for `run()` and `join()`; `false` makes them resolve to `[]`.
   * @default {true}
   */
  collectResults?: boolean;
  /**
   * How many recent failures `getErrorSummary()` keeps as `failedItems` (with the failing
   * stage's input as `value`), tracker or not; its counts by type and stage are always exact.
   * `0` keeps none.
   * @default {1000}
   */
  failureLimit?: number;
  /**
   * Follows every run, item passage and task attempt (traces, metrics): see
   * `@antflow/antflow/otel`, or write your own {@linkcode PipelineInstrumentation}.
   */
  instrumentation?: PipelineInstrumentation;
  /**
   * Creates each stage's input queue, with the stage's name, capacity, workers and deliveries:
   * once per stage when the pipeline is created, and again after each `shutdown()` (the next
   * start begins with fresh queues). The seam for a queue that lives elsewhere. The in-memory
   * queue (`memoryQueue`) is the default and the fastest; a backend keeps the contract written on
   * {@linkcode QueueBackend} and hands back the very item objects it was given. Return
   * `memoryQueue(options)` for the stages it does not take over, or wrap it to watch a stage's
   * queue.
   *
   * @example Counting what enters each stage's queue
   * ```ts
   * import { memoryQueue, Pipeline, type QueueBackendFactory, Stage } from "@antflow/antflow";
   *
   * const entered = new Map<string, number>();
   * const counting: QueueBackendFactory = (options) => {
   *   const queue = memoryQueue(options);
   *   const put = queue.put.bind(queue);
   *   queue.put = (item, onEnter) => {
   *     entered.set(options.stage, (entered.get(options.stage) ?? 0) + 1);
   *     return put(item, onEnter);
   *   };
   *   return queue;
   * };
   * const pipeline = new Pipeline({
   *   stages: [new Stage({ name: "Double", workers: 2, tasks: [(x: number) => x * 2] })],
   *   queueBackend: counting,
   * });
   * await pipeline.run([1, 2, 3]);
   * console.log(entered); // Map(1) { "Double" => 3 }
   * ```
   */
  queueBackend?: QueueBackendFactory;
}

/** Options of `join()`. */
export interface JoinOptions {
  /** Stops waiting (rejecting with its reason); the items carry on. */
  signal?: AbortSignal;
}

/**
 * Items a pipeline accepts: arrays, any iterable, or any async iterable.
 *
 * @typeParam T The items' type.
 */
export type PipelineInput<T = unknown> = Iterable<T> | AsyncIterable<T>;

/**
 * An async pipeline: items flow through stages; each stage's workers take the next item the
 * moment they are free. See the README for retries, limits, backpressure, priority and pull stages.
 *
 * Its types come from its stages: `I` is the first stage's input, `O` the last stage's output, so
 * `run()` takes `I`s and resolves to `PipelineResult<O>`s.
 *
 * @typeParam I The pipeline's input.
 * @typeParam O The pipeline's output.
 *
 * Every item fed ends in exactly one terminal state (`completed`/`skipped` at the final stage,
 * `failed`, or `cancelled`) and `itemsProcessed + itemsFailed + itemsCancelled` equals the items fed.
 *
 * @example
 * ```ts
 * import { Pipeline, Stage } from "@antflow/antflow";
 * const pipeline = new Pipeline({
 *   stages: [
 *     new Stage({ name: "Fetch", workers: 4, tasks: [async (n: number) => n * 10] }),
 *     new Stage({ name: "Save", workers: 2, tasks: [(n: number) => `saved ${n}`] }),
 *   ],
 * });
 * const results = await pipeline.run([1, 2, 3]);
 * console.log(results.map((r) => r.value)); // ["saved 10", "saved 20", "saved 30"]
 * ```
 */
export class Pipeline<I = unknown, O = unknown> implements PipelineLike {
  /** The stages, in order. */
  readonly stages: readonly Stage[];
  /** The tracker receiving events, if any. */
  readonly statusTracker: StatusTracker | undefined;
  /** Whether `run()` and `join()` keep results. */
  readonly collectResults: boolean;
  #engine: Engine;
  #feedBatch: Batch | undefined;
  #feedOutput: FeedOutput<O> | undefined;
  #joined: PipelineResult<O>[] = [];
  /** Set by `shutdown()` until the next `start()`, `run()` or `stream()`: `feed()` then rejects. */
  #stopped = false;

  static {
    providePipeline((options) => new Pipeline(options));
    provideEngine((pipeline) => pipeline.#engine);
  }

  /**
   * Creates a pipeline.
   *
   * @param options The stages, tracker and result collection.
   * @throws {PipelineError} For no stages, a non-Stage entry, duplicate stage names, a pull first
   * stage, a tracker that is not a `StatusTracker`, or an unknown option.
   */
  constructor(options: Omit<PipelineOptions<I, O>, "stages"> & { stages: StageList<I, O> });
  /**
   * Creates a pipeline from an array of stages held in a variable: a `Pipeline<unknown, unknown>`
   * unless typed explicitly (`new Pipeline<string, number>({ ... })`).
   *
   * @param options The stages, tracker and result collection.
   * @throws {PipelineError} For no stages, a non-Stage entry, duplicate stage names, a pull first
   * stage, a tracker that is not a `StatusTracker`, or an unknown option.
   */
  constructor(options: Omit<PipelineOptions<I, O>, "stages"> & { stages: readonly Stage[] });
  constructor(options: PipelineOptions<I, O>) {
    checkPipelineOptions(options);
    const {
      stages,
      statusTracker,
      collectResults = true,
      failureLimit = 1000,
      instrumentation,
      queueBackend,
    } = options;
    if ((stages as unknown) instanceof Stage) {
      throw new PipelineError(
        `Pipeline: stages must be an array of Stage, got one Stage (${
          JSON.stringify((stages as unknown as Stage).name)
        }): write stages: [stage]`,
      );
    }
    if (!Array.isArray(stages) || stages.length === 0) {
      throw new PipelineError(
        `Pipeline: stages must be a non-empty array of Stage, got ${describeValue(stages)}`,
      );
    }
    stages.forEach((stage, i) => {
      if (!(stage instanceof Stage)) {
        throw new PipelineError(
          `Pipeline: stages[${i}] must be a Stage, got ${describeValue(stage)}`,
        );
      }
    });
    const names = stages.map((s) => s.name);
    const duplicates = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
    if (duplicates.length > 0) {
      throw new PipelineError(
        `Pipeline: stage names must be unique, got ${
          duplicates.map((n) => JSON.stringify(n)).join(", ")
        } more than once`,
      );
    }
    if (stages[0].pull) {
      throw new PipelineError(
        `Pipeline: the first stage cannot be a pull stage (nothing upstream hands it items), got pull: true on stage ${
          JSON.stringify(stages[0].name)
        }`,
      );
    }
    if (statusTracker !== undefined && !(statusTracker instanceof StatusTracker)) {
      throw new PipelineError(
        `Pipeline: statusTracker must be a StatusTracker, got ${describeValue(statusTracker)}`,
      );
    }
    if (typeof collectResults !== "boolean") {
      throw new PipelineError(
        `Pipeline: collectResults must be a boolean, got ${describeValue(collectResults)}`,
      );
    }
    this.stages = [...stages];
    this.statusTracker = statusTracker;
    this.collectResults = collectResults;
    this.#engine = new Engine(
      this.stages,
      statusTracker,
      failureLimit,
      // A backend hands back the objects it was given (its contract), so it holds the engine's.
      queueBackend as QueueBackendFactory<Envelope> | undefined,
      instrumentation,
    );
    instrumentation?.attach?.(this, names);
  }

  /**
   * Starts a fluent builder.
   *
   * @returns A new builder, with no stages: the first `add()` sets the pipeline's input type,
   * each later `add()`'s task takes the previous stage's output.
   *
   * @example
   * ```ts
   * import { Pipeline } from "@antflow/antflow";
   * const results = await Pipeline.create()
   *   .add("Double", (x: number) => x * 2, { workers: 3 })
   *   .add("Label", (x: number) => `#${x}`)
   *   .run([1, 2]);
   * console.log(results.map((r) => r.value)); // ["#2", "#4"]
   * ```
   */
  static create(): PipelineBuilder<never, never> {
    return new PipelineBuilder();
  }

  /**
   * Runs `items` through one stage per task and resolves like `run()`.
   *
   * @param items The input.
   * @param tasks One task, or several (one stage each, in order).
   * @param options `workers` per stage (default 5) and `retries` = total attempts per task (default 3).
   * @returns The successful results in input order.
   *
   * @example
   * ```ts
   * import { Pipeline } from "@antflow/antflow";
   * const results = await Pipeline.quick([1, 2, 3], [(x: number) => x + 1, (x: number) => x * 2]);
   * console.log(results.map((r) => r.value)); // [4, 6, 8]
   * ```
   */
  static quick<I, O>(
    items: PipelineInput<I>,
    tasks: Task<I, O> | TaskList<I, O>,
    options?: QuickOptions<NoInfer<I>>,
  ): Promise<PipelineResult<O>[]>;
  /**
   * Runs `items` through one stage per task of an array held in a variable (its results are
   * `unknown`: write the tasks in place to have them typed).
   *
   * @param items The input.
   * @param tasks The tasks (one stage each, in order).
   * @param options `workers` per stage (default 5) and `retries` = total attempts per task (default 3).
   * @returns The successful results in input order.
   */
  static quick<I>(
    items: PipelineInput<I>,
    tasks: readonly TaskFn[],
    options?: QuickOptions<NoInfer<I>>,
  ): Promise<PipelineResult[]>;
  static quick(
    items: PipelineInput,
    tasks: TaskFn | readonly TaskFn[],
    options: QuickOptions = {},
  ): Promise<PipelineResult[]> {
    return quick(items, tasks, options);
  }

  /**
   * Feeds `items` through every stage and resolves to every item's result in input order:
   * successes (`isSuccess`, `value: O`) and failures (`error` set, `value` the failing stage's
   * input) — what `Promise.allSettled` is to `Promise.all`.
   *
   * @param items An array, iterable or async iterable.
   * @param options `includeFailures: true`, and any other run option.
   * @returns Every item's result, in input order.
   * @throws {unknown} The signal's reason when aborted (every fed item is `cancelled` or done by then).
   * @throws {PipelineError} When `idOf` returns an id still in flight.
   */
  run(
    items: PipelineInput<I>,
    options: RunOptions<I> & { includeFailures: true },
  ): Promise<StreamResult<O>[]>;
  /**
   * Feeds `items` through every stage and resolves to this run's successful results in input
   * order. Failed items are left out (see `getErrorSummary()`), unless `includeFailures` is set:
   * then every item's result comes back in input order, failures with `error` set.
   *
   * @param items An array, iterable or async iterable.
   * @param options Abort signal, ids, priority, progress output or a dashboard.
   * @returns The successful results, in input order.
   * @throws {unknown} The signal's reason when aborted (every fed item is `cancelled` or done by then).
   * @throws {PipelineError} When `idOf` returns an id still in flight.
   */
  run(items: PipelineInput<I>, options?: RunOptions<I>): Promise<PipelineResult<O>[]>;
  async run(
    items: PipelineInput<I>,
    options: RunOptions<I> = {},
  ): Promise<PipelineResult<O>[] | StreamResult<O>[]> {
    checkItems("Pipeline.run", items);
    checkRunOptions(options);
    options.signal?.throwIfAborted();
    const output = new RunOutput<O>(
      this.collectResults,
      Array.isArray(items) ? items.length : undefined,
      options.includeFailures,
    );
    const batch = new Batch(output);
    this.#engine.instrumentRun(batch, "run");
    const dashboard = options.progress ? new ConsoleProgress() : options.dashboard;
    const monitor = dashboard === undefined ? undefined : new RunMonitor(
      this,
      batch,
      dashboard,
      options.progress ? PROGRESS_INTERVAL_MS : options.dashboardIntervalMs ?? 500,
      this.#engine.report,
    );
    await monitor?.begin(knownSize(items));
    const unlink = this.#launch(
      batch,
      items,
      { ...options, targetStage: undefined },
      "Pipeline.run",
    );
    try {
      return await output.promise;
    } finally {
      unlink();
      await monitor?.finish(output.results(), this.getErrorSummary());
    }
  }

  /**
   * Feeds `items` while the returned stream is read, and yields every item's result (failures with
   * `error`) in completion order. Cancelling the stream (or `break` in `for await`) stops the run.
   *
   * @param items An array, iterable or async iterable.
   * @param options Abort signal, ids, priority and the result buffer (`highWaterMark`).
   * @returns A stream of results; it errors with the signal's reason on abort.
   */
  stream(
    items: PipelineInput<I>,
    options: StreamOptions<I> = {},
  ): ReadableStream<StreamResult<O>> {
    checkItems("Pipeline.stream", items);
    checkStreamOptions(options);
    let unlink = (): void => {};
    const output: ResultStreamOutput<O> = new ResultStreamOutput(
      options.highWaterMark ?? 16,
      (reason) => this.#abort(batch, reason),
      () => unlink(),
    );
    if (options.signal?.aborted) {
      // Aborted before it began: a stream that errors with the reason, and nothing fed.
      output.settle(options.signal.reason, true);
      return output.stream;
    }
    const batch = new Batch(output);
    this.#engine.instrumentRun(batch, "stream");
    unlink = this.#launch(batch, items, { ...options, targetStage: undefined }, "Pipeline.stream");
    return output.stream;
  }

  /**
   * Starts the workers (idempotent). `run()` and `stream()` start them by themselves.
   *
   * @returns A promise that resolves at once.
   */
  start(): Promise<void> {
    this.#engine.start();
    this.#stopped = false;
    return Promise.resolve();
  }

  /**
   * Feeds more items, starting the workers if needed (as `run()` does), so `await feed(items);
   * await join()` finishes for any number of items. Resolves when every item was taken from the
   * input and queued; waits while the target queue is full.
   *
   * @param items An array, iterable or async iterable.
   * @param options Target stage, priority, ids, and a signal that stops this feed's intake (also
   *   while it waits for room); the items already fed carry on (`shutdown()` cancels them).
   * @returns A promise that resolves once every item is queued, or rejects with the signal's
   *   reason if it stopped the intake first.
   * @throws {PipelineError} For an unknown `targetStage`, an id still in flight, or a pipeline
   * that was shut down (call `start()` first).
   */
  feed(items: PipelineInput<I>, options?: FeedOptions<I>): Promise<void>;
  /**
   * Feeds items into a later stage (`targetStage`), whose input is not the pipeline's.
   *
   * @param items An array, iterable or async iterable.
   * @param options The target stage, and priority, ids and signal as above.
   * @returns A promise that resolves once every item is queued.
   * @throws {PipelineError} For an unknown `targetStage` or an id still in flight.
   */
  feed(
    items: PipelineInput<unknown>,
    options: FeedOptions<unknown> & { targetStage: string },
  ): Promise<void>;
  async feed(items: PipelineInput, options: FeedOptions = {}): Promise<void> {
    checkItems("Pipeline.feed", items);
    checkFeedOptions(options);
    const stageIndex = stageIndexOf(
      "Pipeline.feed",
      this.stages.map((s) => s.name),
      options.targetStage,
    );
    options.signal?.throwIfAborted();
    if (this.#stopped) {
      throw new PipelineError(
        "Pipeline.feed: the pipeline was shut down; call start() before feeding it again",
      );
    }
    // Like run(), feed() starts the workers: `await feed(items); await join()` never waits on
    // nobody, whatever the queue capacity.
    this.#engine.start();
    let started: void | Promise<void> = undefined;
    if (this.#feedBatch === undefined || this.#feedBatch.settled) {
      const output = new FeedOutput(
        this.collectResults,
        () => this.#joined,
        () => this.#engine.batches.delete(batch),
      );
      const batch = new Batch(output);
      this.#engine.instrumentRun(batch, "feed");
      this.#feedBatch = batch;
      this.#feedOutput = output;
      this.#engine.batches.add(batch);
      started = this.#engine.beginRun(batch);
    }
    const batch = this.#feedBatch;
    batch.feeders++;
    try {
      if (started !== undefined) await started;
      const complete = await feedItems(this.#engine, batch, items, {
        idOf: options.idOf,
        priority: options.priority ?? 100,
        stageIndex,
        owner: "Pipeline.feed",
      }, options.signal);
      // Stopped by its signal: the items already fed carry on (like join's signal).
      if (!complete) options.signal?.throwIfAborted();
    } finally {
      batch.feeders--;
      batch.check();
    }
  }

  /**
   * Waits until every item fed so far reached a terminal state (starting the workers if needed),
   * and returns the successful results of those items in sequence order.
   *
   * @param options `signal` stops waiting (the items carry on; `shutdown()` cancels them).
   * @returns The results of the items fed since the last `join()`.
   * @throws {unknown} The signal's reason, if it aborts first.
   */
  async join(options: JoinOptions = {}): Promise<PipelineResult<O>[]> {
    checkJoinOptions(options);
    const signal = options.signal;
    signal?.throwIfAborted();
    const batch = this.#feedBatch;
    if (batch !== undefined && !batch.settled) {
      this.#engine.start();
      await untilAborted(this.#feedOutput!.done, signal);
    }
    const results = this.#joined.sort((a, b) => a.sequenceId - b.sequenceId);
    this.#joined = [];
    return results;
  }

  /**
   * Stops everything: intake stops, running tasks' `ctx.signal` aborts, every unfinished item gets
   * the terminal status `cancelled`, pending `run()` calls reject, and the workers stop. Nothing is
   * left to keep the process alive. A later `run()`/`start()` starts afresh.
   *
   * @returns A promise that resolves when all of it is done.
   */
  async shutdown(): Promise<void> {
    const reason = new DOMException("The pipeline was shut down", "AbortError");
    // Every batch is cancelled and the workers stop in this same turn (the aborts' callbacks are
    // awaited after), so nothing can slip in between.
    const aborting = [...this.#engine.batches].map((batch) => this.#abort(batch, reason));
    this.#engine.stop();
    this.#stopped = true;
    await Promise.all(aborting);
  }

  /**
   * `await using pipeline = new Pipeline(...)` shuts it down at the end of the scope.
   *
   * @returns A promise that resolves when the pipeline is shut down.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /**
   * The pipeline's counters (plain data).
   *
   * @returns Processed, failed, cancelled, in flight, and per-stage counts.
   */
  getStats(): PipelineStats {
    return statsOf(this.#engine);
  }

  /**
   * Every worker's state, keyed by worker name (plain data).
   *
   * @returns The states.
   */
  getWorkerStates(): Record<string, WorkerState> {
    return workerStatesOf(this.#engine);
  }

  /**
   * Every worker's counters, keyed by worker name (plain data).
   *
   * @returns The metrics.
   */
  getWorkerMetrics(): Record<string, WorkerMetrics> {
    return workerMetricsOf(this.#engine);
  }

  /**
   * Worker names by stage: `{ Fetch: ["Fetch-W0", "Fetch-W1"] }`.
   *
   * @returns The names.
   */
  getWorkerNames(): Record<string, string[]> {
    return workerNamesOf(this.#engine);
  }

  /**
   * Everything a dashboard shows, at one moment (plain data).
   *
   * @returns The snapshot.
   */
  getDashboardSnapshot(): DashboardSnapshot {
    return {
      workerStates: this.getWorkerStates(),
      workerMetrics: this.getWorkerMetrics(),
      pipelineStats: this.getStats(),
      errorSummary: this.getErrorSummary(),
      timestamp: Date.now(),
    };
  }

  /**
   * Failures so far, kept by the pipeline itself (tracker or not): exact counts by error type and
   * by stage, and the newest `failureLimit` failed items with the failing stage's input as
   * `value`.
   *
   * @returns The summary.
   */
  getErrorSummary(): ErrorSummary {
    return this.#engine.failures.summary();
  }

  /** Starts feeding a run/stream batch; returns the function that detaches its signal. */
  #launch(
    batch: Batch,
    items: PipelineInput,
    options: FeedOptions,
    owner: string,
  ): () => void {
    const engine = this.#engine;
    const stageIndex = 0;
    engine.batches.add(batch);
    const signal = options.signal;
    const onAbort = (): void => void this.#abort(batch, signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    engine.start();
    this.#stopped = false;
    batch.feeders = 1;
    const feed = (): Promise<boolean> =>
      feedItems(engine, batch, items, {
        idOf: options.idOf,
        priority: options.priority ?? 100,
        stageIndex,
        owner,
      });
    // An async onRunStart is awaited before the first item is fed.
    const started = engine.beginRun(batch);
    (started === undefined ? feed() : started.then(feed)).then(
      () => {
        batch.feeders = 0;
        batch.check();
      },
      (error) => void this.#abort(batch, error),
    );
    return () => {
      signal?.removeEventListener("abort", onAbort);
      engine.batches.delete(batch);
    };
  }

  /** Aborts one batch: its tasks' signals, then every live item becomes `cancelled`. */
  #abort(batch: Batch, reason: unknown): Promise<void> {
    return this.#engine.abortBatch(batch, reason);
  }
}
