import type { ItemId } from "../tracker/types.ts";
import type { Envelope } from "./envelope.ts";
import type { WorkerMetrics, WorkerState } from "./types.ts";

/**
 * One worker's place in a stage: its live state and counters. A worker loop runs in it; when the
 * loop is abandoned (its item was cancelled while a task ignored the signal), `generation` moves
 * on and a fresh loop takes the slot.
 *
 * @internal
 */
export class WorkerSlot {
  readonly name: string;
  readonly stage: string;
  readonly index: number;
  generation = 0;
  busy = false;
  envelope: Envelope | null = null;
  currentItemId: ItemId | undefined = undefined;
  currentTask: string | undefined = undefined;
  /** performance.now() when the current item was taken. */
  startedAt = 0;
  /** performance.now() of the last accepted ctx.setStatus() for the current item. */
  lastStatusAt = -Infinity;
  itemsProcessed = 0;
  itemsFailed = 0;
  totalProcessingTime = 0;
  lastActive: number | undefined = undefined;

  constructor(stage: string, index: number) {
    this.stage = stage;
    this.index = index;
    this.name = `${stage}-W${index}`;
  }

  begin(envelope: Envelope): void {
    this.busy = true;
    this.envelope = envelope;
    this.currentItemId = envelope.id;
    this.currentTask = undefined;
    this.startedAt = performance.now();
    this.lastStatusAt = -Infinity;
    envelope.holder = this;
  }

  /** Ends the current item, adding its time to the counters. */
  end(): void {
    const now = performance.now();
    this.totalProcessingTime += now - this.startedAt;
    this.lastActive = now;
    this.reset();
  }

  reset(): void {
    this.busy = false;
    this.envelope = null;
    this.currentItemId = undefined;
    this.currentTask = undefined;
  }

  state(): WorkerState {
    const state: WorkerState = {
      workerName: this.name,
      stage: this.stage,
      status: this.busy ? "busy" : "idle",
    };
    if (this.busy) {
      if (this.currentItemId !== undefined) state.currentItemId = this.currentItemId;
      if (this.currentTask !== undefined) state.currentTask = this.currentTask;
      state.processingSince = toEpoch(this.startedAt);
    }
    return state;
  }

  metrics(): WorkerMetrics {
    const metrics: WorkerMetrics = {
      workerName: this.name,
      stage: this.stage,
      itemsProcessed: this.itemsProcessed,
      itemsFailed: this.itemsFailed,
      totalProcessingTime: this.totalProcessingTime,
      avgProcessingTime: this.itemsProcessed > 0
        ? this.totalProcessingTime / this.itemsProcessed
        : 0,
    };
    if (this.lastActive !== undefined) metrics.lastActive = toEpoch(this.lastActive);
    return metrics;
  }
}

/** Converts a performance.now() reading to epoch milliseconds. */
export function toEpoch(monotonic: number): number {
  return Math.round(performance.timeOrigin + monotonic);
}
