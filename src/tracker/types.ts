/** An item's id: its sequence number by default, or what `idOf` returned. */
export type ItemId = string | number;

/**
 * The lifecycle statuses of an item, in the order they usually occur.
 *
 * @example
 * ```ts
 * import { STATUS_TYPES, StatusTracker } from "@antflow/antflow";
 * const stats = new StatusTracker().getStats();
 * for (const status of STATUS_TYPES) console.log(status, stats[status]);
 * ```
 */
export const STATUS_TYPES = [
  "queued",
  "in_progress",
  "completed",
  "failed",
  "retrying",
  "skipped",
  "cancelled",
] as const;

/** An item's status: `queued | in_progress | completed | failed | retrying | skipped | cancelled`. */
export type StatusType = typeof STATUS_TYPES[number];

/** @internal Status codes (indexes in STATUS_TYPES), as the engine passes them to a tracker. */
export const STATUS = {
  queued: 0,
  in_progress: 1,
  completed: 2,
  failed: 3,
  retrying: 4,
  skipped: 5,
  cancelled: 6,
} as const;

/**
 * The kinds of task attempt events (`taskstart`… are their CustomEvent names).
 *
 * @example
 * ```ts
 * import { TASK_EVENT_TYPES } from "@antflow/antflow";
 * console.log(TASK_EVENT_TYPES.map((type) => `task${type}`)); // ["taskstart", "taskcomplete", …]
 * ```
 */
export const TASK_EVENT_TYPES = ["start", "complete", "retry", "fail"] as const;

/** A task attempt event's kind: `start | complete | retry | fail`. */
export type TaskEventType = typeof TASK_EVENT_TYPES[number];

/** Extra facts on a status event: the error (message) and its type, and the attempt number. */
export interface StatusMetadata {
  /** The error's message (`failed`, `retrying`). */
  error?: string;
  /** The error's `name` (`failed`, `retrying`). */
  errorType?: string;
  /** `retrying`: the attempt that comes next; `failed`: the attempt that failed last. */
  attempt?: number;
  /** Anything else a producer of events attached. */
  [key: string]: unknown;
}

/** A JSON view of an error: never a stack. */
export interface ErrorJSON {
  /** The error's `name`. */
  name: string;
  /** The error's `message`. */
  message: string;
}
