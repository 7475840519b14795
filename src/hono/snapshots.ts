import type { PipelineLike } from "../pipeline/types.ts";
import type { FailedItem } from "../tracker/error_summary.ts";
import type { LatencySnapshot } from "../tracker/latency.ts";
import type { RunEvent } from "../tracker/run_event.ts";
import { type StatusTracker, statusTransitions } from "../tracker/status_tracker.ts";
import { STATUS_TYPES, type StatusType } from "../tracker/types.ts";
import { encodeSSE } from "../sse/encode.ts";

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
 * What a summary `snapshot` adds: how many status changes to each status the tracker recorded
 * since the client's previous snapshot (whatever the client's filters, whether streamed or not),
 * and the `lastEventId` of that snapshot.
 */
export interface SnapshotChangesJSON {
  sinceEventId: number;
  statuses: Record<StatusType, number>;
}

/** Where a summary stream's previous snapshot left off (shared by the clients at that moment). */
export interface SummaryMark {
  readonly id: number;
  /** The tracker's status changes so far, in all. */
  readonly changes: number;
  /** … and per status. */
  readonly transitions: Float64Array;
}

const ENCODER = new TextEncoder();
/**
 * Clients that ask this close together, with no event in between, share one serialisation (of the
 * periodic snapshot, and of the first one when they connect).
 */
const SHARE_MS = 20;

/**
 * The `snapshot` messages of one `antflowRoutes()` instance: the data (`GET /snapshot`), a
 * connection's first one, the periodic ones (shared by the clients that ask at the same time), and
 * the summary ones with the `changes` since a mark, read from the tracker's running count of
 * status changes.
 *
 * @internal
 */
export class Snapshots {
  #tracker: StatusTracker;
  #pipeline: PipelineLike | undefined;
  #lastId: () => number;
  #transitions: Float64Array;
  #cache: { key: string; at: number; json: string; bytes: Uint8Array } | undefined;
  /** The first `snapshot` of the clients that connect close together with no event between. */
  #firstCache: { key: string; at: number; text: string } | undefined;
  #mark: SummaryMark | undefined;

  constructor(tracker: StatusTracker, pipeline: PipelineLike | undefined, lastId: () => number) {
    this.#tracker = tracker;
    this.#pipeline = pipeline;
    this.#lastId = lastId;
    this.#transitions = statusTransitions(tracker);
  }

  /** The tracker's status changes so far, in all. */
  changes(): number {
    let sum = 0;
    for (const n of this.#transitions) sum += n;
    return sum;
  }

  /** Forgets the shared serialisation (the events it described are gone). */
  clearCache(): void {
    this.#cache = undefined;
    this.#firstCache = undefined;
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
      runs: this.#tracker.getRuns(),
      latency: this.#tracker.getLatency(),
    };
  }

  /**
   * A connection's first `snapshot`: with the failed items and the one `retry:` field (shared by
   * the clients that connect within SHARE_MS of each other with no event between).
   *
   * @param retryMs The reconnection delay to send.
   */
  first(retryMs: number): string {
    const now = Date.now();
    const key = `${this.#lastId()} ${this.changes()} ${retryMs}`;
    const cache = this.#firstCache;
    if (cache !== undefined && cache.key === key && now - cache.at < SHARE_MS) return cache.text;
    const data = JSON.stringify(this.data());
    const text = encodeSSE({ event: "snapshot", retry: retryMs, data });
    this.#firstCache = { key, at: now, text };
    return text;
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

  /** Where things stand now (one object per moment, shared by the clients that ask then). */
  mark(): SummaryMark {
    const id = this.#lastId();
    const changes = this.changes();
    const mark = this.#mark;
    if (mark !== undefined && mark.id === id && mark.changes === changes) return mark;
    this.#mark = { id, changes, transitions: this.#transitions.slice() };
    return this.#mark;
  }

  #periodic(): { json: string; bytes: Uint8Array } {
    const now = Date.now();
    const key = `${this.#lastId()} ${this.changes()}`;
    const cache = this.#cache;
    if (cache !== undefined && cache.key === key && now - cache.at < SHARE_MS) return cache;
    const json = JSON.stringify(this.data(false));
    const bytes = ENCODER.encode(encodeSSE({ event: "snapshot", data: json }));
    this.#cache = { key, at: now, json, bytes };
    return this.#cache;
  }
}

function changesBetween(since: SummaryMark, now: SummaryMark): SnapshotChangesJSON {
  const statuses = {} as Record<StatusType, number>;
  STATUS_TYPES.forEach((status, i) => {
    statuses[status] = now.transitions[i] - since.transitions[i];
  });
  return { sinceEventId: since.id, statuses };
}
