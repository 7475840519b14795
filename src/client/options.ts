import * as z from "zod";
import { SSE_EVENT_TYPES } from "../sse/event_types.ts";
import { STATUS_TYPES, type StatusType } from "../tracker/types.ts";
import type { ItemId } from "../tracker/types.ts";
import type { StatusTrackerOptions } from "../tracker/status_tracker.ts";
import { OPTION_RULES as TRACKER_RULES } from "../tracker/tracker_options.ts";
import {
  CHECKED_BY_OWNER,
  describeValue,
  type FieldRule,
  typeOrRangeError,
  validateOptions,
} from "../utils/validate.ts";

/**
 * The tracker event types the server streams (and the `types` filter accepts).
 *
 * @example
 * ```ts
 * import { TRACKER_EVENT_TYPES } from "@antflow/antflow/client";
 * console.log(TRACKER_EVENT_TYPES.join(","));
 * // status,taskstart,taskcomplete,taskretry,taskfail,runstart,runend
 * ```
 */
export const TRACKER_EVENT_TYPES: typeof SSE_EVENT_TYPES = SSE_EVENT_TYPES;

/**
 * One of the tracker event types: `status | taskstart | taskcomplete | taskretry | taskfail |
 * runstart | runend`.
 */
export type TrackerEventType = typeof TRACKER_EVENT_TYPES[number];

/** The `fetch` the client calls; any function with the shape of the global `fetch` will do. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** How the client connects and reconnects (shared by `subscribe()` and `RemoteTracker`). */
export interface ConnectionOptions {
  /** Aborting it ends the stream and closes the connection at once (the stream closes normally). */
  signal?: AbortSignal;
  /** Extra request headers (e.g. `Authorization`). */
  headers?: HeadersInit;
  /**
   * The `fetch` to use: inject one to add credentials, route through a service binding (edge) or
   * serve from memory (tests).
   * @default {globalThis.fetch}
   */
  fetch?: FetchLike;
  /**
   * The base reconnection delay until the server sends `retry:`, in milliseconds.
   * @default {3000}
   */
  retryMs?: number;
  /**
   * The cap of the exponential backoff between failed reconnections, in milliseconds (never below
   * the server's `retry:`).
   * @default {30000}
   */
  maxRetryMs?: number;
  /**
   * How many reconnections in a row may fail (no message received) before the stream fails with
   * the last error.
   * @default {Infinity}
   */
  maxRetries?: number;
  /**
   * Treat the connection as dead when no byte arrives for this long while the client waits for
   * data (heartbeats count), and reconnect. Set it to a few times the server's `heartbeatMs` to
   * detect half-open connections that would otherwise hang forever.
   * @default {Infinity}
   */
  idleTimeoutMs?: number;
}

/** Options for `subscribe()`: the connection, the server-side filters and where to resume. */
export interface SubscribeOptions extends ConnectionOptions {
  /** Only these tracker event types (`types=` query parameter). */
  types?: TrackerEventType | readonly TrackerEventType[];
  /** Only events of this stage (`stage=`). */
  stage?: string;
  /** Only status events with these statuses (`status=`). */
  status?: StatusType | readonly StatusType[];
  /** Only events of this item (`item=`, matched against `String(itemId)` on the server). */
  item?: ItemId;
  /** Resume after this event id (sent as the `Last-Event-ID` header). */
  lastEventId?: string | number;
}

const fn = z.custom<(...args: unknown[]) => unknown>((v) => typeof v === "function");
const nonNegative = z.number().min(0).refine((v) => !Number.isNaN(v));
const headersSchema = z.custom<HeadersInit>((v) => {
  if (v === undefined) return true;
  if (v === null || typeof v !== "object") return false;
  try {
    new Headers(v as HeadersInit);
    return true;
  } catch {
    return false;
  }
});
const signalSchema = z.custom<AbortSignal>((v) =>
  v === undefined || (typeof AbortSignal === "function" && v instanceof AbortSignal)
);

const CONNECTION_RULES = {
  signal: { schema: signalSchema, rule: "must be an AbortSignal" },
  headers: { schema: headersSchema, rule: "must be a Headers, an array of pairs or a record" },
  fetch: { schema: fn.optional(), rule: "must be a function" },
  retryMs: { schema: nonNegative.finite().optional(), rule: "must be a finite number >= 0" },
  maxRetryMs: { schema: nonNegative.optional(), rule: "must be a number >= 0" },
  maxRetries: {
    schema: z.union([z.literal(Infinity), z.number().int().min(0)]).optional(),
    rule: "must be an integer >= 0 or Infinity",
  },
  idleTimeoutMs: {
    schema: z.number().positive().optional(),
    rule: "must be a number > 0 or Infinity",
  },
};

/** A schema accepting one of `values` or an array of them (or undefined). */
function oneOrMany<T extends string>(values: readonly [T, ...T[]]) {
  const one = z.enum(values);
  return z.union([one, z.array(one).readonly()]).optional();
}

const SUBSCRIBE_RULES = {
  ...CONNECTION_RULES,
  types: {
    schema: oneOrMany(TRACKER_EVENT_TYPES),
    rule: `must be one or an array of ${TRACKER_EVENT_TYPES.join(", ")}`,
  },
  stage: { schema: z.string().min(1).optional(), rule: "must be a non-empty string" },
  status: {
    schema: oneOrMany(STATUS_TYPES),
    rule: `must be one or an array of ${STATUS_TYPES.join(", ")}`,
  },
  item: {
    schema: z.union([z.string(), z.number().finite()]).optional(),
    rule: "must be a string or a finite number",
  },
  lastEventId: {
    schema: z.union([z.string().regex(/^[^\0\r\n]*$/), z.number().int().min(0)]).optional(),
    rule: "must be an integer >= 0 or a string without NUL, CR or LF",
  },
};

/**
 * Every key `RemoteTracker` accepts: the tracker's (checked by `StatusTracker`), the connection's
 * and `autoStart`.
 */
const REMOTE_TRACKER_RULES: Record<string, FieldRule> = {
  ...Object.fromEntries(Object.keys(TRACKER_RULES).map((key) => [key, CHECKED_BY_OWNER])),
  ...CONNECTION_RULES,
  autoStart: { schema: z.boolean().optional(), rule: "must be a boolean" },
};

/**
 * Validates the options of `RemoteTracker` (its keys, the connection part and `autoStart`) and
 * returns the part `StatusTracker` takes (a non-object as it is, for `StatusTracker` to reject).
 *
 * @throws {TypeError} An unknown option or a value of the wrong type.
 * @throws {RangeError} A number out of range.
 */
export function remoteTrackerOptions(owner: string, options: unknown): StatusTrackerOptions {
  if (options === null || typeof options !== "object") return options as StatusTrackerOptions;
  validateOptions(owner, options, REMOTE_TRACKER_RULES, typeOrRangeError);
  const record = options as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(TRACKER_RULES).filter((key) => key in record).map((key) => [key, record[key]]),
  );
}

/**
 * Validates `subscribe()`'s options.
 *
 * @throws {TypeError} A value of the wrong type.
 * @throws {RangeError} A number out of range.
 */
export function validateSubscribeOptions(owner: string, options: SubscribeOptions): void {
  validateOptions(owner, options, SUBSCRIBE_RULES, typeOrRangeError);
}

/**
 * Resolves `url` (relative URLs against `location` in a page), checks that it is an `http:` or
 * `https:` URL, and sets the filter parameters.
 *
 * @throws {TypeError} If `url` is not a string or URL, cannot be parsed, is relative outside a
 * page, or has another scheme (`ws:`, `ftp:`, or `localhost:` from a URL written without one).
 */
export function buildUrl(owner: string, url: string | URL, options: SubscribeOptions): URL {
  const resolved = resolveUrl(owner, url);
  const list = (value: string | readonly string[]): string =>
    typeof value === "string" ? value : value.join(",");
  const params = resolved.searchParams;
  if (options.types !== undefined) params.set("types", list(options.types));
  if (options.stage !== undefined) params.set("stage", options.stage);
  if (options.status !== undefined) params.set("status", list(options.status));
  if (options.item !== undefined) params.set("item", String(options.item));
  return resolved;
}

function resolveUrl(owner: string, url: string | URL): URL {
  if (typeof url !== "string" && !(url instanceof URL)) {
    throw new TypeError(`${owner}: url must be a string or a URL, got ${describeValue(url)}`);
  }
  const base = documentBase();
  const rule = base === undefined
    ? "must be an absolute http: or https: URL"
    : "must be an http: or https: URL (absolute, or relative to the page)";
  const text = String(url);
  const got = describeValue(text);
  let resolved: URL | undefined;
  try {
    resolved = new URL(text, base);
  } catch {
    // reported below
  }
  if (resolved === undefined) {
    const hint = base === undefined && !/^[a-z][a-z0-9+.-]*:/i.test(text)
      ? " (a relative URL resolves only in a page)"
      : "";
    throw new TypeError(`${owner}: url ${rule}, got ${got}${hint}`);
  }
  if (resolved.protocol !== "http:" && resolved.protocol !== "https:") {
    // "localhost:8787/events" parses, with the scheme "localhost:".
    const hint = /^[a-z0-9.-]+:\d+(\/|$)/i.test(text)
      ? ` (did you mean ${JSON.stringify(`http://${text}`)}?)`
      : "";
    throw new TypeError(`${owner}: url ${rule}, got ${got}${hint}`);
  }
  return resolved;
}

function documentBase(): string | undefined {
  try {
    // Deno throws on `location` without --location; elsewhere it is undefined outside a page.
    const href = (globalThis as { location?: { href?: unknown } }).location?.href;
    return typeof href === "string" ? href : undefined;
  } catch {
    return undefined;
  }
}
