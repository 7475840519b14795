/**
 * A `concurrent.futures`-style executor: {@linkcode AsyncExecutor} runs submitted tasks on a fixed
 * number of async workers and hands back {@linkcode AsyncFuture}s; {@linkcode wait} and
 * {@linkcode asCompleted} watch any set of futures.
 *
 * @example
 * ```ts
 * import { AsyncExecutor } from "@antflow/antflow";
 * await using executor = new AsyncExecutor({ maxWorkers: 2 });
 * const future = executor.submit((n: number) => n + 1, [41]);
 * console.log(await future.result()); // 42
 * ```
 *
 * @module
 */
export { AsyncExecutor } from "./executor.ts";
export type {
  AsyncExecutorOptions,
  ExecutorTask,
  ExecutorTaskContext,
  ShutdownOptions,
  SubmitOptions,
  WithContext,
} from "./types.ts";
export { AsyncFuture, type ResultOptions } from "./future.ts";
export {
  asCompleted,
  type AsCompletedOptions,
  wait,
  type WaitOptions,
  type WaitResult,
  WaitStrategy,
} from "./wait.ts";
