import { describeValue, typeOrRangeError, unknownOptionError } from "../utils/validate.ts";
import { WaiterLine } from "../utils/waiters.ts";

/** Options for {@linkcode RateLimiter.prototype.run}. */
export interface RateLimitOptions {
  /** Aborting it gives up waiting: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The keys of {@linkcode RateLimitOptions}. */
const KEYS = ["signal"];

/**
 * A strict sliding-window rate limiter: at most `limit` calls start in any window of `periodMs`
 * milliseconds (what an API's "60 requests per minute" means). There is no initial burst beyond
 * `limit`, and waiters start first come, first served.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@antflow/antflow";
 * const limiter = new RateLimiter(2, 100);
 * const started: number[] = [];
 * await Promise.all([1, 2, 3].map((n) => limiter.run(() => started.push(n))));
 * console.log(started); // [1, 2, 3]: the third started 100 ms after the first
 * ```
 */
export class RateLimiter {
  #limit: number;
  #periodMs: number;
  #starts: Float64Array;
  #next = 0;
  #count = 0;
  /** Callers in line; each is granted the function that starts its call. */
  #waiters = new WaiterLine<void>(() => {
    if (this.#waiters.length === 0) this.#clearTimer();
  });
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Creates a limiter.
   *
   * @param limit How many calls may start in any window (an integer >= 1).
   * @param periodMs The window, in milliseconds (> 0).
   * @throws {RangeError} If either argument is out of range.
   */
  constructor(limit: number, periodMs: number) {
    const limitMessage = `RateLimiter: limit must be an integer >= 1, got ${describeValue(limit)}`;
    if (typeof limit !== "number") throw new TypeError(limitMessage);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(limitMessage);
    const periodMessage = `RateLimiter: periodMs must be a finite number > 0, got ${
      describeValue(periodMs)
    }`;
    if (typeof periodMs !== "number") throw new TypeError(periodMessage);
    if (!(periodMs > 0) || periodMs === Infinity) throw new RangeError(periodMessage);
    this.#limit = limit;
    this.#periodMs = periodMs;
    this.#starts = new Float64Array(limit);
  }

  /** Calls waiting for their turn. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Whether `amount` calls could start now without waiting. Does not take anything.
   *
   * @param amount How many calls.
   * @returns `true` when they would start at once.
   */
  hasCapacity(amount = 1): boolean {
    if (this.#waiters.length > 0) return false;
    return this.#startsInWindow(performance.now()) + amount <= this.#limit;
  }

  /**
   * Starts a call now if the window allows it, without waiting.
   *
   * @returns `true` if a start was recorded.
   */
  tryAcquire(): boolean {
    if (this.#waiters.length > 0) return false;
    const now = performance.now();
    if (!this.#canStart(now)) return false;
    this.#record(now);
    return true;
  }

  /**
   * Waits until a call may start, then records the start.
   *
   * @param options The abort signal.
   * @returns A promise that resolves when the call may start.
   * @throws {TypeError} For an unknown option (the promise rejects).
   */
  acquire(options: RateLimitOptions = {}): Promise<void> {
    const unknown = unknownOptionError("RateLimiter.acquire", options, KEYS, typeOrRangeError);
    if (unknown !== undefined) return Promise.reject(unknown);
    return this.run(noop, options);
  }

  /**
   * Runs `fn` as soon as the window allows; `fn` is invoked in the same turn as its start is
   * recorded, so no other start can slip in between.
   *
   * @param fn The call to make.
   * @param options The abort signal (for the wait only).
   * @returns A promise of `fn`'s result.
   * @throws {unknown} The signal's reason, if it aborts before the call starts.
   * @throws {TypeError} For an unknown option (the promise rejects).
   */
  run<T>(fn: () => T | PromiseLike<T>, options: RateLimitOptions = {}): Promise<T> {
    const unknown = unknownOptionError("RateLimiter.run", options, KEYS, typeOrRangeError);
    if (unknown !== undefined) return Promise.reject(unknown);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryAcquire()) return this.#start(fn);
    return new Promise<T>((resolve, reject) => {
      this.#waiters.join(() => this.#start(fn).then(resolve, reject), reject, signal);
      if (this.#timer === undefined) this.#schedule(performance.now());
    });
  }

  /**
   * Calls `fn` for the start just recorded, then moves that start to the time `fn` returned: a
   * pause between recording and calling (a GC, a first compile) must not let the next call start
   * less than a period after what `fn` itself saw as its start.
   */
  #start<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    const slot = (this.#next - 1 + this.#limit) % this.#limit;
    const result = invoke(fn);
    this.#starts[slot] = performance.now();
    return result;
  }

  #startsInWindow(now: number): number {
    // Starts are kept oldest first from index (#next - #count); count those inside the window.
    let inWindow = 0;
    for (let i = 0; i < this.#count; i++) {
      const index = (this.#next - 1 - i + this.#limit) % this.#limit;
      if (now - this.#starts[index] < this.#periodMs) inWindow++;
      else break;
    }
    return inWindow;
  }

  #canStart(now: number): boolean {
    if (this.#count < this.#limit) return true;
    // The oldest of the last `limit` starts must have left the window.
    return now - this.#starts[this.#next] >= this.#periodMs;
  }

  #record(now: number): void {
    this.#starts[this.#next] = now;
    this.#next = (this.#next + 1) % this.#limit;
    if (this.#count < this.#limit) this.#count++;
  }

  #schedule(now: number): void {
    const oldest = this.#starts[this.#next];
    const wait = Math.max(1, Math.ceil(oldest + this.#periodMs - now));
    this.#timer = setTimeout(this.#onTimer, wait);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #onTimer = (): void => {
    this.#timer = undefined;
    while (this.#waiters.peek() !== undefined) {
      const now = performance.now();
      if (!this.#canStart(now)) {
        this.#schedule(now);
        return;
      }
      this.#record(now);
      this.#waiters.shift()!.grant();
    }
  };
}

function noop(): void {}

function invoke<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}
