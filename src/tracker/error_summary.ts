import type { ItemId } from "./types.ts";

/** One item whose current status is `failed`. */
export interface FailedItem {
  /** The item's id. */
  itemId: ItemId;
  /** The error's message. */
  error: string;
  /** The error's `name`. */
  errorType: string;
  /** The stage where it failed. */
  stage: string | null;
  /** How many attempts were made before it failed (in either retry mode). */
  attempts: number;
  /** When it failed, epoch milliseconds. */
  timestamp: number;
  /**
   * The failing stage's input (in a pipeline's own `getErrorSummary()`; a tracker does not keep
   * item values, so its summaries leave it out).
   */
  value?: unknown;
}

/**
 * Failures grouped by error type and by stage. Plain data (JSON-serialisable) with a readable
 * `toString()`.
 *
 * @example
 * ```ts
 * import { ErrorSummary } from "@antflow/antflow";
 * const summary = new ErrorSummary(2, { TypeError: 2 }, { Parse: 2 }, []);
 * console.log(String(summary));
 * ```
 */
export class ErrorSummary {
  /** How many items failed. */
  totalFailed: number;
  /** Failure counts by error `name`. */
  errorsByType: Record<string, number>;
  /** Failure counts by stage. */
  errorsByStage: Record<string, number>;
  /** The failed items still kept (the newest ones, oldest first). */
  failedItems: FailedItem[];

  /**
   * Creates a summary.
   *
   * @param totalFailed How many items failed.
   * @param errorsByType Counts by error name.
   * @param errorsByStage Counts by stage.
   * @param failedItems The failed items.
   */
  constructor(
    totalFailed: number,
    errorsByType: Record<string, number> = {},
    errorsByStage: Record<string, number> = {},
    failedItems: FailedItem[] = [],
  ) {
    this.totalFailed = totalFailed;
    this.errorsByType = errorsByType;
    this.errorsByStage = errorsByStage;
    this.failedItems = failedItems;
  }

  /**
   * A report grouped by type and by stage, each sorted by descending count.
   *
   * @returns `"No errors occurred"` or the report.
   */
  toString(): string {
    if (this.totalFailed === 0) return "No errors occurred";
    const lines = [`ErrorSummary: ${this.totalFailed} failed items`];
    const section = (title: string, counts: Record<string, number>): void => {
      const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
      if (entries.length === 0) return;
      lines.push("", `${title}:`);
      for (const [name, count] of entries) lines.push(`  ${name}: ${count}`);
    };
    section("By type", this.errorsByType);
    section("By stage", this.errorsByStage);
    return lines.join("\n");
  }
}
