import { ErrorSummary, type FailedItem } from "../tracker/error_summary.ts";
import type { ItemId } from "../tracker/types.ts";

/**
 * The pipeline's own record of failures, kept with or without a tracker: exact counts by error
 * type and by stage, and the newest `limit` failed items (with the failing stage's input). Written
 * only when an item fails for good, never on the success path.
 *
 * @internal
 */
export class FailureLog {
  readonly limit: number;
  #total = 0;
  #byType: Record<string, number> = {};
  #byStage: Record<string, number> = {};
  /** A ring of the newest failures; `#next` is where the next one goes. */
  #items: FailedItem[] = [];
  #next = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Records a failure; `facts` are the error's message and name, read safely by the caller. */
  record(
    itemId: ItemId,
    stage: string,
    facts: { error: string; errorType: string },
    attempts: number,
    value: unknown,
  ): void {
    this.#total++;
    const type = facts.errorType;
    this.#byType[type] = (this.#byType[type] ?? 0) + 1;
    this.#byStage[stage] = (this.#byStage[stage] ?? 0) + 1;
    if (this.limit === 0) return;
    const item: FailedItem = {
      itemId,
      error: facts.error,
      errorType: type,
      stage,
      attempts,
      timestamp: Date.now(),
      value,
    };
    if (this.#items.length < this.limit) this.#items.push(item);
    else {
      this.#items[this.#next] = item;
      this.#next = (this.#next + 1) % this.limit;
    }
  }

  /** The summary: exact counts, and the kept failures oldest first. */
  summary(): ErrorSummary {
    const items = this.#items;
    const ordered = items.length < this.limit
      ? items.slice()
      : [...items.slice(this.#next), ...items.slice(0, this.#next)];
    return new ErrorSummary(this.#total, { ...this.#byType }, { ...this.#byStage }, ordered);
  }
}
