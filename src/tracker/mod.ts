/**
 * The StatusTracker and its event types.
 *
 * @module
 */
export {
  type RunCallback,
  type StatusCallback,
  StatusTracker,
  type StatusTrackerEventMap,
  type StatusTrackerListener,
  type StatusTrackerOptions,
  type TaskCallback,
  type TrackerErrorDetail,
} from "./status_tracker.ts";
export {
  parseWorkerId,
  StatusEvent,
  type StatusEventInit,
  type StatusEventJSON,
  TaskEvent,
  type TaskEventInit,
  type TaskEventJSON,
} from "./events.ts";
export { RunEventSchema, StatusEventSchema, TaskEventSchema } from "./schemas.ts";
export type { RunCounts, RunEvent, RunEventType, RunSnapshot } from "./run_event.ts";
export type { LatencySeries, LatencySnapshot, LatencyStats } from "./latency.ts";
export { ErrorSummary, type FailedItem } from "./error_summary.ts";
export {
  type ErrorJSON,
  type ItemId,
  STATUS_TYPES,
  type StatusMetadata,
  type StatusType,
  TASK_EVENT_TYPES,
  type TaskEventType,
} from "./types.ts";
