/**
 * The error classes AntFlow throws for its own reasons. Errors thrown by tasks are never wrapped in
 * these: they surface as the original error.
 *
 * @module
 */

/**
 * Base class of every error AntFlow raises for its own reasons.
 *
 * @example
 * ```ts
 * import { AntFlowError, Stage } from "@antflow/antflow";
 * try {
 *   new Stage({ name: "Fetch", workers: 0, tasks: [(x: number) => x] });
 * } catch (error) {
 *   console.log(error instanceof AntFlowError); // true
 * }
 * ```
 */
export class AntFlowError extends Error {
  /**
   * Creates an error with the given message.
   *
   * @param message What could not be done and why.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AntFlowError";
  }
}

/**
 * A pipeline was composed or driven in a way that cannot work: no stages, duplicate stage names, a
 * pull stage first, an unknown `targetStage`, a run while another is active, a duplicate item id.
 *
 * @example
 * ```ts
 * import { Pipeline, PipelineError } from "@antflow/antflow";
 * try {
 *   new Pipeline({ stages: [] });
 * } catch (error) {
 *   console.log(error instanceof PipelineError); // true
 * }
 * ```
 */
export class PipelineError extends AntFlowError {
  /**
   * Creates an error with the given message.
   *
   * @param message What could not be done and why.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PipelineError";
  }
}

/**
 * A stage option is invalid: its message names the stage, the field, the rule and the value.
 *
 * @example
 * ```ts
 * import { Stage, StageValidationError } from "@antflow/antflow";
 * try {
 *   new Stage({ name: "Fetch", workers: 0, tasks: [(x: number) => x] });
 * } catch (error) {
 *   console.log(error instanceof StageValidationError); // true
 *   console.log((error as Error).message); // Stage "Fetch": workers must be an integer >= 1, got 0
 * }
 * ```
 */
export class StageValidationError extends PipelineError {
  /**
   * Creates an error with the given message.
   *
   * @param message What could not be done and why.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StageValidationError";
  }
}

/**
 * Work was submitted to an `AsyncExecutor` after `shutdown()`, or a queued future was cancelled by
 * `shutdown({ cancelFutures: true })`.
 *
 * @example
 * ```ts
 * import { AsyncExecutor, ExecutorShutdownError } from "@antflow/antflow";
 * const executor = new AsyncExecutor({ maxWorkers: 2 });
 * await executor.shutdown();
 * try {
 *   executor.submit(() => 1);
 * } catch (error) {
 *   console.log(error instanceof ExecutorShutdownError); // true
 * }
 * ```
 */
export class ExecutorShutdownError extends AntFlowError {
  /**
   * Creates an error with the given message.
   *
   * @param message What could not be done and why.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ExecutorShutdownError";
  }
}
