/**
 * AntFlow: an async pipeline engine built on web standards. Items flow through stages; each stage
 * has a pool of workers that take the next item the moment they are free, with retries, rate and
 * concurrency limits, backpressure and priority.
 *
 * @example
 * ```ts
 * import { Semaphore } from "@antflow/antflow";
 * const limit = new Semaphore(2);
 * console.log(await limit.run(() => "done"));
 * ```
 *
 * @module
 */
export {
  AntFlowError,
  ExecutorShutdownError,
  PipelineError,
  StageValidationError,
} from "./src/errors.ts";
export * from "./src/limits/mod.ts";
export * from "./src/executor/mod.ts";
