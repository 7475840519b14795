/**
 * Pipelines, stages and their result and stats shapes.
 *
 * @module
 */
export {
  type JoinOptions,
  Pipeline,
  type PipelineInput,
  type PipelineOptions,
  type StageList,
} from "./pipeline.ts";
export { type RetryMode, Stage, type StageOptions } from "./stage.ts";
export { type BuilderStageOptions, PipelineBuilder, type QuickOptions } from "./builder.ts";
export type { FeedOptions, RunOptions, StreamOptions } from "./options.ts";
export type {
  AttemptInfo,
  CancelledItem,
  PipelineInstrumentation,
  RunInstrumentation,
  RunKind,
  RunStart,
  StageEntry,
  StageOutcome,
} from "./instrument.ts";
export type {
  QueueBackend,
  QueueBackendFactory,
  QueueBackendHooks,
  QueueBackendOptions,
  QueuedItem,
  QueueRecord,
} from "./queue_backend.ts";
export { memoryQueue } from "./stage_queue.ts";
export {
  type DashboardProtocol,
  type DashboardSnapshot,
  type FailedResult,
  type PipelineLike,
  PipelineResult,
  type PipelineStats,
  type StageStats,
  type StreamResult,
  type SucceededResult,
  type Task,
  type TaskContext,
  type TaskFn,
  type TaskList,
  type WorkerMetrics,
  type WorkerState,
} from "./types.ts";
