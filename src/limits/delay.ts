import { typeOrRangeError, unknownOptionError } from "../utils/validate.ts";

/**
 * Options for {@linkcode delay}.
 */
export interface DelayOptions {
  /** Aborting it clears the timer and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The keys of {@linkcode DelayOptions}. */
const KEYS = ["signal"];

/**
 * Resolves after `ms` milliseconds. Aborting `signal` clears the timer at once and rejects with the
 * signal's reason, so an abandoned delay never keeps a process alive.
 *
 * @param ms How long to wait, in milliseconds (values <= 0 wait for one macrotask).
 * @param options The abort signal.
 * @returns A promise that resolves after `ms`.
 * @throws {unknown} The signal's reason, if it is or becomes aborted.
 * @throws {TypeError} For an unknown option (the promise rejects).
 *
 * @example
 * ```ts
 * import { delay } from "@antflow/antflow";
 * await delay(10);
 * ```
 */
export function delay(ms: number, options: DelayOptions = {}): Promise<void> {
  const unknown = unknownOptionError("delay", options, KEYS, typeOrRangeError);
  if (unknown !== undefined) return Promise.reject(unknown);
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
