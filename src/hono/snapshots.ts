import type { PipelineLike } from "../pipeline/types.ts";
import type { FailedItem } from "../tracker/error_summary.ts";
import type { StatusEvent } from "../tracker/events.ts";
import type { StatusTracker } from "../tracker/status_tracker.ts";
import { STATUS_TYPES, type StatusType } from "../tracker/types.ts";
import { encodeSSE } from "../sse/encode.ts";
import { STREAMED_TYPES, type StreamedEvent, type StreamedType } from "./filters.ts";

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
  /** The running totals at `id`. */
  readonly totals: Float64Array;
}

const ENCODER = new TextEncoder();
/** Slots of the running totals: one per streamed type, then one per status. */
const TYPE_SLOT: Record<string, number> = Object.fromEntries(STREAMED_TYPES.map((t, i) => [t, i]));
const STATUS_SLOT: Record<string, number> = Object.fromEntries(
  STATUS_TYPES.map((status, i) => [status, STREAMED_TYPES.length + i]),
);
const TOTAL_SLOTS = STREAMED_TYPES.length + STATUS_TYPES.length;
/** Clients that ask this close together, with no event in between, share one serialisation. */
const SHARE_MS = 20;

/**
 * The `snapshot` messages of one `antflowRoutes()` instance: the data (`GET /snapshot`), a
 * connection's first one, the periodic ones (shared by the clients that ask at the same time), and
 * the summary ones with the `changes` since a mark. It keeps the running totals those changes are
 * computed from (`count()` for every numbered event).
 *
 * @internal
 */
export class Snapshots {
  #tracker: StatusTracker;
  #pipeline: PipelineLike | undefined;
  #lastId: () => number;
  #cache: { lastId: number; at: number; json: string; bytes: Uint8Array } | undefined;
  /** Events numbered so far, by type and by status (see TYPE_SLOT, STATUS_SLOT). */
  #totals = new Float64Array(TOTAL_SLOTS);
  #mark: SummaryMark | undefined;

  constructor(tracker: StatusTracker, pipeline: PipelineLike | undefined, lastId: () => number) {
    this.#tracker = tracker;
    this.#pipeline = pipeline;
    this.#lastId = lastId;
  }

  /** Adds a numbered event to the running totals. */
  count(type: StreamedType, event: StreamedEvent): void {
    const totals = this.#totals;
    totals[TYPE_SLOT[type]]++;
    if (type !== "status") return;
    const slot = STATUS_SLOT[(event as StatusEvent).status];
    if (slot !== undefined) totals[slot]++;
  }

  /** Forgets the shared serialisation (the events it described are gone). */
  clearCache(): void {
    this.#cache = undefined;
  }

  /**
   * The `snapshot` data as of now.
   *
   * @param withFailedItems Include `errors.failedItems` (a scan of the tracked items): for a
   * client's starting point, not for the periodic snapshots.
   */
  data(withFailedItems = true): SnapshotJSON {
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
      lastEventId: this.#lastId(),
      errors,
    };
  }

  /**
   * A connection's first `snapshot`: with the failed items and the one `retry:` field.
   *
   * @param retryMs The reconnection delay to send.
   */
  first(retryMs: number): string {
    return encodeSSE({ event: "snapshot", retry: retryMs, data: JSON.stringify(this.data()) });
  }

  /** The periodic `snapshot` message (without the failed items). */
  periodic(): Uint8Array {
    return this.#periodic().bytes;
  }

  /**
   * A summary stream's `snapshot`: the periodic one plus the `changes` since `since` (the mark of
   * the client's previous snapshot).
   *
   * @returns The message and the mark to pass next time.
   */
  summary(since: SummaryMark): { bytes: Uint8Array; mark: SummaryMark } {
    const { json } = this.#periodic();
    const mark = this.mark();
    const changes = JSON.stringify(changesBetween(since, mark));
    const data = `${json.slice(0, -1)},"changes":${changes}}`;
    return { bytes: ENCODER.encode(encodeSSE({ event: "snapshot", data })), mark };
  }

  /** The current id and running totals (one object per id, shared by every client). */
  mark(): SummaryMark {
    const id = this.#lastId();
    const mark = this.#mark;
    if (mark !== undefined && mark.id === id) return mark;
    return (this.#mark = { id, totals: this.#totals.slice() });
  }

  #periodic(): { json: string; bytes: Uint8Array } {
    const now = Date.now();
    const lastId = this.#lastId();
    const cache = this.#cache;
    if (cache !== undefined && cache.lastId === lastId && now - cache.at < SHARE_MS) return cache;
    const json = JSON.stringify(this.data(false));
    const bytes = ENCODER.encode(encodeSSE({ event: "snapshot", data: json }));
    this.#cache = { lastId, at: now, json, bytes };
    return this.#cache;
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
