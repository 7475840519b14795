import { context, type Meter } from "@opentelemetry/api";
import type {
  PipelineInstrumentation,
  RunInstrumentation,
  RunStart,
} from "../pipeline/instrument.ts";
import type { PipelineLike } from "../pipeline/types.ts";
import { Meters, type Watched } from "./metrics.ts";
import { type OpenTelemetryOptions, type OtelConfig, resolveOptions } from "./options.ts";
import { liveMeter, liveTracer } from "./providers.ts";
import { OtelRun } from "./run.ts";

/**
 * OpenTelemetry traces and metrics for pipelines: pass it as `new Pipeline({ instrumentation })`.
 * One instance may serve several pipelines (their gauges add up per stage; give each its own
 * instance with a `name` to tell them apart).
 *
 * Each item's passage through a stage is a `process <stage>` span (kind `CONSUMER`, messaging
 * conventions), each task attempt a child span named after the task, made active while the task
 * runs: spans your task starts (an instrumented `fetch`) nest under it. The context active when
 * `run()`, `stream()` or `feed()` is called is the parent of the items' first spans, so a request
 * that starts a run is traced end to end. With no SDK registered (and no provider passed), a run
 * records nothing and costs nothing.
 *
 * @example
 * ```ts
 * import { Pipeline, Stage } from "@antflow/antflow";
 * import { OpenTelemetryInstrumentation } from "@antflow/antflow/otel";
 *
 * const pipeline = new Pipeline({
 *   stages: [new Stage({ name: "Upload", workers: 4, tasks: [async (n: number) => n * 2] })],
 *   instrumentation: new OpenTelemetryInstrumentation({ spans: "attempts" }),
 * });
 * await pipeline.run([1, 2, 3]); // spans and metrics go to the global providers, if any
 * ```
 */
export class OpenTelemetryInstrumentation implements PipelineInstrumentation {
  readonly #config: OtelConfig;
  readonly #watched = new Set<Watched>();
  #meters: Meters | undefined = undefined;

  /**
   * Creates the instrumentation.
   *
   * @param options Providers, which spans, item ids, attribute length, run context, name.
   * @throws {TypeError} For an unknown option or a value of the wrong type.
   * @throws {RangeError} For a `maxAttributeLength` below 16.
   */
  constructor(options: OpenTelemetryOptions = {}) {
    this.#config = resolveOptions(options);
  }

  /**
   * Called by the `Pipeline` constructor: its gauges (queue depth, busy workers, items in flight)
   * are observed from then on.
   *
   * @param pipeline The pipeline (held weakly).
   * @param stages Its stage names.
   */
  attach(pipeline: PipelineLike, stages: readonly string[]): void {
    this.#watched.add({ ref: new WeakRef(pipeline), stages: [...stages] });
    this.#currentMeters();
  }

  /**
   * Called synchronously when a run starts: captures the active context.
   *
   * @param run The run's id and kind.
   * @returns What follows the run's items, or `undefined` when neither tracing nor metrics are on.
   */
  startRun(run: RunStart): RunInstrumentation | undefined {
    const config = this.#config;
    const tracer = config.spans === "none" ? undefined : liveTracer(config.tracerProvider);
    const meters = this.#currentMeters();
    if (tracer === undefined && meters === undefined) return undefined;
    return new OtelRun(run, context.active(), tracer, meters, config);
  }

  /** The instruments on the current meter (made anew when the meter changed), if metrics are on. */
  #currentMeters(): Meters | undefined {
    if (!this.#config.metrics) return undefined;
    const meter: Meter | undefined = liveMeter(this.#config.meterProvider);
    if (meter === this.#meters?.meter) return this.#meters;
    this.#meters?.close();
    this.#meters = meter === undefined
      ? undefined
      : new Meters(meter, this.#config.name, this.#watched);
    return this.#meters;
  }
}
