import type { StatusEvent, TaskEvent } from "./events.ts";
import type { NameRef } from "./names.ts";
import type { RunEvent, RunEventType } from "./run_event.ts";
import type { ItemId, StatusMetadata, StatusType, TaskEventType } from "./types.ts";

/** Something that keeps a tracker's per-item handle (the engine's item envelope). */
export interface TrackedHolder {
  trackerRecord: unknown;
}

/** @internal How the engine (and a remote tracker) records events; not part of the public API. */
export interface TrackerSink {
  /**
   * Records a status change (`status` is the index in STATUS_TYPES). `holder.trackerRecord` caches
   * the item's record between calls (the engine keeps it on the item), which saves a lookup per
   * event.
   */
  status(
    holder: TrackedHolder | undefined,
    itemId: ItemId,
    stage: NameRef,
    status: number,
    worker: NameRef,
    metadata: StatusMetadata | undefined,
    finished: boolean,
    timestamp: number,
  ): void | Promise<void>;
  /** The tracker's reference for a stage or worker name (ask once, pass it with every event). */
  nameRef(name: string | null): NameRef;
  /** Whether status events run no user code (no status listener, no onStatusChange). */
  quiet(): boolean;
  /** Bit mask of the task event types someone wants (listener or callback). */
  taskMask(): number;
  task(
    itemId: ItemId,
    stage: string,
    taskName: string,
    worker: string | null,
    eventType: TaskEventType,
    attempt: number,
    error: unknown,
    duration: number | undefined,
  ): void | Promise<void>;
  /** Reports an error thrown by a stage callback or a dashboard (never fatal). */
  report(error: unknown, where: string, stage?: string): void;
  /** Records a status event built elsewhere (a remote tracker), keeping its timestamp. */
  ingestStatus(event: StatusEvent, finished: boolean): void | Promise<void>;
  /** Dispatches a task event built elsewhere (a remote tracker). */
  ingestTask(event: TaskEvent): void | Promise<void>;
  /** Records and dispatches a run lifecycle event (the tracker keeps its own copy). */
  run(type: RunEventType, event: RunEvent): void | Promise<void>;
  /** Forgets every item and sets the status counters (a remote tracker after a reset). */
  restore(counts: Partial<Record<StatusType, number>>): void;
}
