/**
 * Running one executor job: its attempts, the shared limit around each, and the backoff between.
 * The sync path returns `undefined`, so a worker never awaits what is not a promise.
 *
 * @module
 */
import { backoffDelay } from "../limits/backoff.ts";
import { delay } from "../limits/delay.ts";
import type { Release, Semaphore } from "../limits/semaphore.ts";
import { type AsyncFuture, futureControl } from "./future.ts";

/** One accepted task, as it waits in the queue. */
export interface Job {
  future: AsyncFuture<unknown>;
  fn: (...args: unknown[]) => unknown;
  args: readonly unknown[];
  retries: number;
  retryDelayMs: number;
  limit: Semaphore | undefined;
}

/**
 * Runs attempt number `attempt` of `job` (and the retries after it), holding a permit of
 * `job.limit` (`held`, or one taken here) for the attempt only. The job's future has settled when
 * this returns `undefined` or its promise resolves; the promise never rejects.
 */
export function runAttempt(
  job: Job,
  signal: AbortSignal,
  attempt: number,
  held: Release | undefined,
): Promise<void> | undefined {
  let release = held;
  if (release === undefined && job.limit !== undefined) {
    release = job.limit.tryAcquire();
    if (release === undefined) return acquireThenAttempt(job, signal, attempt);
  }
  let out: unknown;
  try {
    out = job.fn(...job.args, { signal, attempt });
  } catch (error) {
    release?.();
    return failed(job, signal, attempt, error);
  }
  if (isThenable(out)) return awaitAttempt(job, signal, attempt, out, release);
  release?.();
  futureControl.fulfill(job.future, out);
  return undefined;
}

async function acquireThenAttempt(job: Job, signal: AbortSignal, attempt: number): Promise<void> {
  let release: Release;
  try {
    release = await job.limit!.acquire({ signal });
  } catch {
    return; // aborted while waiting for a permit: the future has settled already
  }
  await runAttempt(job, signal, attempt, release);
}

async function awaitAttempt(
  job: Job,
  signal: AbortSignal,
  attempt: number,
  out: PromiseLike<unknown>,
  release: Release | undefined,
): Promise<void> {
  let value: unknown;
  try {
    value = await out;
  } catch (error) {
    release?.();
    await failed(job, signal, attempt, error);
    return;
  }
  release?.();
  futureControl.fulfill(job.future, value);
}

function failed(
  job: Job,
  signal: AbortSignal,
  attempt: number,
  error: unknown,
): Promise<void> | undefined {
  if (signal.aborted || attempt > job.retries) {
    futureControl.fail(job.future, error);
    return undefined;
  }
  return retryAfterBackoff(job, signal, attempt);
}

async function retryAfterBackoff(job: Job, signal: AbortSignal, attempt: number): Promise<void> {
  try {
    await delay(backoffDelay(job.retryDelayMs, attempt, { multiplier: 2 }), { signal });
  } catch {
    return; // aborted during the backoff: the future has settled already
  }
  await runAttempt(job, signal, attempt + 1, undefined);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function";
}
