/**
 * The AntFlow SSE client: typed, resumable consumption of the event stream that
 * `@antflow/antflow/hono` serves, built only on `fetch` and Web Streams, so it runs in browsers,
 * Deno, Node, Bun and edge runtimes alike.
 *
 * - {@linkcode subscribe} yields validated, typed messages and resumes with `Last-Event-ID`.
 * - {@linkcode RemoteTracker} is a `StatusTracker` fed by a remote stream.
 * - {@linkcode SSEParser} / {@linkcode SSEParserStream} parse any SSE byte stream per the WHATWG
 *   standard.
 *
 * @example
 * ```ts ignore
 * import { RemoteTracker } from "@antflow/antflow/client";
 *
 * const remote = new RemoteTracker("http://localhost:8787/antflow/events");
 * remote.addEventListener("status", (e) => {
 *   if (e.detail.status === "failed") console.log(`item ${e.detail.itemId} failed`);
 * });
 * remote.addEventListener("runend", (e) => console.log(`run ${e.detail.runId} ended`, e.detail.counts));
 * await remote.ready;
 * setInterval(() => console.log(remote.getStats()), 1000);
 * ```
 *
 * @module
 */
export { subscribe } from "./subscribe.ts";
export { RemoteTracker, type RemoteTrackerOptions } from "./remote_tracker.ts";
export type {
  ConnectionErrorDetail,
  ConnectionOpenDetail,
  RemoteTrackerEventMap,
  RemoteTrackerListener,
} from "./connection_report.ts";
export {
  type ClientMessage,
  type DashboardSnapshotJSON,
  type ErrorMessage,
  type ResetJSON,
  type ResetMessage,
  ResetSchema,
  type RunMessage,
  type SnapshotErrorsJSON,
  type SnapshotJSON,
  type SnapshotMessage,
  SnapshotSchema,
  type StatusMessage,
  type TaskMessage,
} from "./messages.ts";
export {
  type ConnectionOptions,
  type FetchLike,
  type SubscribeOptions,
  TRACKER_EVENT_TYPES,
  type TrackerEventType,
} from "./options.ts";
export {
  type SSEMessage,
  SSEParser,
  type SSEParserOptions,
  SSEParserStream,
} from "../sse/parse.ts";
// The core types the client's API refers to, so a page can import everything it needs from here.
export {
  type ErrorJSON,
  ErrorSummary,
  type FailedItem,
  type ItemId,
  type RunCallback,
  type RunCounts,
  type RunEvent,
  RunEventSchema,
  type RunEventType,
  STATUS_TYPES,
  type StatusCallback,
  StatusEvent,
  type StatusEventJSON,
  StatusEventSchema,
  type StatusMetadata,
  StatusTracker,
  type StatusTrackerEventMap,
  type StatusTrackerListener,
  type StatusTrackerOptions,
  type StatusType,
  TASK_EVENT_TYPES,
  type TaskCallback,
  TaskEvent,
  type TaskEventJSON,
  TaskEventSchema,
  type TaskEventType,
  type TrackerErrorDetail,
} from "../tracker/mod.ts";
export type { PipelineStats, StageStats, WorkerMetrics, WorkerState } from "../pipeline/types.ts";
