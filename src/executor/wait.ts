import { Deque } from "../utils/deque.ts";
import { describeValue, typeOrRangeError, validateOptions } from "../utils/validate.ts";
import { AsyncFuture, futureControl } from "./future.ts";
import { asCompletedRules, clampTimer, timeoutError, waitRules } from "./options.ts";

/**
 * When {@linkcode wait} resolves: once every future has settled, once any has, or once any has
 * failed (or all have settled without a failure).
 *
 * @example
 * ```ts
 * import { AsyncExecutor, wait, WaitStrategy } from "@antflow/antflow";
 * await using executor = new AsyncExecutor();
 * const futures = [executor.submit(() => 1), executor.submit(() => 2)];
 * const { done } = await wait(futures, { returnWhen: WaitStrategy.FIRST_COMPLETED });
 * console.log(done.size >= 1); // true
 * ```
 */
export const WaitStrategy: {
  readonly ALL_COMPLETED: "ALL_COMPLETED";
  readonly FIRST_COMPLETED: "FIRST_COMPLETED";
  readonly FIRST_EXCEPTION: "FIRST_EXCEPTION";
} = Object.freeze({
  ALL_COMPLETED: "ALL_COMPLETED",
  FIRST_COMPLETED: "FIRST_COMPLETED",
  FIRST_EXCEPTION: "FIRST_EXCEPTION",
});

/** One of the {@linkcode WaitStrategy} values. */
export type WaitStrategy = typeof WaitStrategy[keyof typeof WaitStrategy];

/** Options for {@linkcode wait}. */
export interface WaitOptions {
  /**
   * How long to wait, in milliseconds. With `"ALL_COMPLETED"` the promise then rejects with a
   * `"TimeoutError"`; the other strategies resolve with what is done so far.
   * @default {undefined} (no limit)
   */
  timeoutMs?: number;
  /**
   * When to resolve.
   * @default {"ALL_COMPLETED"}
   */
  returnWhen?: WaitStrategy;
  /** Aborting it gives up waiting (no task is cancelled): rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What {@linkcode wait} resolves to: the futures settled by then and the rest. */
export interface WaitResult<F extends AsyncFuture<unknown> = AsyncFuture<unknown>> {
  /** Futures that had settled. */
  done: Set<F>;
  /** Futures still pending. */
  pending: Set<F>;
}

/** Options for {@linkcode asCompleted}. */
export interface AsCompletedOptions {
  /**
   * One deadline for the whole iteration, in milliseconds from the call: when the next future
   * has not settled by then, the iteration rejects with a `"TimeoutError"`.
   * @default {undefined} (no deadline)
   */
  timeoutMs?: number;
  /** Aborting it ends the iteration with the signal's reason (no task is cancelled). */
  signal?: AbortSignal;
}

/**
 * Waits for futures, like Python's `concurrent.futures.wait`. Duplicates count once.
 *
 * @param futures The futures to watch.
 * @param options When to return, a timeout and an abort signal.
 * @returns A promise of the settled (`done`) and still pending futures.
 * @throws {DOMException} A `"TimeoutError"` when `timeoutMs` elapses with `"ALL_COMPLETED"`.
 * @throws {TypeError} If `futures` is not an iterable of futures, an option is unknown or has the
 * wrong type, or `returnWhen` is not a strategy. Like every failure of `wait()`, the promise
 * rejects: it never throws.
 * @throws {RangeError} If `timeoutMs` is a number below 0 or NaN (the promise rejects).
 *
 * @example
 * ```ts
 * import { AsyncExecutor, delay, wait } from "@antflow/antflow";
 * await using executor = new AsyncExecutor();
 * const fast = executor.submit(() => "fast");
 * const slow = executor.submit(() => delay(200));
 * const { done, pending } = await wait([fast, slow], {
 *   returnWhen: "FIRST_COMPLETED",
 *   timeoutMs: 100,
 * });
 * console.log(done.has(fast), pending.has(slow)); // true true
 * ```
 */
export function wait<F extends AsyncFuture<unknown>>(
  futures: Iterable<F>,
  options: WaitOptions = {},
): Promise<WaitResult<F>> {
  let unique: Set<F>;
  try {
    unique = collectFutures("wait", futures);
    validateOptions("wait", options, waitRules, typeOrRangeError);
  } catch (error) {
    return Promise.reject(error); // bad arguments reject like every other failure of wait()
  }
  const { timeoutMs, returnWhen = "ALL_COMPLETED", signal } = options;
  const done = new Set<F>();
  const pending = new Set<F>();
  let failed = false;
  for (const future of unique) {
    if (!future.done()) pending.add(future);
    else {
      done.add(future);
      if (future.exception() !== undefined) failed = true;
    }
  }
  const satisfied = (): boolean =>
    pending.size === 0 ||
    (returnWhen === "FIRST_COMPLETED" && done.size > 0) ||
    (returnWhen === "FIRST_EXCEPTION" && failed);
  if (satisfied()) return Promise.resolve({ done, pending });
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise<WaitResult<F>>((resolve, reject) => {
    const unsubscribes: (() => void)[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (): void => {
      for (const unsubscribe of unsubscribes) unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = (): void => {
      finish();
      reject(signal!.reason);
    };
    for (const future of pending) {
      unsubscribes.push(futureControl.subscribe(future, () => {
        pending.delete(future);
        done.add(future);
        if (future.exception() !== undefined) failed = true;
        if (satisfied()) {
          finish();
          resolve({ done, pending });
        }
      }));
    }
    const ms = clampTimer(timeoutMs);
    if (ms !== undefined) {
      timer = setTimeout(() => {
        finish();
        if (returnWhen !== "ALL_COMPLETED") resolve({ done, pending });
        else {
          reject(timeoutError(`wait: ${pending.size} futures still pending after ${timeoutMs} ms`));
        }
      }, ms);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Yields futures as they settle (fastest first), like Python's `concurrent.futures.as_completed`.
 * Futures settled before the call come first, in input order. Duplicates are yielded once.
 * Breaking out early is fine: the futures keep running and nothing is left registered.
 *
 * @param futures The futures to watch.
 * @param options One cumulative deadline and an abort signal.
 * @returns An async iterable of the same futures, in completion order.
 * @throws {DOMException} A `"TimeoutError"` (from the iteration) when the deadline passes while a
 * future is still pending.
 * @throws {TypeError} If `futures` is not an iterable of futures, or an option is unknown or has
 * the wrong type: thrown by the call itself, like `mapIter()` (the deadline starts at the call
 * too), not by the iteration.
 * @throws {RangeError} If `timeoutMs` is a number below 0 or NaN (thrown by the call).
 *
 * @example
 * ```ts
 * import { asCompleted, AsyncExecutor, delay } from "@antflow/antflow";
 * await using executor = new AsyncExecutor();
 * const futures = [30, 10, 20].map((ms) => executor.submit(() => delay(ms).then(() => ms)));
 * for await (const future of asCompleted(futures, { timeoutMs: 1000 })) {
 *   console.log(await future.result()); // 10, then 20, then 30
 * }
 * ```
 */
export function asCompleted<F extends AsyncFuture<unknown>>(
  futures: Iterable<F>,
  options: AsCompletedOptions = {},
): AsyncGenerator<F, void, undefined> {
  const unique = collectFutures<F>("asCompleted", futures);
  validateOptions("asCompleted", options, asCompletedRules, typeOrRangeError);
  const { timeoutMs, signal } = options;
  const deadline = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
  return iterateAsCompleted(unique, timeoutMs, deadline, signal);
}

async function* iterateAsCompleted<F extends AsyncFuture<unknown>>(
  futures: Set<F>,
  timeoutMs: number | undefined,
  deadline: number | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<F, void, undefined> {
  const ready = new Deque<F>();
  const unsubscribes: (() => void)[] = [];
  let wake: (() => void) | undefined;
  for (const future of futures) {
    if (future.done()) ready.push(future);
    else {
      unsubscribes.push(futureControl.subscribe(future, () => {
        ready.push(future);
        wake?.();
      }));
    }
  }
  try {
    for (let remaining = futures.size; remaining > 0; remaining--) {
      if (ready.length === 0) {
        await new Promise<void>((resolve, reject) => {
          signal?.throwIfAborted();
          const left = deadline === undefined ? undefined : deadline - performance.now();
          if (left !== undefined && left <= 0) {
            throw timeoutError(
              `asCompleted: ${remaining} futures still pending after ${timeoutMs} ms`,
            );
          }
          let timer: ReturnType<typeof setTimeout> | undefined;
          const settle = (error?: unknown): void => {
            wake = undefined;
            if (timer !== undefined) clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
            if (error === undefined) resolve();
            else reject(error);
          };
          const onAbort = (): void => settle(signal!.reason);
          wake = () => settle();
          const ms = clampTimer(left);
          if (ms !== undefined) {
            timer = setTimeout(() =>
              settle(
                timeoutError(
                  `asCompleted: ${remaining} futures still pending after ${timeoutMs} ms`,
                ),
              ), ms);
          }
          signal?.addEventListener("abort", onAbort, { once: true });
        });
      }
      yield ready.shift()!;
    }
  } finally {
    for (const unsubscribe of unsubscribes) unsubscribe();
  }
}

/**
 * The distinct futures of `futures`. Throws a TypeError naming the owner and the value unless it
 * is an iterable (not a string) of `AsyncFuture`s.
 */
function collectFutures<F extends AsyncFuture<unknown>>(owner: string, futures: unknown): Set<F> {
  const iterable = futures !== null && futures !== undefined &&
    typeof (futures as Iterable<unknown>)[Symbol.iterator] === "function";
  if (!iterable || typeof futures === "string") {
    throw new TypeError(
      `${owner}: futures must be an iterable of AsyncFuture, got ${describeValue(futures)}`,
    );
  }
  const unique = new Set<F>();
  let index = 0;
  for (const future of futures as Iterable<unknown>) {
    if (!(future instanceof AsyncFuture)) {
      throw new TypeError(
        `${owner}: futures[${index}] must be an AsyncFuture, got ${describeValue(future)}`,
      );
    }
    unique.add(future as F);
    index++;
  }
  return unique;
}
