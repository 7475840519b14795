/**
 * Running one executor job: its attempts, the shared limit around each, and the backoff between.
 * The sync path returns `undefined`, so a worker never awaits what is not a promise.
 *
 * @module
 */
import { backoffDelay } from "../limits/backoff.ts";
import { delay } from "../limits/delay.ts";
import type { Release, Semaphore } from "../limits/semaphore.ts";
import type { ExecutorTaskContext } from "./types.ts";
import { type AsyncFuture, futureControl } from "./future.ts";
import { isThenable } from "../utils/thenable.ts";

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
  attempt: number,
  held: Release | undefined,
): Promise<void> | undefined {
  let release = held;
  if (release === undefined && job.limit !== undefined) {
    release = job.limit.tryAcquire();
    if (release === undefined) return acquireThenAttempt(job, attempt);
  }
  let out: unknown;
  try {
    const args = job.args;
    const context = new AttemptContext(job.future, attempt);
    out = args.length === 0
      ? job.fn(context)
      : args.length === 1
      ? job.fn(args[0], context)
      : job.fn(...args, context);
  } catch (error) {
    release?.();
    return failed(job, attempt, error);
  }
  if (isThenable(out)) return awaitAttempt(job, attempt, out, release);
  release?.();
  futureControl.fulfill(job.future, out);
  return undefined;
}

async function acquireThenAttempt(job: Job, attempt: number): Promise<void> {
  let release: Release;
  try {
    release = await job.limit!.acquire({ signal: futureControl.signal(job.future) });
  } catch {
    return; // aborted while waiting for a permit: the future has settled already
  }
  const pending = runAttempt(job, attempt, release);
  if (pending !== undefined) await pending;
}

function awaitAttempt(
  job: Job,
  attempt: number,
  out: PromiseLike<unknown>,
  release: Release | undefined,
): Promise<void> {
  return Promise.resolve(out).then((value) => {
    release?.();
    futureControl.fulfill(job.future, value);
  }, (error) => {
    release?.();
    return failed(job, attempt, error);
  });
}

function failed(
  job: Job,
  attempt: number,
  error: unknown,
): Promise<void> | undefined {
  if (job.future.done() || attempt > job.retries) {
    futureControl.fail(job.future, error);
    return undefined;
  }
  return retryAfterBackoff(job, attempt);
}

async function retryAfterBackoff(job: Job, attempt: number): Promise<void> {
  try {
    const wait = backoffDelay(job.retryDelayMs, attempt, { multiplier: 2 });
    await delay(wait, { signal: futureControl.signal(job.future) });
  } catch {
    return; // aborted during the backoff: the future has settled already
  }
  const pending = runAttempt(job, attempt + 1, undefined);
  if (pending !== undefined) await pending;
}

/** The task's context. Its `signal` is created only if the task reads it (most never do). */
class AttemptContext implements ExecutorTaskContext {
  readonly attempt: number;
  #future: AsyncFuture<unknown>;

  constructor(future: AsyncFuture<unknown>, attempt: number) {
    this.#future = future;
    this.attempt = attempt;
  }

  get signal(): AbortSignal {
    return futureControl.signal(this.#future);
  }
}
