import * as z from "zod";
import type { PipelineLike } from "../pipeline/types.ts";
import type { StatusTracker } from "../tracker/status_tracker.ts";
import { type FieldRule, typeOrRangeError, validateOptions } from "../utils/validate.ts";

/** Options for {@linkcode antflowRoutes}. */
export interface AntflowRoutesOptions {
  /** The tracker whose events and state are served. */
  tracker: StatusTracker;
  /**
   * A pipeline: adds workers, per-stage counters and failures to snapshots, and turns on the
   * periodic `snapshot` event.
   */
  pipeline?: PipelineLike;
  /**
   * How many of the latest events are kept for clients that reconnect with `Last-Event-ID`.
   * @default {1000}
   */
  replay?: number;
  /**
   * How often a `: ping` comment is sent to each client, in ms (>= 50).
   * @default {15000}
   */
  heartbeatMs?: number;
  /**
   * How often a `snapshot` event is sent while a pipeline is attached, in ms (>= 50).
   * @default {1000}
   */
  snapshotMs?: number;
  /**
   * The reconnection delay sent to clients (`retry:`), in ms.
   * @default {3000}
   */
  retryMs?: number;
  /**
   * How many messages may wait unread for one client; past that the client is disconnected (it
   * reconnects and resumes), so a slow reader never grows the server's memory without bound.
   * @default {10000}
   */
  maxBufferedEvents?: number;
  /**
   * How many `/events` streams may be open at once; more get `503`.
   * @default {1000}
   */
  maxClients?: number;
  /**
   * Send event metadata keys beyond `error`, `errorType` and `attempt` (the engine sets only those;
   * other keys may come from custom producers and could carry item data). Item values themselves
   * are never part of an event.
   * @default {false}
   */
  exposeValues?: boolean;
}

/** The options with every default filled in. */
export interface ResolvedRoutesOptions {
  tracker: StatusTracker;
  pipeline: PipelineLike | undefined;
  replay: number;
  heartbeatMs: number;
  snapshotMs: number;
  retryMs: number;
  maxBufferedEvents: number;
  maxClients: number;
  exposeValues: boolean;
}

const MAX_TIMER = 2_147_483_647;
const TRACKER_METHODS = [
  "addEventListener",
  "removeEventListener",
  "getStats",
  "getStatus",
  "getHistory",
  "getTrackedIds",
  "getErrorSummary",
];
const PIPELINE_METHODS = ["getDashboardSnapshot", "getWorkerStates"];

function hasMethods(value: unknown, names: string[]): boolean {
  return value !== null && typeof value === "object" &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === "function");
}

const intAtLeast = (min: number) => z.number().int().min(min).max(Number.MAX_SAFE_INTEGER);
const msAtLeast50 = z.number().min(50).max(MAX_TIMER).optional();

const RULES: Record<string, FieldRule> = {
  tracker: {
    schema: z.custom((v) => hasMethods(v, TRACKER_METHODS)),
    rule: "must be a StatusTracker",
  },
  pipeline: {
    schema: z.custom((v) => v === undefined || hasMethods(v, PIPELINE_METHODS)),
    rule: "must be a Pipeline (with getDashboardSnapshot and getWorkerStates)",
  },
  replay: { schema: intAtLeast(1).optional(), rule: "must be an integer >= 1" },
  heartbeatMs: { schema: msAtLeast50, rule: `must be a number of ms in [50, ${MAX_TIMER}]` },
  snapshotMs: { schema: msAtLeast50, rule: `must be a number of ms in [50, ${MAX_TIMER}]` },
  retryMs: { schema: intAtLeast(0).optional(), rule: "must be an integer >= 0" },
  maxBufferedEvents: { schema: intAtLeast(1).optional(), rule: "must be an integer >= 1" },
  maxClients: { schema: intAtLeast(1).optional(), rule: "must be an integer >= 1" },
  exposeValues: { schema: z.boolean().optional(), rule: "must be a boolean" },
};

/**
 * Validates the options and fills in the defaults.
 *
 * @throws {TypeError} For a value of the wrong type (or a missing tracker).
 * @throws {RangeError} For a number out of range.
 */
export function resolveRoutesOptions(options: AntflowRoutesOptions): ResolvedRoutesOptions {
  validateOptions("antflowRoutes", options, RULES, typeOrRangeError);
  return {
    tracker: options.tracker,
    pipeline: options.pipeline,
    replay: options.replay ?? 1000,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    snapshotMs: options.snapshotMs ?? 1000,
    retryMs: options.retryMs ?? 3000,
    maxBufferedEvents: options.maxBufferedEvents ?? 10_000,
    maxClients: options.maxClients ?? 1000,
    exposeValues: options.exposeValues ?? false,
  };
}
