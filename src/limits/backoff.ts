import { typeOrRangeError, unknownOptionError } from "../utils/validate.ts";

/**
 * How the wait between attempts grows. Without options the wait is fixed.
 */
export interface BackoffOptions {
  /**
   * Each wait is the previous one times this factor.
   * @default {1}
   */
  multiplier?: number;
  /**
   * Upper bound of one wait, in milliseconds.
   * @default {Infinity}
   */
  maxWaitMs?: number;
  /**
   * Full jitter: wait a uniform random time in `[0, computed wait]`.
   * @default {false}
   */
  jitter?: boolean;
}

/** The keys of {@linkcode BackoffOptions}. */
const KEYS = ["multiplier", "maxWaitMs", "jitter"];

/**
 * A backoff as a function: the wait in ms before the next attempt, given the number of the attempt
 * that just failed (1-based) and its error, e.g. to honour a server's `Retry-After`. It must return
 * a finite number >= 0 (synchronously).
 */
export type BackoffFn = (attempt: number, error: Error) => number;

/**
 * The wait before attempt `attempt + 1`, after attempt number `attempt` (1-based) failed:
 * `baseMs × multiplier^(attempt - 1)`, capped at `maxWaitMs`, and with `jitter` a uniform random
 * value in `[0, that]`.
 *
 * @param baseMs The wait after the first failure.
 * @param attempt The number of the attempt that just failed (1-based).
 * @param options Growth, cap and jitter.
 * @param random The source of randomness for jitter (for tests).
 * @returns The wait in milliseconds.
 * @throws {TypeError} For an unknown option.
 *
 * @example
 * ```ts
 * import { backoffDelay } from "@antflow/antflow";
 * console.log(backoffDelay(100, 3, { multiplier: 2 })); // 400
 * ```
 */
export function backoffDelay(
  baseMs: number,
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const unknown = unknownOptionError("backoffDelay", options, KEYS, typeOrRangeError);
  if (unknown !== undefined) throw unknown;
  const multiplier = options.multiplier ?? 1;
  let wait = baseMs * multiplier ** Math.max(0, attempt - 1);
  const cap = options.maxWaitMs ?? Infinity;
  if (!(wait <= cap)) wait = cap;
  if (options.jitter) wait = random() * wait;
  return wait;
}
