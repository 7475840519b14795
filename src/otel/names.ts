/**
 * The span attribute keys the instrumentation sets: the OpenTelemetry messaging conventions where
 * they fit (a stage is the destination; processing an item in it is a `process` operation), and
 * `antflow.*` for the rest.
 *
 * @example
 * ```ts
 * import { ATTRIBUTES } from "@antflow/antflow/otel";
 * console.log(ATTRIBUTES.stage); // "antflow.stage"
 * ```
 */
export const ATTRIBUTES: {
  /** `messaging.system`: always `"antflow"`. */
  readonly messagingSystem: "messaging.system";
  /** `messaging.operation.type`: `"process"` on stage spans. */
  readonly operationType: "messaging.operation.type";
  /** `messaging.operation.name`: `"process"` on stage spans. */
  readonly operationName: "messaging.operation.name";
  /** `messaging.destination.name`: the stage. */
  readonly destination: "messaging.destination.name";
  /** `messaging.message.id`: the item's id (only with `itemIds: true`). */
  readonly messageId: "messaging.message.id";
  /** `error.type`: the error's `name` on failed spans and failure metrics. */
  readonly errorType: "error.type";
  /** The pipeline's name (only when the `name` option is set). */
  readonly pipeline: "antflow.pipeline";
  /** The run's id (as in the tracker's `runstart` event). */
  readonly runId: "antflow.run.id";
  /** The item's id (only with `itemIds: true`: ids may be sensitive). */
  readonly itemId: "antflow.item.id";
  /** The item's sequence number in the pipeline (always set; never sensitive). */
  readonly sequenceId: "antflow.item.sequence";
  /** The stage's name. */
  readonly stage: "antflow.stage";
  /** The stage's position in the pipeline (0-based). */
  readonly stageIndex: "antflow.stage.index";
  /** The stage attempt (1, or more after per_stage retries). */
  readonly stageAttempt: "antflow.stage.attempt";
  /** The task's name. */
  readonly task: "antflow.task";
  /** The task's position in its stage (0-based). */
  readonly taskIndex: "antflow.task.index";
  /** The worker (`"Fetch-W0"`). */
  readonly worker: "antflow.worker";
  /** The attempt number (`ctx.attempt`); on a retry event, the attempt that comes next. */
  readonly attempt: "antflow.attempt";
  /** `"per_task"` or `"per_stage"`. */
  readonly retryMode: "antflow.retry_mode";
  /** How a stage span ended: `completed`, `skipped`, `failed`, `retrying` or `cancelled`. */
  readonly outcome: "antflow.outcome";
} = {
  messagingSystem: "messaging.system",
  operationType: "messaging.operation.type",
  operationName: "messaging.operation.name",
  destination: "messaging.destination.name",
  messageId: "messaging.message.id",
  errorType: "error.type",
  pipeline: "antflow.pipeline",
  runId: "antflow.run.id",
  itemId: "antflow.item.id",
  sequenceId: "antflow.item.sequence",
  stage: "antflow.stage",
  stageIndex: "antflow.stage.index",
  stageAttempt: "antflow.stage.attempt",
  task: "antflow.task",
  taskIndex: "antflow.task.index",
  worker: "antflow.worker",
  attempt: "antflow.attempt",
  retryMode: "antflow.retry_mode",
  outcome: "antflow.outcome",
};

/**
 * The metric names. Counters count items per stage (`antflow.stage`); durations are histograms in
 * seconds, as the OpenTelemetry conventions ask; the gauges are observed from the attached
 * pipelines' stats at each collection.
 *
 * @example
 * ```ts
 * import { METRICS } from "@antflow/antflow/otel";
 * console.log(METRICS.completed); // "antflow.items.completed"
 * ```
 */
export const METRICS: {
  /** Counter: items that completed a stage (skipped ones included, as `stageStats` counts them). */
  readonly completed: "antflow.items.completed";
  /** Counter: items skipped by a stage's `skipIf` (also counted as completed). */
  readonly skipped: "antflow.items.skipped";
  /** Counter: items that failed for good in a stage (with `error.type`). */
  readonly failed: "antflow.items.failed";
  /** Counter: retries (each `retrying` status event), with `antflow.retry_mode`. */
  readonly retried: "antflow.items.retried";
  /** Counter: items cancelled (by an abort or a shutdown) while in a stage or its queue. */
  readonly cancelled: "antflow.items.cancelled";
  /** Histogram, s: one task attempt (with `antflow.task`, and `error.type` when it failed). */
  readonly taskDuration: "antflow.task.duration";
  /** Histogram, s: one item's passage through a stage (with `antflow.outcome`). */
  readonly stageDuration: "antflow.stage.duration";
  /** Gauge: items waiting in a stage's queue. */
  readonly queueDepth: "antflow.queue.depth";
  /** Gauge: items fed and not yet in a terminal state (per pipeline). */
  readonly inFlight: "antflow.items.in_flight";
  /** Gauge: a stage's workers holding an item. */
  readonly busyWorkers: "antflow.workers.busy";
} = {
  completed: "antflow.items.completed",
  skipped: "antflow.items.skipped",
  failed: "antflow.items.failed",
  retried: "antflow.items.retried",
  cancelled: "antflow.items.cancelled",
  taskDuration: "antflow.task.duration",
  stageDuration: "antflow.stage.duration",
  queueDepth: "antflow.queue.depth",
  inFlight: "antflow.items.in_flight",
  busyWorkers: "antflow.workers.busy",
};

/** The instrumentation scope's name (tracer and meter). */
export const SCOPE = "@antflow/antflow";
