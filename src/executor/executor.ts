import { ExecutorShutdownError } from "../errors.ts";
import { Deque } from "../utils/deque.ts";
import { describeValue, typeOrRangeError, validateOptions } from "../utils/validate.ts";
import { type Job, runAttempt } from "./attempts.ts";
import { checkItems, resultsInOrder, resultsOneByOne, submitEach } from "./in_order.ts";
import { type AsyncFuture, futureControl } from "./future.ts";
import {
  checkFunction,
  checkSubmitOptions,
  executorAliases,
  executorRules,
  shutdownRules,
} from "./options.ts";
import type {
  AsyncExecutorOptions,
  ExecutorTask,
  ExecutorTaskContext,
  ShutdownOptions,
  SubmitOptions,
} from "./types.ts";
import {
  asCompleted,
  type AsCompletedOptions,
  wait,
  type WaitOptions,
  type WaitResult,
} from "./wait.ts";

const NO_OPTIONS: SubmitOptions = {};

/**
 * A pool of `maxWorkers` async workers with a `concurrent.futures`-style API: `submit()` returns an
 * {@linkcode AsyncFuture}, `map()`/`mapIter()` keep input order, `asCompleted()`/`wait()` watch
 * futures. Workers start lazily on the first submit; each takes the next task as soon as it is free.
 * Use it with `await using` (which shuts down and waits) or call `shutdown()` yourself.
 *
 * @example
 * ```ts
 * import { AsyncExecutor } from "@antflow/antflow";
 * await using executor = new AsyncExecutor({ maxWorkers: 3 });
 * const doubled = await executor.map(async (n: number) => n * 2, [1, 2, 3]);
 * console.log(doubled); // [2, 4, 6]
 * ```
 */
export class AsyncExecutor {
  #maxWorkers: number;
  #queue = new Deque<Job>();
  #queued = 0;
  #running = 0;
  #workers = 0;
  #idle: (() => void)[] = [];
  #active: (AsyncFuture<unknown> | undefined)[] = [];
  #nextId = 0;
  #shutdown = false;
  #drained: PromiseWithResolvers<void> | undefined;
  #onDequeue = (): void => {
    this.#queued--;
  };

  /**
   * Creates an executor. No worker starts until work is submitted.
   *
   * @param options The number of workers.
   * @throws {RangeError} If `maxWorkers` is a number but not an integer >= 1.
   * @throws {TypeError} If an option is unknown or has the wrong type.
   */
  constructor(options: AsyncExecutorOptions = {}) {
    validateOptions("AsyncExecutor", options, executorRules, typeOrRangeError, executorAliases);
    this.#maxWorkers = options.maxWorkers ?? 5;
  }

  /** How many tasks may run at once. */
  get maxWorkers(): number {
    return this.#maxWorkers;
  }

  /** Tasks accepted but not started yet. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Tasks a worker is busy with: attempts, waits for a `limit` permit, backoff waits, and cancelled
   * tasks whose function has not returned yet.
   */
  get running(): number {
    return this.#running;
  }

  /** Whether `shutdown()` has been called. */
  get isShutdown(): boolean {
    return this.#shutdown;
  }

  /**
   * Schedules `fn(...args, { signal, attempt })` and returns its future at once. `fn` never runs
   * inside this call.
   *
   * @param fn The task; sync or async.
   * @param args The arguments before the context.
   * @param options Retries, backoff, a shared concurrency limit and an abort signal.
   * @returns The task's future.
   * @throws {ExecutorShutdownError} If the executor has been shut down.
   * @throws {TypeError} If `fn` is not a function, or an option is unknown or of the wrong type.
   * @throws {RangeError} If a numeric option is out of range.
   *
   * @example
   * ```ts
   * import { AsyncExecutor } from "@antflow/antflow";
   * await using executor = new AsyncExecutor();
   * let calls = 0;
   * const future = executor.submit(
   *   (name: string, { attempt }) => {
   *     calls++;
   *     if (attempt < 3) throw new Error("flaky");
   *     return `hello ${name}`;
   *   },
   *   ["ant"],
   *   { retries: 2, retryDelayMs: 10 },
   * );
   * console.log(await future.result(), calls); // hello ant 3
   * ```
   */
  submit<A extends readonly unknown[] = [], R = unknown>(
    fn: ExecutorTask<A, R>,
    args?: readonly [...A],
    options?: SubmitOptions,
  ): AsyncFuture<Awaited<R>> {
    this.#checkOpen("submit");
    checkFunction("AsyncExecutor.submit", fn);
    if (args !== undefined && !Array.isArray(args)) {
      throw new TypeError(
        `AsyncExecutor.submit: args must be an array, got ${describeValue(args)}`,
      );
    }
    if (options !== undefined) checkSubmitOptions("AsyncExecutor.submit", options);
    return this.#enqueue(fn as Job["fn"], args ?? [], options ?? NO_OPTIONS) as AsyncFuture<
      Awaited<R>
    >;
  }

  /**
   * Runs `fn(item, { signal, attempt })` for every item and resolves to the results in input
   * order. Every item is submitted at once; if one fails, the promise rejects with the error of
   * the earliest failed item in input order, once that item has settled, and the others still run.
   *
   * @param fn The task for one item.
   * @param items The inputs (an async iterable is read to the end first, submitting as it goes).
   * @param options Retries, backoff, limit and signal for every item.
   * @returns A promise of the results, in input order.
   * @throws {ExecutorShutdownError} If the executor has been shut down (the promise rejects).
   * @throws {TypeError} If `fn`, `items` or an option is bad (the promise rejects).
   * @throws {RangeError} If a numeric option is out of range (the promise rejects).
   * @throws {Error} The error of the earliest failed item in input order.
   *
   * @example
   * ```ts
   * import { AsyncExecutor, delay } from "@antflow/antflow";
   * await using executor = new AsyncExecutor({ maxWorkers: 2 });
   * const out = await executor.map(async (ms: number) => {
   *   await delay(ms);
   *   return ms;
   * }, [30, 10, 20]);
   * console.log(out); // [30, 10, 20]
   * ```
   */
  async map<T, R>(
    fn: (item: T, context: ExecutorTaskContext) => R | PromiseLike<R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: SubmitOptions,
  ): Promise<Awaited<R>[]> {
    return resultsInOrder(await this.#submitAll("map", fn, items, options));
  }

  /**
   * Like {@linkcode AsyncExecutor.prototype.map}, but yields each result in input order as soon
   * as it and all before it are ready. Items are submitted on the first iteration. Breaking out
   * early is fine: the remaining tasks still run.
   *
   * @param fn The task for one item.
   * @param items The inputs.
   * @param options Retries, backoff, limit and signal for every item.
   * @returns An async iterable of the results, in input order.
   * @throws {ExecutorShutdownError} If the executor has been shut down.
   * @throws {TypeError} If `fn` is not a function, `items` is not iterable, or an option has the
   * wrong type (thrown by the call itself, not by the iteration).
   *
   * @example
   * ```ts
   * import { AsyncExecutor } from "@antflow/antflow";
   * await using executor = new AsyncExecutor();
   * for await (const square of executor.mapIter((n: number) => n * n, [1, 2, 3])) {
   *   console.log(square); // 1, then 4, then 9
   * }
   * ```
   */
  mapIter<T, R>(
    fn: (item: T, context: ExecutorTaskContext) => R | PromiseLike<R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: SubmitOptions,
  ): AsyncGenerator<Awaited<R>, void, undefined> {
    this.#checkOpen("mapIter");
    this.#checkBulk("mapIter", fn, items, options);
    return this.#iterate(fn, items, options);
  }

  async *#iterate<T, R>(
    fn: (item: T, context: ExecutorTaskContext) => R | PromiseLike<R>,
    items: Iterable<T> | AsyncIterable<T>,
    options: SubmitOptions | undefined,
  ): AsyncGenerator<Awaited<R>, void, undefined> {
    yield* resultsOneByOne(await this.#submitAll("mapIter", fn, items, options));
  }

  /**
   * Yields `futures` in completion order, with one cumulative deadline. See {@linkcode asCompleted}.
   *
   * @param futures The futures to watch.
   * @param options `timeoutMs` (one deadline for the whole iteration) and `signal`.
   * @returns An async iterable of the futures, fastest first.
   * @throws {DOMException} A `"TimeoutError"` from the iteration when the deadline passes.
   * @throws {TypeError} If `futures` or an option is bad (thrown by the call, like `mapIter()`).
   *
   * @example
   * ```ts
   * import { AsyncExecutor } from "@antflow/antflow";
   * await using executor = new AsyncExecutor();
   * const futures = [1, 2].map((n) => executor.submit(() => n));
   * for await (const future of executor.asCompleted(futures)) console.log(await future.result());
   * ```
   */
  asCompleted<F extends AsyncFuture<unknown>>(
    futures: Iterable<F>,
    options?: AsCompletedOptions,
  ): AsyncGenerator<F, void, undefined> {
    return asCompleted(futures, options);
  }

  /**
   * Waits for `futures` by a {@linkcode WaitStrategy}. See {@linkcode wait}.
   *
   * @param futures The futures to watch.
   * @param options `returnWhen`, `timeoutMs` and `signal`.
   * @returns A promise of `{ done, pending }`.
   * @throws {DOMException} A `"TimeoutError"` on timeout with `"ALL_COMPLETED"`.
   * @throws {TypeError} If `futures` or an option is bad (the promise rejects; never thrown).
   * @throws {RangeError} If `timeoutMs` is a number below 0 or NaN (the promise rejects).
   *
   * @example
   * ```ts
   * import { AsyncExecutor } from "@antflow/antflow";
   * await using executor = new AsyncExecutor();
   * const { done, pending } = await executor.wait([executor.submit(() => 1)]);
   * console.log(done.size, pending.size); // 1 0
   * ```
   */
  wait<F extends AsyncFuture<unknown>>(
    futures: Iterable<F>,
    options?: WaitOptions,
  ): Promise<WaitResult<F>> {
    return wait(futures, options);
  }

  /**
   * Stops accepting work. Calling it again is safe (a later `cancelFutures: true` still cancels).
   *
   * @param options Whether to wait and whether to cancel queued and running tasks.
   * @returns A promise that resolves at once with `wait: false`, otherwise once every accepted
   * task has settled and every worker has stopped (a task that ignores its aborted signal and never
   * returns keeps it pending).
   * @throws {TypeError} If an option is unknown or has the wrong type: the promise rejects (the
   * call never throws) and the executor is not shut down.
   *
   * @example
   * ```ts
   * import { AsyncExecutor, ExecutorShutdownError } from "@antflow/antflow";
   * const executor = new AsyncExecutor({ maxWorkers: 1 });
   * const futures = [1, 2, 3].map((n) => executor.submit(() => n));
   * await executor.shutdown({ cancelFutures: true });
   * console.log(futures.every((f) => f.done())); // true
   * console.log(futures[2].exception() instanceof ExecutorShutdownError); // true
   * ```
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    try {
      validateOptions("AsyncExecutor.shutdown", options, shutdownRules, typeOrRangeError);
    } catch (error) {
      return Promise.reject(error); // and the executor stays open
    }
    const { wait = true, cancelFutures = false, signal } = options;
    this.#shutdown = true;
    if (cancelFutures) this.#cancelAll();
    for (const wake of this.#idle.splice(0)) wake();
    const drained = this.#drained ??= Promise.withResolvers<void>();
    if (this.#workers === 0) drained.resolve();
    if (!wait) return Promise.resolve();
    if (signal === undefined) return drained.promise;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      drained.promise.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /**
   * `shutdown()` with the defaults (wait, do not cancel), for `await using`.
   *
   * @returns A promise that resolves once every accepted task has settled.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #checkOpen(method: string): void {
    if (this.#shutdown) {
      throw new ExecutorShutdownError(
        `AsyncExecutor: cannot ${method}() after shutdown(); create a new executor`,
      );
    }
  }

  #checkBulk(method: string, fn: unknown, items: unknown, options: unknown): void {
    checkFunction(`AsyncExecutor.${method}`, fn);
    checkItems(`AsyncExecutor.${method}`, items);
    if (options !== undefined) {
      checkSubmitOptions(`AsyncExecutor.${method}`, options as SubmitOptions);
    }
  }

  #submitAll<T, R>(
    method: string,
    fn: (item: T, context: ExecutorTaskContext) => R | PromiseLike<R>,
    items: Iterable<T> | AsyncIterable<T>,
    options: SubmitOptions | undefined,
  ): Promise<AsyncFuture<Awaited<R>>[]> {
    this.#checkOpen(method);
    this.#checkBulk(method, fn, items, options);
    const task = fn as Job["fn"];
    const opts = options ?? NO_OPTIONS;
    return submitEach(items, (item) => {
      this.#checkOpen(method); // an async input may still be read after a shutdown
      return this.#enqueue(task, [item], opts) as AsyncFuture<Awaited<R>>;
    });
  }

  #enqueue(fn: Job["fn"], args: readonly unknown[], options: SubmitOptions): AsyncFuture<unknown> {
    const future = futureControl.create<unknown>(this.#nextId++, options.signal, this.#onDequeue);
    if (future.done()) return future; // its signal was already aborted
    this.#queue.push({
      future,
      fn,
      args,
      retries: options.retries ?? 0,
      retryDelayMs: options.retryDelayMs ?? 100,
      limit: options.limit,
    });
    this.#queued++;
    const wake = this.#idle.pop();
    if (wake !== undefined) wake();
    else if (this.#workers < this.#maxWorkers) {
      const id = this.#workers++;
      queueMicrotask(() => void this.#work(id));
    }
    return future;
  }

  #cancelAll(): void {
    const queuedReason = new ExecutorShutdownError(
      "AsyncExecutor: shutdown({ cancelFutures: true }) cancelled this task before it started",
    );
    for (const job of this.#queue.clear()) futureControl.abort(job.future, queuedReason);
    const runningReason = new ExecutorShutdownError(
      "AsyncExecutor: shutdown({ cancelFutures: true }) cancelled this running task",
    );
    for (const future of this.#active) {
      if (future !== undefined) futureControl.abort(future, runningReason);
    }
  }

  async #work(id: number): Promise<void> {
    try {
      for (;;) {
        const job = this.#queue.shift();
        if (job === undefined) {
          if (this.#shutdown) return;
          await new Promise<void>((resolve) => this.#idle.push(resolve));
          continue;
        }
        if (!futureControl.start(job.future)) continue; // cancelled while queued
        this.#queued--;
        this.#running++;
        this.#active[id] = job.future;
        try {
          const pending = runAttempt(job, 1, undefined);
          if (pending !== undefined) await pending;
        } finally {
          this.#active[id] = undefined;
          this.#running--;
        }
      }
    } finally {
      if (--this.#workers === 0 && this.#shutdown) this.#drained?.resolve();
    }
  }
}
