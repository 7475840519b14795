/**
 * The `publishEvents` option of `natsPipeline()` and the options of `ClusterTracker`, validated
 * once at the call.
 *
 * @module
 */
import * as z from "zod";
import { PipelineError } from "../../errors.ts";
import { OPTION_RULES, type StatusTrackerOptions } from "../../tracker/tracker_options.ts";
import { type FieldRule, typeOrRangeError, validateOptions } from "../../utils/validate.ts";

/** What a process publishes for the cluster view (`natsPipeline(…, { publishEvents })`). */
export interface NatsEventsOptions {
  /**
   * This process's name in the cluster view: its workers appear as `<process>/<worker>` (in item
   * histories and the worker table). Default: `<host>-<pid>` where the runtime tells them, else a
   * random token.
   */
  process?: string;
  /**
   * Publish status metadata keys beyond `error`, `errorType` and `attempt` (custom producers may
   * put item data there), as the SSE adapter's `exposeValues`. Item values themselves never go
   * onto the events subjects.
   * @default {false}
   */
  exposeValues?: boolean;
  /**
   * Publish task events (`taskstart`…, live only, core NATS). The engine builds them only then.
   * @default {true}
   */
  tasks?: boolean;
  /**
   * Status events the events stream keeps per item (the newest): a viewer that joins late
   * rebuilds every item's state (and that much of its history) from them.
   * @default {16}
   */
  historyPerItem?: number;
  /** How long the events stream keeps an event. @default {86400000} (a day) */
  maxAgeMs?: number;
  /** The events stream's size bound in bytes (the oldest events go first). @default {1073741824} */
  maxBytes?: number;
  /** How often this process reports its workers. @default {1000} */
  heartbeatMs?: number;
  /**
   * A process whose last report is older than this has gone away: the workers bucket's
   * `max_age`, and when viewers mark it gone. At least twice `heartbeatMs`.
   * @default {5000}
   */
  workersTtlMs?: number;
}

/** {@linkcode NatsEventsOptions} with their defaults. */
export type ResolvedEventsOptions = Required<Omit<NatsEventsOptions, "process">> & {
  process: string | undefined;
};

const ms = z.number().int().min(1).optional();
const EVENT_RULES: Record<string, FieldRule> = {
  process: {
    schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
    rule: "must be 1-64 characters of A-Z, a-z, 0-9, _ and -",
  },
  exposeValues: { schema: z.boolean().optional(), rule: "must be a boolean" },
  tasks: { schema: z.boolean().optional(), rule: "must be a boolean" },
  historyPerItem: {
    schema: z.number().int().min(1).max(1000).optional(),
    rule: "must be an integer from 1 to 1000",
  },
  maxAgeMs: { schema: ms, rule: "must be an integer >= 1" },
  maxBytes: { schema: z.number().int().min(1024).optional(), rule: "must be an integer >= 1024" },
  heartbeatMs: { schema: z.number().int().min(50).optional(), rule: "must be an integer >= 50" },
  workersTtlMs: { schema: ms, rule: "must be an integer >= 1" },
};

/**
 * `publishEvents` with its defaults, or `undefined` when off.
 *
 * @throws {PipelineError} When a field is invalid.
 */
export function resolveEventsOptions(
  value: boolean | NatsEventsOptions | undefined,
): ResolvedEventsOptions | undefined {
  const owner = "natsPipeline: publishEvents";
  if (value === undefined || value === false) return undefined;
  const options = value === true ? {} : value;
  validateOptions(owner, options, EVENT_RULES, (message) => new PipelineError(message));
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const workersTtlMs = options.workersTtlMs ?? Math.max(5000, heartbeatMs * 3);
  if (workersTtlMs < 2 * heartbeatMs) {
    throw new PipelineError(
      `${owner}: workersTtlMs must be at least twice heartbeatMs (${heartbeatMs}), got ${workersTtlMs}`,
    );
  }
  return {
    process: options.process,
    exposeValues: options.exposeValues ?? false,
    tasks: options.tasks ?? true,
    historyPerItem: options.historyPerItem ?? 16,
    maxAgeMs: options.maxAgeMs ?? 86_400_000,
    maxBytes: options.maxBytes ?? 1024 * 1024 * 1024,
    heartbeatMs,
    workersTtlMs,
  };
}

/** Options of {@linkcode ClusterTracker}: the pipeline's name, where to start, tracker options. */
export interface ClusterTrackerOptions extends StatusTrackerOptions {
  /** The pipeline's name on the server (as given to `natsPipeline()`). */
  name: string;
  /**
   * `"start"`: rebuild from every event the stream still holds (a late viewer sees the current
   * state of every item), then follow; `"now"`: only events published from now on.
   * @default {"start"}
   */
  from?: "start" | "now";
  /** How long a process that went away stays listed (without workers). @default {600000} */
  keepGoneMs?: number;
  /** How often the view asks the server how many items wait per stage. @default {1000} */
  pollMs?: number;
}

const CLUSTER_RULES: Record<string, FieldRule> = {
  ...OPTION_RULES,
  name: { schema: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), rule: "must be a pipeline name" },
  from: { schema: z.enum(["start", "now"]).optional(), rule: 'must be "start" or "now"' },
  keepGoneMs: { schema: z.number().int().min(0).optional(), rule: "must be an integer >= 0" },
  pollMs: { schema: z.number().int().min(50).optional(), rule: "must be an integer >= 50" },
};

/** The tracker options of `options` (validated with the cluster's own). */
export function splitClusterOptions(
  options: ClusterTrackerOptions,
): { tracker: StatusTrackerOptions; from: "start" | "now"; keepGoneMs: number; pollMs: number } {
  validateOptions("ClusterTracker", options, CLUSTER_RULES, typeOrRangeError);
  const { name: _n, from, keepGoneMs, pollMs, ...tracker } = options;
  return {
    tracker,
    from: from ?? "start",
    keepGoneMs: keepGoneMs ?? 600_000,
    pollMs: pollMs ?? 1000,
  };
}
