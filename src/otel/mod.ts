/**
 * OpenTelemetry traces and metrics for AntFlow pipelines. Depends only on `@opentelemetry/api`:
 * register an SDK (or pass providers) to record anything; without one, every call is a no-op.
 *
 * @example
 * ```ts
 * import { Pipeline, Stage } from "@antflow/antflow";
 * import { OpenTelemetryInstrumentation } from "@antflow/antflow/otel";
 *
 * const pipeline = new Pipeline({
 *   stages: [
 *     new Stage({ name: "Fetch", workers: 4, tasks: [async (n: number) => n * 10] }),
 *     new Stage({ name: "Upload", workers: 2, tasks: [async (n: number) => `uploaded ${n}`] }),
 *   ],
 *   instrumentation: new OpenTelemetryInstrumentation(),
 * });
 * await pipeline.run([1, 2, 3]);
 * ```
 *
 * @module
 */
export { OpenTelemetryInstrumentation } from "./instrumentation.ts";
export type { OpenTelemetryOptions, SpanLevel } from "./options.ts";
export { ATTRIBUTES, METRICS } from "./names.ts";
