/**
 * Event timestamps. Reading the clock costs 50–200 ns on some machines, and a worker emits
 * several events back to back, so the worker loop shares one reading between the events of a
 * stretch of its own code. The reading is passed along (a {@linkcode Clock}), never kept where
 * code that resumes later could find it.
 *
 * @module
 */

/** Where an event's timestamp comes from. */
export interface Clock {
  /** Epoch milliseconds for an event emitted now. */
  now(): number;
}

/** A fresh reading for every event. */
export const FRESH: Clock = { now: () => Date.now() };

/**
 * Readings for one stretch of AntFlow's own code: while status events run no user code
 * (`quiet()`), the first reading serves every later event until `forget()`. The worker loop's
 * driver calls `forget()` every time a phase returns to it, which every phase does after user
 * code ran or before anything is awaited, so a reading never outlives its stretch.
 *
 * @internal
 */
export class StretchClock implements Clock {
  #reading = -1;
  readonly #quiet: () => boolean;

  constructor(quiet: () => boolean) {
    this.#quiet = quiet;
  }

  now(): number {
    if (this.#reading >= 0) return this.#reading;
    const now = Date.now();
    if (this.#quiet()) this.#reading = now;
    return now;
  }

  forget(): void {
    this.#reading = -1;
  }
}
