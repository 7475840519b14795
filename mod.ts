/**
 * AntFlow: an async pipeline engine built on web standards. Items flow through stages; each stage
 * has a pool of workers that take the next item the moment they are free, with retries, rate and
 * concurrency limits, backpressure and priority. A `StatusTracker` dispatches every item and task
 * event as a DOM `CustomEvent`.
 *
 * @example
 * ```ts
 * import { Pipeline, Stage, StatusTracker } from "@antflow/antflow";
 *
 * const tracker = new StatusTracker();
 * tracker.addEventListener("status", (e) => console.log(e.detail.itemId, e.detail.status));
 * const pipeline = new Pipeline({
 *   stages: [
 *     new Stage({ name: "Fetch", workers: 4, tasks: [async (n: number) => n * 10] }),
 *     new Stage({ name: "Save", workers: 2, tasks: [(n: number) => `saved ${n}`] }),
 *   ],
 *   statusTracker: tracker,
 * });
 * const results = await pipeline.run([1, 2, 3]);
 * console.log(results.map((r) => r.value));
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
export * from "./src/tracker/mod.ts";
export * from "./src/pipeline/mod.ts";
export * from "./src/executor/mod.ts";
