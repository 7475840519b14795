import * as z from "zod";
import { SSE_EVENT_TYPES } from "../sse/event_types.ts";
import type { StatusEvent, TaskEvent } from "../tracker/events.ts";
import type { RunEvent } from "../tracker/run_event.ts";
import { type ItemId, STATUS_TYPES } from "../tracker/types.ts";
import { describeValue } from "../utils/validate.ts";

/** The tracker event types streamed over SSE (the tracker's `error` event is never sent). */
export const STREAMED_TYPES: typeof SSE_EVENT_TYPES = SSE_EVENT_TYPES;

/** A tracker event type streamed over SSE. */
export type StreamedType = typeof STREAMED_TYPES[number];

/** A tracker event as the SSE adapter streams it: an item event or a run lifecycle event. */
export type StreamedEvent = StatusEvent | TaskEvent | RunEvent;

/**
 * Decides whether one event goes to one client, from what the filters look at: the type, and for
 * item events the item's id, the stage and (for `status` events) the status. Run events have none
 * of these (`undefined`).
 */
export type EventPredicate = (
  type: StreamedType,
  itemId: ItemId | undefined,
  stage: string | null | undefined,
  status: string | undefined,
) => boolean;

/** The `/events` modes: every event (`full`), or bounded-rate snapshots and failures (`summary`). */
export const STREAM_MODES = ["full", "summary"] as const;

/** How a client wants the stream: see {@linkcode STREAM_MODES}. */
export type StreamMode = typeof STREAM_MODES[number];

/** What the `/events` query asks for: which events, and in which mode. */
export interface StreamRequest {
  /** `undefined`: every event of the mode. */
  predicate: EventPredicate | undefined;
  mode: StreamMode;
  /** The same for requests that want the same events (their filters and mode, normalised). */
  key: string;
}

/** One problem found in the query (a plain copy of a zod issue). */
export interface FilterIssue {
  code: string;
  path: (string | number)[];
  message: string;
}

/** A query that failed validation: the 400 body. */
export interface FilterError {
  error: string;
  issues: FilterIssue[];
}

function commaList<T extends string>(allowed: readonly [T, ...T[]]) {
  return z.string()
    .transform((text) => text.split(",").map((part) => part.trim()).filter((part) => part !== ""))
    .pipe(z.array(z.enum(allowed)).min(1));
}

const FIELDS = {
  types: {
    schema: commaList(STREAMED_TYPES),
    rule: `must be a comma-separated list of ${STREAMED_TYPES.join(", ")}`,
  },
  status: {
    schema: commaList(STATUS_TYPES),
    rule: `must be a comma-separated list of ${STATUS_TYPES.join(", ")}`,
  },
  stage: { schema: z.string().min(1).max(1000), rule: "must be a stage name" },
  item: { schema: z.string().min(1).max(1000), rule: "must be an item id" },
  mode: { schema: z.enum(STREAM_MODES), rule: `must be ${STREAM_MODES.join(" or ")}` },
} as const;

type FieldName = keyof typeof FIELDS;

/**
 * Parses and validates the `/events` query: the filters (`types`, `stage`, `status`, `item`) and
 * the `mode` (`full`, the default, or `summary`).
 *
 * - `types`: only these event types.
 * - `stage`: only events of this stage.
 * - `status`: only `status` events with one of these statuses (task events have no status, so a
 *   `status` filter leaves them out).
 * - `item`: only events of the item whose `String(itemId)` is this.
 *
 * `stage`, `status` and `item` choose among item events; the run lifecycle events (`runstart`,
 * `runend`) belong to no stage, status or item, so they pass them (a client watching one stage
 * still learns when the run ends). Only `types` leaves them out.
 *
 * In `summary` mode only `failed` status events and the run lifecycle events are streamed (the
 * filters choose among those); the connection adds its bounded-rate snapshots.
 *
 * @returns The predicate (`undefined` when every event goes) and the mode, or the 400 body naming
 * the bad field.
 */
export function parseFilters(query: URLSearchParams): StreamRequest | { failure: FilterError } {
  const values: Partial<Record<FieldName, unknown>> = {};
  for (const name of Object.keys(FIELDS) as FieldName[]) {
    const given = query.getAll(name);
    if (given.length === 0) continue;
    if (given.length > 1) {
      return {
        failure: {
          error: `antflowRoutes /events: ${name} must be given once, got ${given.length} values`,
          issues: [{ code: "custom", path: [name], message: "given more than once" }],
        },
      };
    }
    const { schema, rule } = FIELDS[name];
    const parsed = schema.safeParse(given[0]);
    if (!parsed.success) {
      return {
        failure: {
          error: `antflowRoutes /events: ${name} ${rule}, got ${describeValue(given[0])}`,
          issues: parsed.error.issues.map((issue) => ({
            code: issue.code,
            path: [name, ...issue.path.map((key) => typeof key === "symbol" ? String(key) : key)],
            message: issue.message,
          })),
        },
      };
    }
    values[name] = parsed.data;
  }
  const parsed = values as ParsedFilters;
  const mode = parsed.mode ?? "full";
  const predicate = compile(parsed);
  return {
    predicate: mode === "summary" ? summaryOnly(predicate) : predicate,
    mode,
    key: keyOf(parsed, mode),
  };
}

interface ParsedFilters {
  types?: StreamedType[];
  status?: string[];
  stage?: string;
  item?: string;
  mode?: StreamMode;
}

function compile(filters: ParsedFilters): EventPredicate | undefined {
  const types = filters.types && new Set<string>(filters.types);
  const statuses = filters.status && new Set<string>(filters.status);
  const { stage, item } = filters;
  if (!types && !statuses && stage === undefined && item === undefined) return undefined;
  return (type, itemId, eventStage, status) => {
    if (types && !types.has(type)) return false;
    if (type === "runstart" || type === "runend") return true;
    if (statuses && (type !== "status" || !statuses.has(status!))) return false;
    if (stage !== undefined && eventStage !== stage) return false;
    if (item !== undefined && String(itemId) !== item) return false;
    return true;
  };
}

function keyOf(filters: ParsedFilters, mode: StreamMode): string {
  const set = (list: string[] | undefined) => list && [...new Set(list)].sort();
  return JSON.stringify([
    mode,
    set(filters.types),
    set(filters.status),
    filters.stage,
    filters.item,
  ]);
}

/** What a summary stream sends besides its snapshots: failures and run events (then `inner`). */
function summaryOnly(inner: EventPredicate | undefined): EventPredicate {
  return (type, itemId, stage, status) => {
    if (type === "status") {
      if (status !== "failed") return false;
    } else if (type !== "runstart" && type !== "runend") return false;
    return inner === undefined || inner(type, itemId, stage, status);
  };
}
