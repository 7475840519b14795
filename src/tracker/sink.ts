import type { StatusEvent, TaskEvent } from "./events.ts";
import type { NameRef } from "./names.ts";
import type { RunEvent, RunEventType } from "./run_event.ts";
import type { ItemId, StatusMetadata, StatusType } from "./types.ts";

/**
 * An item as the sink sees it (the engine passes its item envelope): no event object is built
 * for a status change nobody listens to, so the sink reads what it records from here.
 */
export interface TrackedItem {
  /** The item's id. */
  readonly id: ItemId;
  /** Set once the item reached a terminal state: the event being recorded is its last. */
  readonly done: boolean;
  /** The tracker's handle on the item's record, kept on the item to save a lookup per event. */
  trackerRecord: unknown;
}

/** Where a status event comes from: a stage and a worker, as the tracker's name references. */
export interface EventOrigin {
  /** The stage's name reference. */
  readonly stageRef: NameRef;
  /** The worker's name reference (`NO_NAME` for `queued` and for cancellations). */
  readonly workerRef: NameRef;
}

/**
 * How events reach a tracker: the engine records status changes and task events through it, a
 * remote tracker replays the events it receives. Not part of the public API.
 *
 * @internal
 */
export interface TrackerSink {
  /**
   * Records a status change of `item` (`status` is its index in `STATUS_TYPES`), stamped
   * `timestamp`, and dispatches it to listeners and `onStatusChange`, if any.
   *
   * @returns A promise while an async `onStatusChange` runs (the caller waits for it).
   */
  status(
    item: TrackedItem,
    status: number,
    origin: EventOrigin,
    metadata: StatusMetadata | undefined,
    timestamp: number,
  ): void | Promise<void>;
  /** The tracker's reference for a stage or worker name (ask once, pass it with every event). */
  nameRef(name: string | null): NameRef;
  /**
   * Whether recording a status event runs no user code (no `status` listener and no
   * `onStatusChange`): then events emitted back to back may share a clock reading.
   */
  quiet(): boolean;
  /**
   * Bit mask (`TASK_BITS`) of the task event types someone wants (a listener, a callback or a
   * tap), with `TASK_USER_CODE` set when dispatching one may run user code (a listener or a
   * callback wants one of them).
   */
  taskMask(): number;
  /**
   * Dispatches a task event to listeners and its callback (built by the engine only when
   * `taskMask()` says someone wants its type, or received by a remote tracker).
   *
   * @returns A promise while an async callback runs (the caller waits for it).
   */
  task(event: TaskEvent): void | Promise<void>;
  /** Reports an error thrown by a stage callback or a dashboard (never fatal). */
  report(error: unknown, where: string, stage?: string): void;
  /** Records a status event built elsewhere (a remote tracker), keeping its timestamp. */
  ingestStatus(event: StatusEvent, finished: boolean): void | Promise<void>;
  /** Records and dispatches a run lifecycle event (the tracker keeps its own copy). */
  run(type: RunEventType, event: RunEvent): void | Promise<void>;
  /** Forgets every item and sets the status counters (a remote tracker after a reset). */
  restore(counts: Partial<Record<StatusType, number>>): void;
}
