import * as z from "zod";
import type { SSEMessage } from "../sse/parse.ts";
import type { StatusEventJSON, TaskEventJSON } from "../tracker/events.ts";
import type { RunEvent } from "../tracker/run_event.ts";
import { RunEventSchema, StatusEventSchema, TaskEventSchema } from "../tracker/schemas.ts";
import { STATUS_TYPES, type StatusType } from "../tracker/types.ts";
import type { FailedItem } from "../tracker/error_summary.ts";
import type { PipelineStats, WorkerMetrics, WorkerState } from "../pipeline/types.ts";

/** A `DashboardSnapshot` as it travels in JSON (the `ErrorSummary` becomes plain data). */
export interface DashboardSnapshotJSON {
  /** Every worker's state, by name. */
  workerStates: Record<string, WorkerState>;
  /** Every worker's counters, by name. */
  workerMetrics: Record<string, WorkerMetrics>;
  /** The pipeline's counters. */
  pipelineStats: PipelineStats;
  /** Failures so far. */
  errorSummary: {
    totalFailed: number;
    errorsByType: Record<string, number>;
    errorsByStage: Record<string, number>;
    failedItems: FailedItem[];
  };
  /** When it was taken, epoch ms. */
  timestamp: number;
}

/** The server tracker's failures, as a snapshot carries them. */
export interface SnapshotErrorsJSON {
  /** How many items are `failed` (equals `stats.failed`). */
  totalFailed: number;
  /** Failed items by error `name` (the counts add up to `totalFailed`). */
  errorsByType: Record<string, number>;
  /** Failed items by stage (the counts add up to `totalFailed`). */
  errorsByStage: Record<string, number>;
  /**
   * The failed items the server's tracker keeps: in `GET /snapshot` and in the first `snapshot`
   * of each connection, not in the periodic ones.
   */
  failedItems?: FailedItem[];
}

/** The JSON of the `snapshot` message (and of `GET /snapshot`). */
export interface SnapshotJSON {
  /** The server tracker's `getStats()`. */
  stats: Record<StatusType, number>;
  /** The pipeline's dashboard snapshot, or `null` when no pipeline is attached. */
  pipeline: DashboardSnapshotJSON | null;
  /** The newest event id when the snapshot was taken (0 before the first event). */
  lastEventId: number;
  /** The server tracker's error summary (absent from servers older than this client). */
  errors?: SnapshotErrorsJSON;
}

const count = z.number().int().min(0);
const counts = z.record(z.string(), count);

const FailedItemSchema = z.object({
  itemId: z.union([z.string(), z.number()]),
  error: z.string(),
  errorType: z.string(),
  stage: z.string().nullable(),
  attempts: count,
  timestamp: z.number(),
}).loose();

/**
 * The zod schema of the `snapshot` message's JSON: strict on `stats`, `lastEventId` and the
 * optional `errors` (their counts and failed items), loose on `pipeline` (only its outline is
 * checked; unknown fields pass through).
 *
 * @example
 * ```ts
 * import { SnapshotSchema } from "@antflow/antflow/client";
 * const stats = { queued: 0, in_progress: 0, completed: 3, failed: 0, retrying: 0, skipped: 0, cancelled: 0 };
 * console.log(SnapshotSchema.parse({ stats, pipeline: null, lastEventId: 12 }).lastEventId); // 12
 * ```
 */
export const SnapshotSchema: z.ZodType<SnapshotJSON> = z.object({
  stats: z.object(
    Object.fromEntries(STATUS_TYPES.map((status) => [status, count])) as Record<
      StatusType,
      typeof count
    >,
  ),
  pipeline: z.object({
    workerStates: z.record(z.string(), z.unknown()),
    workerMetrics: z.record(z.string(), z.unknown()),
    pipelineStats: z.object({ stageStats: z.record(z.string(), z.unknown()) }).loose(),
    errorSummary: z.object({}).loose(),
    timestamp: z.number(),
  }).loose().nullable(),
  lastEventId: count,
  errors: z.object({
    totalFailed: count,
    errorsByType: counts,
    errorsByStage: counts,
    failedItems: z.array(FailedItemSchema).optional(),
  }).optional(),
}) as unknown as z.ZodType<SnapshotJSON>;

/** The JSON of the `reset` message. */
export interface ResetJSON {
  /** Why the server could not resume from the given `Last-Event-ID`. */
  reason: string;
  /** The server's newest event id (0 before the first event). */
  lastEventId: number;
}

/**
 * The zod schema of the `reset` message's JSON.
 *
 * @example
 * ```ts
 * import { ResetSchema } from "@antflow/antflow/client";
 * console.log(ResetSchema.parse({ reason: "too old", lastEventId: 3 }).reason); // "too old"
 * ```
 */
export const ResetSchema: z.ZodType<ResetJSON> = z.object({
  reason: z.string(),
  lastEventId: count,
});

/** A tracker `status` event. */
export interface StatusMessage {
  /** The message type. */
  type: "status";
  /** The SSE event id (the server's sequence number, as a string). */
  id: string;
  /** The status event's JSON. */
  event: StatusEventJSON;
}

/** A tracker task event. */
export interface TaskMessage {
  /** The message type (matches `event.eventType`: `taskstart` for `start`…). */
  type: "taskstart" | "taskcomplete" | "taskretry" | "taskfail";
  /** The SSE event id (the server's sequence number, as a string). */
  id: string;
  /** The task event's JSON. */
  event: TaskEventJSON;
}

/** A run lifecycle event: a run (`run()`, `stream()`, or `feed()` up to `join()`) started or ended. */
export interface RunMessage {
  /** The message type. */
  type: "runstart" | "runend";
  /** The SSE event id (the server's sequence number, as a string). */
  id: string;
  /** The run: `{ runId, startedAt, endedAt?, counts }` (`endedAt` and final counts in `runend`). */
  event: RunEvent;
}

/** The server's state: first on every connection, then periodically. */
export interface SnapshotMessage {
  /** The message type. */
  type: "snapshot";
  /** The snapshot. */
  snapshot: SnapshotJSON;
}

/** The server could not resume from our `Last-Event-ID`; a fresh `snapshot` follows. */
export interface ResetMessage {
  /** The message type. */
  type: "reset";
  /** Why. */
  reason: string;
  /** The server's newest event id. */
  lastEventId: number;
}

/** A message that could not be understood; it is reported and skipped. */
export interface ErrorMessage {
  /** The message type. */
  type: "error";
  /** What is wrong with it (a `SyntaxError` for bad JSON, a `TypeError` for a bad shape). */
  error: Error;
  /** The SSE event type it came with. */
  event: string;
  /** The message's raw `data`. */
  raw: string;
}

/** Every message `subscribe()` yields. */
export type ClientMessage =
  | StatusMessage
  | TaskMessage
  | RunMessage
  | SnapshotMessage
  | ResetMessage
  | ErrorMessage;

const TASK_TYPES: Record<string, TaskEventJSON["eventType"]> = {
  taskstart: "start",
  taskcomplete: "complete",
  taskretry: "retry",
  taskfail: "fail",
};

/**
 * Turns one SSE message into a typed message: `undefined` for event types it does not know (so
 * newer servers stay compatible), an `error` message when the data is not valid.
 */
export function decodeMessage(message: SSEMessage): ClientMessage | undefined {
  const type = message.event;
  if (!Object.hasOwn(SCHEMAS, type)) return undefined;
  const schema = SCHEMAS[type];
  let json: unknown;
  try {
    json = JSON.parse(message.data);
  } catch (cause) {
    const error = new SyntaxError(`a "${type}" message is not valid JSON: ${errorText(cause)}`, {
      cause,
    });
    return { type: "error", error, event: type, raw: message.data };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join(".") : "(root)";
    const error = new TypeError(
      `a "${type}" message has a bad shape at ${where}: ${issue.message}`,
    );
    return { type: "error", error, event: type, raw: message.data };
  }
  const data = parsed.data;
  switch (type) {
    case "status":
      return { type, id: message.lastEventId, event: data as StatusEventJSON };
    case "runstart":
    case "runend":
      return { type, id: message.lastEventId, event: data as RunEvent };
    case "snapshot":
      return { type, snapshot: data as SnapshotJSON };
    case "reset": {
      const { reason, lastEventId } = data as ResetJSON;
      return { type, reason, lastEventId };
    }
  }
  const event = data as TaskEventJSON;
  if (event.eventType !== TASK_TYPES[type]) {
    const error = new TypeError(
      `a "${type}" message carries a task event of type "${event.eventType}"`,
    );
    return { type: "error", error, event: type, raw: message.data };
  }
  return { type: type as TaskMessage["type"], id: message.lastEventId, event };
}

const SCHEMAS: Record<string, z.ZodType> = {
  status: StatusEventSchema,
  taskstart: TaskEventSchema,
  taskcomplete: TaskEventSchema,
  taskretry: TaskEventSchema,
  taskfail: TaskEventSchema,
  runstart: RunEventSchema,
  runend: RunEventSchema,
  snapshot: SnapshotSchema,
  reset: ResetSchema,
};

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
