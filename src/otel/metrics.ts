import type {
  Attributes,
  BatchObservableResult,
  Counter,
  Histogram,
  Meter,
  ObservableGauge,
} from "@opentelemetry/api";
import type { PipelineLike } from "../pipeline/types.ts";
import { ATTRIBUTES as A, METRICS } from "./names.ts";

/** Bucket boundaries (s) for the duration histograms: 1 ms to 5 min. */
const DURATION_BUCKETS = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
  300,
];

/** A pipeline the gauges observe (held weakly: a pipeline nobody uses any more is not kept). */
export interface Watched {
  readonly ref: WeakRef<PipelineLike>;
  readonly stages: readonly string[];
}

/**
 * The instruments made on one meter, with attribute objects cached per stage and per task (the
 * hot path only looks them up), and the gauges' callback over the attached pipelines.
 *
 * @internal
 */
export class Meters {
  readonly meter: Meter;
  readonly completed: Counter;
  readonly skipped: Counter;
  readonly failed: Counter;
  readonly retried: Counter;
  readonly cancelled: Counter;
  readonly taskDuration: Histogram;
  readonly stageDuration: Histogram;
  readonly #queueDepth: ObservableGauge;
  readonly #inFlight: ObservableGauge;
  readonly #busy: ObservableGauge;
  readonly #base: Attributes;
  readonly #watched: Set<Watched>;
  readonly #stages = new Map<string, Attributes>();
  readonly #tasks = new Map<string, Attributes[]>();
  readonly #variants = new Map<string, Map<string, Map<string, Attributes>>>();

  constructor(meter: Meter, name: string | undefined, watched: Set<Watched>) {
    this.meter = meter;
    this.#base = name === undefined ? {} : { [A.pipeline]: name };
    this.#watched = watched;
    const items = (metric: string, description: string): Counter =>
      meter.createCounter(metric, { description, unit: "{item}" });
    this.completed = items(METRICS.completed, "Items that completed a stage (skipped included)");
    this.skipped = items(METRICS.skipped, "Items skipped by a stage's skipIf");
    this.failed = items(METRICS.failed, "Items that failed for good in a stage");
    this.retried = items(METRICS.retried, "Retries of a task (per_task) or a stage (per_stage)");
    this.cancelled = items(METRICS.cancelled, "Items cancelled while in a stage or its queue");
    const durations = { unit: "s", advice: { explicitBucketBoundaries: DURATION_BUCKETS } };
    this.taskDuration = meter.createHistogram(METRICS.taskDuration, {
      description: "Duration of one task attempt",
      ...durations,
    });
    this.stageDuration = meter.createHistogram(METRICS.stageDuration, {
      description: "Duration of one item's passage through a stage",
      ...durations,
    });
    this.#queueDepth = meter.createObservableGauge(METRICS.queueDepth, {
      description: "Items waiting in a stage's queue",
      unit: "{item}",
    });
    this.#inFlight = meter.createObservableGauge(METRICS.inFlight, {
      description: "Items fed and not yet finished",
      unit: "{item}",
    });
    this.#busy = meter.createObservableGauge(METRICS.busyWorkers, {
      description: "Workers of a stage holding an item",
      unit: "{worker}",
    });
    meter.addBatchObservableCallback(this.#observe, [this.#queueDepth, this.#inFlight, this.#busy]);
  }

  /** Stops the gauges' callback (the meter is being replaced). */
  close(): void {
    this.meter.removeBatchObservableCallback(this.#observe, [
      this.#queueDepth,
      this.#inFlight,
      this.#busy,
    ]);
  }

  /** The attributes of a stage's metrics (one object per stage, reused). */
  stage(stage: string): Attributes {
    let attributes = this.#stages.get(stage);
    if (attributes === undefined) {
      attributes = { ...this.#base, [A.stage]: stage };
      this.#stages.set(stage, attributes);
    }
    return attributes;
  }

  /** The attributes of a task's successful attempts (one object per task, reused). */
  task(stage: string, taskIndex: number, task: string): Attributes {
    let list = this.#tasks.get(stage);
    if (list === undefined) this.#tasks.set(stage, list = []);
    return list[taskIndex] ??= { ...this.stage(stage), [A.task]: task };
  }

  /**
   * A stage's attributes with one more key (an outcome, a retry mode, an error type): one object
   * per combination, reused.
   */
  variant(stage: string, key: string, value: string): Attributes {
    let byKey = this.#variants.get(stage);
    if (byKey === undefined) this.#variants.set(stage, byKey = new Map());
    let byValue = byKey.get(key);
    if (byValue === undefined) byKey.set(key, byValue = new Map());
    let attributes = byValue.get(value);
    if (attributes === undefined) {
      attributes = { ...this.stage(stage), [key]: value };
      byValue.set(value, attributes);
    }
    return attributes;
  }

  /** A failed attempt's attributes: the task's, with the error's type. */
  failedTask(stage: string, taskIndex: number, task: string, errorType: string): Attributes {
    return { ...this.task(stage, taskIndex, task), [A.errorType]: errorType };
  }

  #observe = (result: BatchObservableResult): void => {
    const queued = new Map<string, number>();
    const busy = new Map<string, number>();
    let inFlight = 0;
    let live = false;
    for (const watched of this.#watched) {
      const pipeline = watched.ref.deref();
      if (pipeline === undefined) {
        this.#watched.delete(watched);
        continue;
      }
      live = true;
      const stats = pipeline.getStats();
      inFlight += stats.itemsInFlight;
      for (const stage of watched.stages) {
        queued.set(stage, (queued.get(stage) ?? 0) + (stats.queueSizes[stage] ?? 0));
        const inProgress = stats.stageStats[stage]?.inProgressItems ?? 0;
        busy.set(stage, (busy.get(stage) ?? 0) + inProgress);
      }
    }
    if (!live) return;
    for (const [stage, n] of queued) result.observe(this.#queueDepth, n, this.stage(stage));
    for (const [stage, n] of busy) result.observe(this.#busy, n, this.stage(stage));
    result.observe(this.#inFlight, inFlight, this.#base);
  };
}
