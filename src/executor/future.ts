import { clampTimer, resultOptionsError, timeoutError, toError } from "./options.ts";

/** Options for {@linkcode AsyncFuture.prototype.result}. */
export interface ResultOptions {
  /**
   * Give up waiting after this many milliseconds: the promise rejects with an error named
   * `"TimeoutError"`. The task itself is not cancelled.
   * @default {undefined} (wait as long as it takes)
   */
  timeoutMs?: number;
  /** Aborting it gives up waiting (the task is not cancelled): rejects with the signal's reason. */
  signal?: AbortSignal;
}

const QUEUED = 0;
const RUNNING = 1;
const FULFILLED = 2;
const REJECTED = 3;
type State = typeof QUEUED | typeof RUNNING | typeof FULFILLED | typeof REJECTED;

/**
 * What the executor and the wait helpers may do to a future that its users may not. Filled in by
 * `AsyncFuture`'s static block, so it can reach the private fields.
 *
 * @internal
 */
export interface FutureControl {
  /** A new queued future; `onDequeue` runs when it is cancelled before it started. */
  create<T>(
    sequenceId: number,
    signal: AbortSignal | undefined,
    onDequeue?: () => void,
  ): AsyncFuture<T>;
  /** Marks it running; `false` if it already settled (cancelled while queued). */
  start(future: AsyncFuture<unknown>): boolean;
  /**
   * The running task's signal, created on first use (most tasks never read it): it aborts when the
   * future is cancelled or aborted, and is born aborted if that already happened.
   */
  signal(future: AsyncFuture<unknown>): AbortSignal;
  fulfill<T>(future: AsyncFuture<T>, value: T): void;
  fail(future: AsyncFuture<unknown>, error: unknown): void;
  /** Settles it with `reason` (if pending) and aborts the running task's signal. */
  abort(future: AsyncFuture<unknown>, reason: unknown): void;
  /** The value of a fulfilled future (`undefined` otherwise), without a promise. */
  valueOf<T>(future: AsyncFuture<T>): T | undefined;
  /** Calls `listener` once when it settles (not if it already has); returns an unsubscribe. */
  subscribe(future: AsyncFuture<unknown>, listener: () => void): () => void;
}

/** @internal */
export const futureControl = {} as FutureControl;

/** A future's ties to signals: the submit's signal it listens to, and the task's own signal. */
interface SignalLink {
  /** The submit's `signal`, listened to until the future settles. */
  upstream: AbortSignal | undefined;
  onUpstreamAbort: (() => void) | undefined;
  /** The task's `signal`, created the first time the task (or a wait for a permit) needs it. */
  controller: AbortController | undefined;
  aborted: boolean;
  reason: unknown;
}

const NO_LINK: SignalLink = {
  upstream: undefined,
  onUpstreamAbort: undefined,
  controller: undefined,
  aborted: false,
  reason: undefined,
};

/**
 * The eventual outcome of a task submitted to an `AsyncExecutor`. A future settles exactly once:
 * with the task's value, with the task's error, or with the reason it was cancelled.
 *
 * @example
 * ```ts
 * import { AsyncExecutor } from "@antflow/antflow";
 * await using executor = new AsyncExecutor({ maxWorkers: 2 });
 * const future = executor.submit((a: number, b: number) => a + b, [2, 3]);
 * console.log(await future.result()); // 5
 * console.log(future.done(), future.exception()); // true undefined
 * ```
 */
export class AsyncFuture<T = unknown> {
  /** The submission number within its executor, from 0. */
  readonly sequenceId: number;
  #state: State = QUEUED;
  #outcome: unknown; // the value, or the Error
  #onDequeue: (() => void) | undefined;
  #deferred: PromiseWithResolvers<unknown> | undefined;
  #listeners: (() => void)[] | undefined;
  #link: SignalLink | undefined; // only for futures that meet a signal or an abort

  private constructor(
    sequenceId: number,
    signal: AbortSignal | undefined,
    onDequeue: (() => void) | undefined,
  ) {
    this.sequenceId = sequenceId;
    this.#onDequeue = onDequeue;
    if (signal === undefined) return;
    if (signal.aborted) {
      this.#settle(REJECTED, undefined, signal.reason);
      return;
    }
    const onUpstreamAbort = (): void => this.#abort(signal.reason);
    this.#link = { ...NO_LINK, upstream: signal, onUpstreamAbort };
    signal.addEventListener("abort", onUpstreamAbort, { once: true });
  }

  /**
   * Waits for the task's value.
   *
   * @param options A timeout and an abort signal for this wait only.
   * @returns A promise of the value the task returned.
   * @throws {Error} The task's error (as thrown; a non-Error value wrapped with it as `cause`),
   * the cancellation reason, a `"TimeoutError"` when `timeoutMs` elapses first, or the signal's
   * reason.
   * @throws {TypeError} If an option is unknown or has the wrong type (the promise rejects;
   * `result()` never throws).
   * @throws {RangeError} If `timeoutMs` is a number below 0 or NaN (the promise rejects).
   *
   * @example
   * ```ts
   * import { AsyncExecutor, delay } from "@antflow/antflow";
   * await using executor = new AsyncExecutor();
   * const slow = executor.submit(() => delay(50).then(() => "late"));
   * try {
   *   await slow.result({ timeoutMs: 10 });
   * } catch (error) {
   *   console.log((error as Error).name); // TimeoutError
   * }
   * console.log(await slow.result()); // late: the timeout did not cancel the task
   * ```
   */
  result(options?: ResultOptions): Promise<T> {
    let timeoutMs: number | undefined;
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      const error = resultOptionsError(options);
      if (error !== undefined) return Promise.reject(error);
      timeoutMs = options.timeoutMs;
      signal = options.signal;
    }
    if (this.#state === FULFILLED) return Promise.resolve(this.#outcome as T);
    if (this.#state === REJECTED) return Promise.reject(this.#outcome);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (timeoutMs === undefined && signal === undefined) {
      this.#deferred ??= Promise.withResolvers<unknown>();
      return this.#deferred.promise as Promise<T>;
    }
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        unsubscribe();
      };
      const onAbort = (): void => {
        finish();
        reject(signal!.reason);
      };
      const unsubscribe = this.#subscribe(() => {
        finish();
        if (this.#state === FULFILLED) resolve(this.#outcome as T);
        else reject(this.#outcome);
      });
      const ms = clampTimer(timeoutMs);
      if (ms !== undefined) {
        timer = setTimeout(() => {
          finish();
          reject(timeoutError(`AsyncFuture: the result was not ready within ${timeoutMs} ms`));
        }, ms);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Whether the future has settled (with a value, an error, or a cancellation).
   *
   * @returns `true` once settled.
   */
  done(): boolean {
    return this.#state >= FULFILLED;
  }

  /**
   * The error the future failed with, synchronously.
   *
   * @returns The error, or `undefined` while pending or after success.
   */
  exception(): Error | undefined {
    return this.#state === REJECTED ? this.#outcome as Error : undefined;
  }

  /**
   * Cancels the task. A queued task never starts; a running one has its `signal` aborted. Either
   * way the future settles at once with an `AbortError` (a `DOMException`), and whatever a running
   * task returns afterwards is dropped.
   *
   * @returns `true` if the future was still pending (the cancel took effect), `false` if it had
   * already settled.
   *
   * @example
   * ```ts
   * import { AsyncExecutor } from "@antflow/antflow";
   * await using executor = new AsyncExecutor({ maxWorkers: 1 });
   * const future = executor.submit(({ signal }) =>
   *   new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)))
   * );
   * console.log(future.cancel()); // true
   * console.log(future.exception()?.name); // AbortError
   * console.log(future.cancel()); // false: already settled
   * ```
   */
  cancel(): boolean {
    if (this.#state >= FULFILLED) return false;
    this.#abort(new DOMException("AsyncFuture: the task was cancelled", "AbortError"));
    return true;
  }

  #abort(reason: unknown): void {
    const onDequeue = this.#state === QUEUED ? this.#onDequeue : undefined;
    if (!this.#settle(REJECTED, undefined, reason)) return;
    onDequeue?.();
    const link = this.#link ??= { ...NO_LINK };
    link.aborted = true;
    link.reason = reason;
    link.controller?.abort(reason);
  }

  #settle(state: State, value: unknown, error: unknown): boolean {
    if (this.#state >= FULFILLED) return false;
    this.#state = state;
    this.#outcome = state === FULFILLED ? value : toError(error);
    const link = this.#link;
    if (link?.upstream !== undefined) {
      link.upstream.removeEventListener("abort", link.onUpstreamAbort!);
      link.upstream = link.onUpstreamAbort = undefined;
    }
    this.#onDequeue = undefined;
    const deferred = this.#deferred;
    if (deferred !== undefined) {
      if (state === FULFILLED) deferred.resolve(value);
      else deferred.reject(this.#outcome);
    }
    const listeners = this.#listeners;
    if (listeners !== undefined) {
      this.#listeners = undefined;
      for (const listener of listeners) listener();
    }
    return true;
  }

  #subscribe(listener: () => void): () => void {
    const listeners = this.#listeners ??= [];
    listeners.push(listener);
    return () => {
      if (this.#listeners !== listeners) return;
      const index = listeners.indexOf(listener);
      if (index !== -1) listeners.splice(index, 1);
    };
  }

  static {
    Object.assign(
      futureControl,
      {
        create: <V>(id: number, signal?: AbortSignal, onDequeue?: () => void) =>
          new AsyncFuture<V>(id, signal, onDequeue),
        start: (future: AsyncFuture<unknown>) => {
          if (future.#state !== QUEUED) return false;
          future.#state = RUNNING;
          future.#onDequeue = undefined;
          return true;
        },
        signal: (future: AsyncFuture<unknown>) => {
          const link = future.#link ??= { ...NO_LINK };
          if (link.controller === undefined) {
            link.controller = new AbortController();
            if (link.aborted) link.controller.abort(link.reason);
          }
          return link.controller.signal;
        },
        fulfill: <V>(future: AsyncFuture<V>, value: V) =>
          future.#settle(FULFILLED, value, undefined),
        fail: (future: AsyncFuture<unknown>, error: unknown) =>
          future.#settle(REJECTED, undefined, error),
        abort: (future: AsyncFuture<unknown>, reason: unknown) => future.#abort(reason),
        valueOf: <V>(future: AsyncFuture<V>) =>
          (future.#state === FULFILLED ? future.#outcome : undefined) as V | undefined,
        subscribe: (future: AsyncFuture<unknown>, listener: () => void) =>
          future.#subscribe(listener),
      } satisfies FutureControl,
    );
  }
}
