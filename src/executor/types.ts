/**
 * The option and task types of {@linkcode AsyncExecutor}.
 *
 * @module
 */
import type { Semaphore } from "../limits/semaphore.ts";

/** Options for {@linkcode AsyncExecutor}. */
export interface AsyncExecutorOptions {
  /**
   * How many tasks may run at once (an integer >= 1).
   * @default {5}
   */
  maxWorkers?: number;
}

/** The last argument every executor task receives. */
export interface ExecutorTaskContext {
  /** Aborts when the future is cancelled, the submit's `signal` aborts, or a cancelling shutdown. */
  signal: AbortSignal;
  /** Which attempt this is, from 1. */
  attempt: number;
}

/** Options for {@linkcode AsyncExecutor.prototype.submit} and the map methods. */
export interface SubmitOptions {
  /**
   * Extra attempts after a failure (total attempts = `retries + 1`).
   * @default {0}
   */
  retries?: number;
  /**
   * The wait after the first failed attempt, in milliseconds; it doubles after each further
   * failure (`retryDelayMs × 2^(k-1)` before attempt `k + 1`).
   * @default {100}
   */
  retryDelayMs?: number;
  /** A permit of this semaphore is held during each attempt (not during the backoff wait). */
  limit?: Semaphore;
  /** Aborting it cancels the task (queued: never starts; running: its signal aborts). */
  signal?: AbortSignal;
}

/** Options for {@linkcode AsyncExecutor.prototype.shutdown}. */
export interface ShutdownOptions {
  /**
   * Resolve only once every accepted task has settled and every worker has stopped.
   * @default {true}
   */
  wait?: boolean;
  /**
   * Reject every queued future with an `ExecutorShutdownError` and abort the running tasks (their
   * futures reject with the same kind of error at once).
   * @default {false}
   */
  cancelFutures?: boolean;
  /** Aborting it stops waiting (the shutdown itself stands): rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A task function: the submitted arguments, then the {@linkcode ExecutorTaskContext}. */
export type ExecutorTask<A extends readonly unknown[], R> = (
  ...args: WithContext<A>
) => R | PromiseLike<R>;

/** The arguments of an {@linkcode ExecutorTask}: `A`, then the context. */
export type WithContext<A extends readonly unknown[]> = A extends readonly unknown[]
  ? [...A, ExecutorTaskContext]
  : never;
