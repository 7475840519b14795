import * as z from "zod";
import type { StatusEventJSON, TaskEventJSON } from "./events.ts";
import type { RunEvent } from "./run_event.ts";
import { STATUS_TYPES, TASK_EVENT_TYPES } from "./types.ts";

const itemId = z.union([z.string(), z.number()]);

/**
 * The zod schema of a status event's JSON (`StatusEvent.toJSON()`, the SSE `status` message).
 *
 * @example
 * ```ts
 * import { StatusEvent, StatusEventSchema } from "@antflow/antflow";
 * const event = new StatusEvent({ itemId: 1, stage: "Fetch", status: "queued" });
 * const json = JSON.parse(JSON.stringify(event));
 * console.log(StatusEventSchema.parse(json).status); // "queued"
 * ```
 */
export const StatusEventSchema: z.ZodType<StatusEventJSON> = z.object({
  itemId,
  stage: z.string().nullable(),
  status: z.enum(STATUS_TYPES),
  worker: z.string().nullable(),
  timestamp: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  workerId: z.number().int().nonnegative().nullable(),
});

/**
 * The zod schema of a task event's JSON (`TaskEvent.toJSON()`, the SSE `task*` messages).
 *
 * @example
 * ```ts
 * import { TaskEvent, TaskEventSchema } from "@antflow/antflow";
 * const event = new TaskEvent({
 *   itemId: 1,
 *   stage: "Fetch",
 *   taskName: "get",
 *   worker: "Fetch-W0",
 *   eventType: "start",
 *   attempt: 1,
 * });
 * const json = JSON.parse(JSON.stringify(event));
 * console.log(TaskEventSchema.parse(json).eventType); // "start"
 * ```
 */
export const TaskEventSchema: z.ZodType<TaskEventJSON> = z.object({
  itemId,
  stage: z.string(),
  taskName: z.string(),
  worker: z.string().nullable(),
  eventType: z.enum(TASK_EVENT_TYPES),
  attempt: z.number().int().min(1),
  timestamp: z.number(),
  error: z.object({ name: z.string(), message: z.string() }).optional(),
  duration: z.number().nonnegative().optional(),
});

const count = z.number().int().nonnegative();

/**
 * The zod schema of a run lifecycle event (`runstart` / `runend` detail, and their SSE messages).
 *
 * @example
 * ```ts
 * import { RunEventSchema } from "@antflow/antflow";
 * const run = RunEventSchema.parse({
 *   runId: "r1",
 *   startedAt: 0,
 *   counts: { completed: 0, failed: 0, skipped: 0, cancelled: 0 },
 * });
 * console.log(run.runId); // "r1"
 * ```
 */
export const RunEventSchema: z.ZodType<RunEvent> = z.object({
  runId: z.string(),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  counts: z.object({ completed: count, failed: count, skipped: count, cancelled: count }),
});
