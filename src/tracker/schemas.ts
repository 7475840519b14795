import { z } from "zod";
import type { StatusEventJSON, TaskEventJSON } from "./events.ts";
import { STATUS_TYPES, TASK_EVENT_TYPES } from "./types.ts";

const itemId = z.union([z.string(), z.number()]);

/** One problem found by a schema. */
export interface SchemaIssue {
  /** Where in the value. */
  readonly path: PropertyKey[];
  /** What is wrong. */
  readonly message: string;
}

/** The result of `safeParse`. */
export type SafeParseResult<T> =
  | { readonly success: true; readonly data: T }
  | {
    readonly success: false;
    readonly error: { readonly issues: readonly SchemaIssue[]; readonly message: string };
  };

/**
 * The interface the exported event schemas promise. They are zod schemas at run time; this type
 * names the part of zod's API that AntFlow guarantees (so the docs do not depend on zod's types).
 */
export interface JsonSchema<T> {
  /**
   * Returns the value typed, or throws a `ZodError`.
   * @param data The value to check.
   * @returns The value.
   */
  parse(data: unknown): T;
  /**
   * Checks without throwing.
   * @param data The value to check.
   * @returns `{ success, data }` or `{ success: false, error }`.
   */
  safeParse(data: unknown): SafeParseResult<T>;
}

/**
 * The zod schema of a status event's JSON (`StatusEvent.toJSON()`, the SSE `status` message).
 *
 * @example
 * ```ts
 * import { StatusEvent, StatusEventSchema } from "@antflow/antflow";
 * const json = JSON.parse(JSON.stringify(new StatusEvent(1, "Fetch", "queued")));
 * console.log(StatusEventSchema.parse(json).status); // "queued"
 * ```
 */
export const StatusEventSchema: JsonSchema<StatusEventJSON> = z.object({
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
 * const json = JSON.parse(JSON.stringify(new TaskEvent(1, "Fetch", "get", "Fetch-W0", "start", 1)));
 * console.log(TaskEventSchema.parse(json).eventType); // "start"
 * ```
 */
export const TaskEventSchema: JsonSchema<TaskEventJSON> = z.object({
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
