import { ErrorSummary, type FailedItem } from "../tracker/error_summary.ts";
import type { ItemId } from "../tracker/types.ts";
import type { SnapshotErrorsJSON, SnapshotJSON } from "./messages.ts";

/**
 * The part of a server's error summary that a `RemoteTracker`'s own records cannot know: failures
 * from before it connected (or before a `reset`), and corrections for items whose earlier status
 * it never saw. It keeps, per error type and per stage, the server's count minus the local one as
 * of the last snapshot that was in step with the stream (the counterpart of the status counters'
 * offset), and the failed items the connection's first snapshot listed.
 *
 * @internal
 */
export class RemoteErrors {
  #byType: Record<string, number> = {};
  #byStage: Record<string, number> = {};
  /** Failed items listed by the first snapshot (oldest first), at most `maxItems`. */
  #earlier: FailedItem[] = [];
  #maxItems: number;

  constructor(maxItems: number) {
    this.#maxItems = maxItems;
  }

  /** Starts over from a snapshot, when the tracker has just forgotten its items. */
  restore(snapshot: SnapshotJSON): void {
    const errors = errorsOf(snapshot);
    this.#byType = { ...errors?.errorsByType };
    this.#byStage = { ...errors?.errorsByStage };
    const items = errors?.failedItems ?? [];
    this.#earlier = items.length > this.#maxItems ? items.slice(-this.#maxItems) : items;
  }

  /** Takes a snapshot that is in step with the stream: the offsets become server minus local. */
  correct(snapshot: SnapshotJSON, local: ErrorSummary): void {
    const errors = errorsOf(snapshot);
    if (errors === undefined) return;
    this.#byType = difference(errors.errorsByType, local.errorsByType);
    this.#byStage = difference(errors.errorsByStage, local.errorsByStage);
  }

  /**
   * The local summary made whole.
   *
   * @param local The tracker's own summary (from the events it received).
   * @param totalFailed The tracker's (corrected) `failed` count.
   * @param isTracked Whether an item is known locally (its own events then speak for it).
   */
  summary(
    local: ErrorSummary,
    totalFailed: number,
    isTracked: (itemId: ItemId) => boolean,
  ): ErrorSummary {
    return new ErrorSummary(
      totalFailed,
      sum(local.errorsByType, this.#byType),
      sum(local.errorsByStage, this.#byStage),
      this.failedItems(local.failedItems, isTracked),
    );
  }

  /** The failed items from before the connection that are not known locally, then `local`. */
  failedItems(local: FailedItem[], isTracked: (itemId: ItemId) => boolean): FailedItem[] {
    if (this.#earlier.length === 0) return local;
    const earlier = this.#earlier.filter((item) => !isTracked(item.itemId));
    return earlier.length === 0 ? local : [...earlier.map((item) => ({ ...item })), ...local];
  }
}

/**
 * The snapshot's error summary: `errors` (the served tracker's), or from a server that predates
 * it, the pipeline's `errorSummary` when it has the same shape.
 */
function errorsOf(snapshot: SnapshotJSON): SnapshotErrorsJSON | undefined {
  if (snapshot.errors !== undefined) return snapshot.errors;
  const summary = snapshot.pipeline?.errorSummary as Partial<SnapshotErrorsJSON> | undefined;
  if (!isCounts(summary?.errorsByType) || !isCounts(summary?.errorsByStage)) return undefined;
  return {
    totalFailed: Number(summary.totalFailed) || 0,
    errorsByType: summary.errorsByType,
    errorsByStage: summary.errorsByStage,
    failedItems: Array.isArray(summary.failedItems) ? summary.failedItems : undefined,
  };
}

function isCounts(value: unknown): value is Record<string, number> {
  return value !== null && typeof value === "object" &&
    Object.values(value).every((n) => Number.isSafeInteger(n) && n >= 0);
}

function difference(
  server: Record<string, number>,
  local: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of new Set([...Object.keys(server), ...Object.keys(local)])) {
    const delta = (server[key] ?? 0) - (local[key] ?? 0);
    if (delta !== 0) out[key] = delta;
  }
  return out;
}

function sum(
  local: Record<string, number>,
  offset: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = { ...local };
  for (const key in offset) {
    const total = (out[key] ?? 0) + offset[key];
    if (total > 0) out[key] = total;
    else delete out[key];
  }
  return out;
}
