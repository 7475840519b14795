/**
 * Option checks and small helpers shared by the executor files. The per-call checks on the hot path
 * (`submit`, `result`) are plain comparisons; zod runs once per constructor or per bulk call.
 *
 * @module
 */
import * as z from "zod";
import { Semaphore } from "../limits/semaphore.ts";
import {
  describeValue,
  type FieldRule,
  type OptionAliases,
  typeOrRangeError,
  unknownOptionError,
} from "../utils/validate.ts";

/** The largest delay `setTimeout` honours; longer ones would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

const timeoutRule: FieldRule = {
  // z.number() refuses Infinity, which here means "no timeout", as it does for result().
  schema: z.union([z.number().min(0), z.literal(Infinity)]).optional(),
  rule: "must be a number >= 0",
};

/** Rules for `new AsyncExecutor(options)`. */
export const executorRules: Record<string, FieldRule> = {
  maxWorkers: { schema: z.number().int().min(1).optional(), rule: "must be an integer >= 1" },
};

/** Names peers use for `new AsyncExecutor(options)`'s keys. */
export const executorAliases: OptionAliases = { concurrency: "maxWorkers" };

/** Rules for `shutdown(options)`. */
export const shutdownRules: Record<string, FieldRule> = {
  wait: { schema: z.boolean().optional(), rule: "must be a boolean" },
  cancelFutures: { schema: z.boolean().optional(), rule: "must be a boolean" },
  signal: { schema: z.instanceof(AbortSignal).optional(), rule: "must be an AbortSignal" },
};

/** Rules for `asCompleted(futures, options)`. */
export const asCompletedRules: Record<string, FieldRule> = {
  timeoutMs: timeoutRule,
  signal: shutdownRules.signal,
};

/** Rules for `wait(futures, options)`. */
export const waitRules: Record<string, FieldRule> = {
  ...asCompletedRules,
  returnWhen: {
    schema: z.enum(["ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION"]).optional(),
    rule: 'must be "ALL_COMPLETED", "FIRST_COMPLETED" or "FIRST_EXCEPTION"',
  },
};

/** TypeError for a wrong type; RangeError for a number out of range in a numeric field. */
function optionError(
  owner: string,
  field: string,
  rule: string,
  value: unknown,
  numeric = false,
): TypeError | RangeError {
  const message = `${owner}: ${field} ${rule}, got ${describeValue(value)}`;
  return numeric && typeof value === "number" ? new RangeError(message) : new TypeError(message);
}

/** Throws the {@linkcode optionError}. */
function fail(owner: string, field: string, rule: string, value: unknown, numeric = false): never {
  throw optionError(owner, field, rule, value, numeric);
}

const RESULT_KEYS = ["timeoutMs", "signal"];

/**
 * What is wrong with the options of `AsyncFuture.prototype.result()`, or `undefined`. The error is
 * returned, not thrown, so `result()` can reject with it. Plain comparisons: `result()` is called
 * once per item by `map()`.
 */
export function resultOptionsError(options: unknown): TypeError | RangeError | undefined {
  const owner = "AsyncFuture.result";
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    return optionError(owner, "options", "must be an object", options);
  }
  const unknown = unknownOptionError(owner, options, RESULT_KEYS, typeOrRangeError);
  if (unknown !== undefined) return unknown as TypeError;
  const { timeoutMs, signal } = options as { timeoutMs?: unknown; signal?: unknown };
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs >= 0)) {
    return optionError(owner, "timeoutMs", "must be a number >= 0", timeoutMs, true);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    return optionError(owner, "signal", "must be an AbortSignal", signal);
  }
  return undefined;
}

/** The delay to arm a timer with, or `undefined` when no timer is needed. */
export function clampTimer(ms: number | undefined): number | undefined {
  return ms === undefined || ms > MAX_TIMER_MS ? undefined : ms;
}

/** The options `submit()` checks; `map()` checks them once for every item. */
export interface CheckedSubmitOptions {
  retries?: number;
  retryDelayMs?: number;
  limit?: Semaphore;
  signal?: AbortSignal;
}

const SUBMIT_KEYS = ["retries", "retryDelayMs", "limit", "signal"];
/** `retry` would otherwise be taken for a misspelt `retryDelayMs` (which starts with it). */
const SUBMIT_ALIASES: OptionAliases = { retry: "retries" };

/** Throws a TypeError or RangeError naming the field and the value when a submit option is bad. */
export function checkSubmitOptions(owner: string, options: CheckedSubmitOptions): void {
  if (options === null || typeof options !== "object") {
    fail(owner, "options", "must be an object", options);
  }
  const unknown = unknownOptionError(owner, options, SUBMIT_KEYS, typeOrRangeError, SUBMIT_ALIASES);
  if (unknown !== undefined) throw unknown;
  const { retries, retryDelayMs, limit, signal } = options;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
    fail(owner, "retries", "must be an integer >= 0", retries, true);
  }
  if (
    retryDelayMs !== undefined &&
    !(typeof retryDelayMs === "number" && retryDelayMs >= 0 && retryDelayMs <= MAX_TIMER_MS)
  ) {
    fail(
      owner,
      "retryDelayMs",
      `must be a number between 0 and ${MAX_TIMER_MS}`,
      retryDelayMs,
      true,
    );
  }
  if (limit !== undefined && !(limit instanceof Semaphore)) {
    fail(owner, "limit", "must be a Semaphore", limit);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    fail(owner, "signal", "must be an AbortSignal", signal);
  }
}

/** Throws a TypeError unless `fn` is a function. */
export function checkFunction(owner: string, fn: unknown): void {
  if (typeof fn !== "function") fail(owner, "fn", "must be a function", fn);
}

/** An error whose `name` is `"TimeoutError"`, as `AbortSignal.timeout()` uses. */
export function timeoutError(message: string): DOMException {
  return new DOMException(message, "TimeoutError");
}

/** Errors pass through unchanged; any other thrown value becomes an Error with it as `cause`. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(`Task failed with a non-Error value: ${describeValue(value)}`, { cause: value });
}
