import { describeValue, typeOrRangeError, unknownOptionError } from "../utils/validate.ts";
import { WaiterLine } from "../utils/waiters.ts";

/** Gives a permit back. Calling it more than once has no further effect. */
export type Release = () => void;

/** Options for {@linkcode Semaphore.prototype.acquire} and {@linkcode Semaphore.prototype.run}. */
export interface AcquireOptions {
  /** Aborting it gives up waiting: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The keys of {@linkcode AcquireOptions}. */
const KEYS = ["signal"];

/**
 * A counting semaphore with first-come, first-served waiters. Share one instance to put a common
 * limit on executor submits, pipeline stages and your own code.
 *
 * @example
 * ```ts
 * import { Semaphore } from "@antflow/antflow";
 * const limit = new Semaphore(2);
 * const release = await limit.acquire();
 * try {
 *   // at most two callers are here at once
 * } finally {
 *   release();
 * }
 * console.log(await limit.run(() => 42)); // 42
 * ```
 */
export class Semaphore {
  #permits: number;
  #available: number;
  #waiters = new WaiterLine<Release>();

  /**
   * Creates a semaphore.
   *
   * @param permits How many holders may hold a permit at once (an integer >= 1).
   * @throws {RangeError} If `permits` is not an integer >= 1.
   */
  constructor(permits: number) {
    const message = `Semaphore: permits must be an integer >= 1, got ${describeValue(permits)}`;
    if (typeof permits !== "number") throw new TypeError(message);
    if (!Number.isInteger(permits) || permits < 1) throw new RangeError(message);
    this.#permits = permits;
    this.#available = permits;
  }

  /** The total number of permits. */
  get permits(): number {
    return this.#permits;
  }

  /** Permits free right now. */
  get available(): number {
    return this.#available;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Takes a permit if one is free, without waiting.
   *
   * @returns The permit's release function, or `undefined` when none is free.
   */
  tryAcquire(): Release | undefined {
    if (this.#available === 0 || this.#waiters.length > 0) return undefined;
    this.#available--;
    return this.#makeRelease();
  }

  /**
   * Waits for a permit, first come, first served.
   *
   * @param options The abort signal.
   * @returns A promise of the permit's release function.
   * @throws {unknown} The signal's reason, if it aborts before a permit is granted.
   * @throws {TypeError} For an unknown option (the promise rejects).
   */
  acquire(options: AcquireOptions = {}): Promise<Release> {
    const unknown = unknownOptionError("Semaphore.acquire", options, KEYS, typeOrRangeError);
    if (unknown !== undefined) return Promise.reject(unknown);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const release = this.tryAcquire();
    if (release !== undefined) return Promise.resolve(release);
    return new Promise<Release>((resolve, reject) => this.#waiters.join(resolve, reject, signal));
  }

  /**
   * Runs `fn` while holding a permit and gives the permit back when it settles.
   *
   * @param fn The work to run.
   * @param options The abort signal (for the wait only).
   * @returns A promise of `fn`'s result.
   * @throws {TypeError} For an unknown option (the promise rejects).
   */
  async run<T>(fn: () => T | PromiseLike<T>, options: AcquireOptions = {}): Promise<T> {
    const unknown = unknownOptionError("Semaphore.run", options, KEYS, typeOrRangeError);
    if (unknown !== undefined) throw unknown;
    const release = this.tryAcquire() ?? await this.acquire(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #makeRelease(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#handOver();
    };
  }

  #handOver(): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#available++;
    else waiter.grant(this.#makeRelease());
  }
}
