/** Small helpers shared by the executor tests (not a test file itself). */

/** A promise you open by hand. */
export function gate(): { promise: Promise<void>; open: () => void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { promise, open: () => resolve() };
}

/** Counts how many callers are inside `run()` at once. */
export function concurrencyProbe(): {
  run: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly peak: number;
  readonly active: number;
} {
  let active = 0;
  let peak = 0;
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      active++;
      peak = Math.max(peak, active);
      try {
        return await fn();
      } finally {
        active--;
      }
    },
    get peak() {
      return peak;
    },
    get active() {
      return active;
    },
  };
}

/** Rejects with the signal's reason once it aborts (for tasks that wait to be cancelled). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** Milliseconds since `start`. */
export function since(start: number): number {
  return performance.now() - start;
}
