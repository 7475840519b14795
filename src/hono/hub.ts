import type { PipelineLike } from "../pipeline/types.ts";
import type { StatusEvent, StatusEventJSON, TaskEvent, TaskEventJSON } from "../tracker/events.ts";
import type { FailedItem } from "../tracker/error_summary.ts";
import type { LatencySnapshot } from "../tracker/latency.ts";
import { copyRun, type RunEvent } from "../tracker/run_event.ts";
import type { StatusTracker } from "../tracker/status_tracker.ts";
import { encodeSSE } from "../sse/encode.ts";
import { STATUS_TYPES, type StatusType } from "../tracker/types.ts";
import { STREAMED_TYPES, type StreamedEvent, type StreamedType } from "./filters.ts";
import { IdRing } from "./ring.ts";

/** One tracker event, numbered and serialised once for every client. */
export interface HubEntry {
  id: number;
  type: StreamedType;
  event: StreamedEvent;
  /** The whole SSE message, UTF-8. */
  bytes: Uint8Array;
}

/** A connected stream, as the hub sees it. */
export interface HubClient {
  deliver(entry: HubEntry): void;
}

/** What a client gets on connecting: the events it missed, or why it cannot resume. */
export type Resume = { entries: HubEntry[] } | { reset: string };

/**
 * The served tracker's failures: the counts in every snapshot, `failedItems` only where a client
 * starts from it (`GET /snapshot` and a connection's first `snapshot`), not in the periodic ones.
 */
export interface SnapshotErrorsJSON {
  totalFailed: number;
  errorsByType: Record<string, number>;
  errorsByStage: Record<string, number>;
  failedItems?: FailedItem[];
}

/** What `GET /snapshot` and the `snapshot` event carry. */
export interface SnapshotJSON {
  stats: ReturnType<StatusTracker["getStats"]>;
  pipeline: ReturnType<PipelineLike["getDashboardSnapshot"]> | null;
  lastEventId: number;
  errors: SnapshotErrorsJSON;
  /** `tracker.getRuns()`: the newest runs, oldest first (one without `endedAt` is going on). */
  runs: RunEvent[];
  /** `tracker.getLatency()`: duration percentiles per stage and per task. */
  latency: LatencySnapshot;
}

/**
 * What a summary `snapshot` adds: how many events were numbered since the client's previous
 * snapshot (ids in `(sinceEventId, lastEventId]`), by type and, for `status` events, by status.
 * The counts cover every event, whatever the client's filters.
 */
export interface SnapshotChangesJSON {
  sinceEventId: number;
  events: Record<StreamedType, number>;
  statuses: Record<StatusType, number>;
}

/** Where a summary stream's previous snapshot left off (shared by the clients at that id). */
export interface SummaryMark {
  readonly id: number;
  /** The hub's running totals at `id`. */
  readonly totals: Float64Array;
}

const ENCODER = new TextEncoder();
/** Slots of the running totals: one per streamed type, then one per status. */
const TYPE_SLOT: Record<string, number> = Object.fromEntries(STREAMED_TYPES.map((t, i) => [t, i]));
const STATUS_SLOT: Record<string, number> = Object.fromEntries(
  STATUS_TYPES.map((status, i) => [status, STREAMED_TYPES.length + i]),
);
const TOTAL_SLOTS = STREAMED_TYPES.length + STATUS_TYPES.length;
const SAFE_METADATA = new Set(["error", "errorType", "attempt"]);

/**
 * The one tracker subscription behind an `antflowRoutes()` instance: numbers every event (1, 2, …
 * in dispatch order), serialises it once, keeps the latest `replay` of them for clients that
 * resume, and hands each to every connected client.
 *
 * It listens from the first client on, and keeps listening for `lingerMs` after the last one
 * leaves (so a reconnecting client resumes without loss). The first event after that stops the
 * subscription, which gives the tracker its no-listener fast path back; the buffered events are
 * dropped then, and any later resume gets a `reset` (the id sequence skips one number so that an
 * old id can never look current).
 *
 * @internal
 */
export class EventHub {
  #tracker: StatusTracker;
  #pipeline: PipelineLike | undefined;
  #exposeValues: boolean;
  #lingerMs: number;
  #ring: IdRing<HubEntry>;
  #clients = new Set<HubClient>();
  #lastId = 0;
  /** The smallest `Last-Event-ID` that can still be resumed. */
  #floor = 0;
  #listening = false;
  #missedEvents = false;
  #idleSince = 0;
  #snapshotCache: { lastId: number; at: number; json: string; bytes: Uint8Array } | undefined;
  /** Events numbered so far, by type and by status (see TYPE_SLOT, STATUS_SLOT). */
  #totals = new Float64Array(TOTAL_SLOTS);
  #mark: SummaryMark | undefined;
  #onEvent = (e: Event): void => this.#record(e);

  constructor(
    tracker: StatusTracker,
    pipeline: PipelineLike | undefined,
    options: { replay: number; lingerMs: number; exposeValues: boolean },
  ) {
    this.#tracker = tracker;
    this.#pipeline = pipeline;
    this.#exposeValues = options.exposeValues;
    this.#lingerMs = options.lingerMs;
    this.#ring = new IdRing(options.replay);
  }

  /** The newest id given to an event (0 before the first). */
  get lastEventId(): number {
    return this.#lastId;
  }

  /** How many clients are connected. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * Connects a client. Synchronous, so no event can fall between the resume and the live events.
   *
   * @param lastEventId The client's `Last-Event-ID`, if it sent one.
   */
  attach(client: HubClient, lastEventId: string | undefined): Resume {
    if (!this.#listening) this.#listen();
    this.#clients.add(client);
    // An empty Last-Event-ID is the WHATWG "no id yet" (browsers then send no header at all).
    if (lastEventId === undefined || lastEventId === "") return { entries: [] };
    if (!/^\d{1,16}$/.test(lastEventId) || !Number.isSafeInteger(Number(lastEventId))) {
      return { reset: "malformed" };
    }
    const id = Number(lastEventId);
    if (id > this.#lastId) return { reset: "unknown" };
    if (id < this.#floor) return { reset: "expired" };
    return { entries: this.#ring.after(id) };
  }

  /** Disconnects a client (idempotent). */
  detach(client: HubClient): void {
    if (this.#clients.delete(client) && this.#clients.size === 0) this.#idleSince = Date.now();
  }

  /**
   * The `snapshot` data as of now.
   *
   * @param withFailedItems Include `errors.failedItems` (a scan of the tracked items): for a
   * client's starting point, not for the periodic snapshots.
   */
  snapshot(withFailedItems = true): SnapshotJSON {
    const summary = this.#tracker.getErrorSummary();
    const errors: SnapshotErrorsJSON = {
      totalFailed: summary.totalFailed,
      errorsByType: summary.errorsByType,
      errorsByStage: summary.errorsByStage,
    };
    if (withFailedItems) errors.failedItems = summary.failedItems;
    return {
      stats: this.#tracker.getStats(),
      pipeline: this.#pipeline?.getDashboardSnapshot() ?? null,
      lastEventId: this.#lastId,
      errors,
      runs: this.#tracker.getRuns(),
      latency: this.#tracker.getLatency(),
    };
  }

  /**
   * The `snapshot` SSE message. Clients that ask within a few ms of each other, with no event in
   * between, share one serialisation.
   *
   * @param retryMs A `retry:` field to carry (a connection's first snapshot, which also lists the
   * failed items), not cached.
   */
  snapshotMessage(retryMs?: number): Uint8Array {
    if (retryMs !== undefined) {
      const data = JSON.stringify(this.snapshot());
      return ENCODER.encode(encodeSSE({ event: "snapshot", retry: retryMs, data }));
    }
    return this.#periodicSnapshot().bytes;
  }

  /**
   * A summary stream's `snapshot` message: the periodic snapshot plus `changes` since `since` (the
   * mark of the client's previous one, or of its first snapshot).
   *
   * @returns The message and the mark to pass next time.
   */
  summaryMessage(since: SummaryMark): { bytes: Uint8Array; mark: SummaryMark } {
    const { json } = this.#periodicSnapshot();
    const mark = this.summaryMark();
    const changes = JSON.stringify(changesBetween(since, mark));
    const data = `${json.slice(0, -1)},"changes":${changes}}`;
    return { bytes: ENCODER.encode(encodeSSE({ event: "snapshot", data })), mark };
  }

  /** The current id and running totals (one object per id, shared by every client). */
  summaryMark(): SummaryMark {
    const mark = this.#mark;
    if (mark !== undefined && mark.id === this.#lastId) return mark;
    return (this.#mark = { id: this.#lastId, totals: this.#totals.slice() });
  }

  #periodicSnapshot(): { json: string; bytes: Uint8Array } {
    const now = Date.now();
    const cache = this.#snapshotCache;
    if (cache !== undefined && cache.lastId === this.#lastId && now - cache.at < 20) return cache;
    const json = JSON.stringify(this.snapshot(false));
    const bytes = ENCODER.encode(encodeSSE({ event: "snapshot", data: json }));
    this.#snapshotCache = { lastId: this.#lastId, at: now, json, bytes };
    return this.#snapshotCache;
  }

  /** An item event's JSON as served (metadata beyond the engine's keys only with `exposeValues`). */
  toJSON(event: StatusEvent | TaskEvent): StatusEventJSON | TaskEventJSON {
    const json = event.toJSON();
    if (this.#exposeValues || !("metadata" in json)) return json;
    const metadata = json.metadata;
    for (const key in metadata) {
      if (SAFE_METADATA.has(key)) continue;
      const safe: Record<string, unknown> = {};
      for (const name of SAFE_METADATA) if (name in metadata) safe[name] = metadata[name];
      return { ...json, metadata: safe };
    }
    return json;
  }

  #listen(): void {
    this.#listening = true;
    if (this.#missedEvents) {
      this.#missedEvents = false;
      this.#lastId++;
      this.#floor = this.#lastId;
    }
    for (const type of STREAMED_TYPES) this.#tracker.addEventListener(type, this.#onEvent);
  }

  #unlisten(): void {
    this.#listening = false;
    this.#missedEvents = true;
    this.#ring.clear();
    this.#snapshotCache = undefined;
    for (const type of STREAMED_TYPES) this.#tracker.removeEventListener(type, this.#onEvent);
  }

  #record(e: Event): void {
    if (this.#clients.size === 0 && Date.now() - this.#idleSince > this.#lingerMs) {
      this.#unlisten();
      return;
    }
    const event = (e as CustomEvent<StreamedEvent>).detail;
    const type = e.type as StreamedType;
    const data = this.#serialise(type, event);
    if (data === undefined) return;
    const id = ++this.#lastId;
    this.#count(type, event);
    const entry: HubEntry = {
      id,
      type,
      event,
      bytes: ENCODER.encode(encodeSSE({ event: type, id, data })),
    };
    const dropped = this.#ring.push(entry);
    if (dropped !== undefined) this.#floor = dropped.id;
    for (const client of this.#clients) client.deliver(entry);
  }

  #count(type: StreamedType, event: StreamedEvent): void {
    const totals = this.#totals;
    totals[TYPE_SLOT[type]]++;
    if (type !== "status") return;
    const slot = STATUS_SLOT[(event as StatusEvent).status];
    if (slot !== undefined) totals[slot]++;
  }

  /** The event's `data:`, or `undefined` for a detail that is not a tracker event (ignored). */
  #serialise(type: StreamedType, event: StreamedEvent): string | undefined {
    if (event === null || typeof event !== "object") return undefined;
    if (type === "runstart" || type === "runend") {
      const run = event as RunEvent;
      if (typeof run.runId !== "string") return undefined;
      return JSON.stringify(copyRun(run)); // the documented fields only
    }
    const item = event as StatusEvent | TaskEvent;
    if (typeof item.toJSON !== "function") return undefined;
    return JSON.stringify(this.toJSON(item));
  }
}

function changesBetween(since: SummaryMark, now: SummaryMark): SnapshotChangesJSON {
  const events = {} as Record<StreamedType, number>;
  const statuses = {} as Record<StatusType, number>;
  for (const type of STREAMED_TYPES) {
    const slot = TYPE_SLOT[type];
    events[type] = now.totals[slot] - since.totals[slot];
  }
  for (const status of STATUS_TYPES) {
    const slot = STATUS_SLOT[status];
    statuses[status] = now.totals[slot] - since.totals[slot];
  }
  return { sinceEventId: since.id, events, statuses };
}
