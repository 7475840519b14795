import { type NameRef, NO_NAME } from "../tracker/names.ts";
import type { ItemId } from "../tracker/types.ts";
import type { EventOrigin } from "../tracker/sink.ts";
import type { Clock } from "./clock.ts";
import type { Envelope } from "./envelope.ts";
import type { WorkerMetrics, WorkerState } from "./types.ts";
import type { WorkerLoop } from "./worker_loop.ts";

/**
 * One worker's place in a stage: its live state and counters, and the origin of the events its
 * worker emits. A worker loop runs in it; when the loop is abandoned (its item was cancelled while
 * a task ignored the signal), a fresh loop takes the slot.
 *
 * @internal
 */
export class WorkerSlot implements EventOrigin {
  readonly name: string;
  readonly stage: string;
  readonly index: number;
  /** The tracker's reference for the stage's name. */
  stageRef: NameRef = NO_NAME;
  /** The tracker's reference for this worker's name. */
  workerRef: NameRef = NO_NAME;
  /** The loop running in this slot, if any. */
  loop: WorkerLoop | null = null;
  busy = false;
  envelope: Envelope | null = null;
  currentItemId: ItemId | undefined = undefined;
  currentTask: string | undefined = undefined;
  /**
   * Epoch ms when the current item was taken; read per item only once someone looks at worker
   * states (`observed`), otherwise the start of the busy period stands in for it.
   */
  processingSince = -1;
  /** Set by the pipeline once worker states are read; turns on per-item start times. */
  observed = false;
  /** performance.now() when the current busy period began, or -1 while idle. */
  periodStart = -1;
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

  /**
   * Takes an item. `clock` is the worker's: once worker states are observed, the item's start
   * time shares the reading of the events emitted with it (its `in_progress` among them).
   */
  begin(envelope: Envelope, clock: Clock): void {
    if (this.periodStart < 0) this.periodStart = performance.now();
    this.busy = true;
    this.envelope = envelope;
    this.currentItemId = envelope.id;
    this.currentTask = undefined;
    this.processingSince = this.observed ? clock.now() : -1;
    this.lastStatusAt = -Infinity;
    envelope.holder = this;
  }

  /** Ends the current item. */
  end(): void {
    this.reset();
  }

  /**
   * The worker is about to wait for work: close the busy period. Processing time is measured per
   * busy period (items taken back to back share one), which reads the clock twice per period
   * instead of twice per item.
   */
  idle(): void {
    if (this.periodStart < 0) return;
    const now = performance.now();
    this.totalProcessingTime += now - this.periodStart;
    this.lastActive = now;
    this.periodStart = -1;
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
      state.processingSince = this.processingSince >= 0
        ? this.processingSince
        : toEpoch(this.periodStart >= 0 ? this.periodStart : performance.now());
    }
    return state;
  }

  metrics(): WorkerMetrics {
    let total = this.totalProcessingTime;
    let lastActive = this.lastActive;
    if (this.periodStart >= 0) {
      // An open busy period counts up to now.
      const now = performance.now();
      total += now - this.periodStart;
      lastActive = now;
    }
    const metrics: WorkerMetrics = {
      workerName: this.name,
      stage: this.stage,
      itemsProcessed: this.itemsProcessed,
      itemsFailed: this.itemsFailed,
      totalProcessingTime: total,
      avgProcessingTime: this.itemsProcessed > 0 ? total / this.itemsProcessed : 0,
    };
    if (lastActive !== undefined) metrics.lastActive = toEpoch(lastActive);
    return metrics;
  }
}

/** Converts a performance.now() reading to epoch milliseconds. */
export function toEpoch(monotonic: number): number {
  return Math.round(performance.timeOrigin + monotonic);
}
