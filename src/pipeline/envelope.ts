import type { TrackedItem } from "../tracker/sink.ts";
import type { ItemId } from "../tracker/types.ts";
import type { Batch } from "./batch.ts";
import type { QueuedItem } from "./queue_backend.ts";
import type { WorkerSlot } from "./worker_slot.ts";

/** `Envelope.passage` while no worker holds the item in a stage (no passage is open). */
export const NO_PASSAGE: unique symbol = Symbol("no passage");

/**
 * One item on its way through the pipeline. A single object per item, reused from stage to stage:
 * what the queues hold and what the tracker records.
 *
 * @internal
 */
export class Envelope implements QueuedItem, TrackedItem {
  id: ItemId;
  sequenceId: number;
  /** Position in its batch's input. */
  index: number;
  /** The input of the stage it is in (kept for per_stage restarts and failure results). */
  value: unknown;
  priority: number;
  stageIndex: number;
  /** The stage attempt (per_stage). */
  attempt = 1;
  batch: Batch;
  /** Set once the item reached a terminal state. */
  done = false;
  /** Set once its batch stopped waiting for it (terminal and callbacks done). */
  released = false;
  /** The worker that holds it right now (running tasks or callbacks), if any. */
  holder: WorkerSlot | null = null;
  /** The tracker's handle on this item's record (saves a lookup per event). */
  trackerRecord: unknown = undefined;
  /** Its trace context (a W3C `traceparent`), kept only when its run is instrumented. */
  trace: string | undefined = undefined;
  /** The instrumentation's state of its passage through the current stage, while one is open. */
  passage: unknown = NO_PASSAGE;
  // The batch's registry of live items (intrusive doubly linked list).
  prev: Envelope | null = null;
  next: Envelope | null = null;

  constructor(
    id: ItemId,
    sequenceId: number,
    index: number,
    value: unknown,
    priority: number,
    stageIndex: number,
    batch: Batch,
  ) {
    this.id = id;
    this.sequenceId = sequenceId;
    this.index = index;
    this.value = value;
    this.priority = priority;
    this.stageIndex = stageIndex;
    this.batch = batch;
  }
}
