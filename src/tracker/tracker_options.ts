import * as z from "zod";
import type { FieldRule } from "../utils/validate.ts";
import type { StatusEvent, TaskEvent } from "./events.ts";
import type { RunEvent } from "./run_event.ts";

/** A callback for status events; it may be async, and is awaited by the emitting worker. */
export type StatusCallback = (event: StatusEvent) => void | Promise<void>;
/** A callback for task events; it may be async, and is awaited by the emitting worker. */
export type TaskCallback = (event: TaskEvent) => void | Promise<void>;

/** A callback for run lifecycle events (`runstart`, `runend`); it may be async, and is awaited. */
export type RunCallback = (event: RunEvent) => void | Promise<void>;

/** What an `error` event carries: the thrown value, which callback threw, and its event. */
export interface TrackerErrorDetail {
  /** What the callback or listener threw. */
  error: unknown;
  /**
   * The callback's option name: `"onStatusChange"`, `"onTaskStart"`…, a stage's `"onSuccess"`,
   * `"onFailure"`, `"onSkip"`, `"skipIf"` or `"retryIf"` (then `stage` names the stage), or
   * `"listener:<type>"` for an event listener.
   */
  callback: string;
  /** The event being delivered when it threw (`undefined` for stage callbacks). */
  event: StatusEvent | TaskEvent | RunEvent | undefined;
  /** The stage whose callback threw, for stage callbacks only. */
  stage?: string;
}

/** The events a {@linkcode StatusTracker} dispatches, by name. */
export interface StatusTrackerEventMap {
  /** An item's status changed. */
  status: CustomEvent<StatusEvent>;
  /** A task attempt started. */
  taskstart: CustomEvent<TaskEvent>;
  /** A task attempt succeeded. */
  taskcomplete: CustomEvent<TaskEvent>;
  /** A task attempt failed and will be retried. */
  taskretry: CustomEvent<TaskEvent>;
  /** A task attempt failed for good. */
  taskfail: CustomEvent<TaskEvent>;
  /** A run (`run()`, `stream()`, or `feed()` calls up to their `join()`) started. */
  runstart: CustomEvent<RunEvent>;
  /** A run ended: every item reached a terminal state, or it was aborted. */
  runend: CustomEvent<RunEvent>;
  /** A callback or listener threw. */
  error: CustomEvent<TrackerErrorDetail>;
}

/** A typed listener for one of the tracker's events. */
export type StatusTrackerListener<K extends keyof StatusTrackerEventMap> =
  | ((event: StatusTrackerEventMap[K]) => unknown)
  | { handleEvent(event: StatusTrackerEventMap[K]): unknown };

/** Options for {@linkcode StatusTracker}. */
export interface StatusTrackerOptions {
  /** Called on every status change. */
  onStatusChange?: StatusCallback;
  /** Called when a task attempt starts. */
  onTaskStart?: TaskCallback;
  /** Called when a task attempt succeeds. */
  onTaskComplete?: TaskCallback;
  /** Called when a task attempt fails and will be retried. */
  onTaskRetry?: TaskCallback;
  /** Called when a task attempt fails for good. */
  onTaskFail?: TaskCallback;
  /** Called when a run starts. */
  onRunStart?: RunCallback;
  /** Called when a run ends (with its final counts). */
  onRunEnd?: RunCallback;
  /**
   * Status events kept per item (the newest ones).
   * @default {Infinity}
   */
  historyLimit?: number;
  /**
   * Items kept; when exceeded, the items that finished first are evicted (never unfinished ones).
   * `getStats()` stays exact.
   * @default {Infinity}
   */
  maxItems?: number;
}

const callbackSchema = z.custom<(...args: unknown[]) => unknown>((v) =>
  v === undefined || typeof v === "function"
);
const limitSchema = z.union([z.literal(Infinity), z.number().int().min(0)]).optional();
/** @internal The zod rules of `StatusTrackerOptions`. */
export const OPTION_RULES: Record<string, FieldRule> = {
  onStatusChange: { schema: callbackSchema, rule: "must be a function" },
  onTaskStart: { schema: callbackSchema, rule: "must be a function" },
  onTaskComplete: { schema: callbackSchema, rule: "must be a function" },
  onTaskRetry: { schema: callbackSchema, rule: "must be a function" },
  onTaskFail: { schema: callbackSchema, rule: "must be a function" },
  onRunStart: { schema: callbackSchema, rule: "must be a function" },
  onRunEnd: { schema: callbackSchema, rule: "must be a function" },
  historyLimit: { schema: limitSchema, rule: "must be an integer >= 0 or Infinity" },
  maxItems: { schema: limitSchema, rule: "must be an integer >= 0 or Infinity" },
};
