/**
 * Reads the clock the way a rate limiter does. While installed, `performance.now()` remembers the
 * last value it returned, so a function passed to `ctx.rateLimit()` can read the very timestamp
 * the limiter recorded for its start (the limiter reads the clock, records, and calls the function
 * in the same turn). Timestamps taken inside the function would also include any time the OS
 * took the process off the CPU in between, which on a loaded machine is milliseconds.
 */
export class ClockTap {
  last = 0;
  #descriptor: PropertyDescriptor | undefined;
  #installed = false;

  install(): void {
    if (this.#installed) return;
    this.#installed = true;
    this.#descriptor = Object.getOwnPropertyDescriptor(performance, "now");
    const original = performance.now;
    const read = (): number => (this.last = original.call(performance));
    Object.defineProperty(performance, "now", { configurable: true, writable: true, value: read });
  }

  uninstall(): void {
    if (!this.#installed) return;
    this.#installed = false;
    if (this.#descriptor !== undefined) {
      Object.defineProperty(performance, "now", this.#descriptor);
    } else delete (performance as { now?: unknown }).now;
  }
}

/** The process-wide tap (installed for the duration of each generated case). */
export const clock: ClockTap = new ClockTap();
