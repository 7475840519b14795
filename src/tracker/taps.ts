import type { TaskEvent } from "./events.ts";
import type { NameRef } from "./names.ts";
import type { RunEvent, RunEventType } from "./run_event.ts";
import type { ItemId, StatusMetadata } from "./types.ts";

/** The event types a tap receives: the item events and the run lifecycle events (never `error`). */
export type TappedType =
  | "status"
  | "taskstart"
  | "taskcomplete"
  | "taskretry"
  | "taskfail"
  | "runstart"
  | "runend";

/**
 * An internal consumer of a tracker's events (the SSE adapter's hub). It says which events it
 * wants, and gets them in dispatch order, before the DOM listeners, without a `CustomEvent`:
 * status changes as the tracker records them (no `StatusEvent` is built for it), task and run
 * events as objects, and whatever is dispatched on the tracker from outside as it comes. A tap
 * must not change what it is given; an error it throws is reported like a listener's.
 */
export interface TrackerTap {
  /** The statuses it wants, one bit per index in `STATUS_TYPES`. */
  readonly statusMask: number;
  /** Whether it wants task events (the engine then builds them). */
  readonly tasks: boolean;
  /** A recorded status change (`status` is the index in `STATUS_TYPES`). */
  status(
    itemId: ItemId,
    stage: NameRef,
    status: number,
    worker: NameRef,
    timestamp: number,
    metadata: StatusMetadata | undefined,
  ): void;
  /** A task event. */
  task(type: TappedType, event: TaskEvent): void;
  /** A run lifecycle event (a copy). */
  run(type: RunEventType, event: RunEvent): void;
  /** An event dispatched on the tracker from outside (its detail, unchecked). */
  external(type: TappedType, detail: unknown): void;
}

/** The types a tap receives, for checking events dispatched from outside. */
export const TAPPED_TYPES: ReadonlySet<string> = new Set<TappedType>([
  "status",
  "taskstart",
  "taskcomplete",
  "taskretry",
  "taskfail",
  "runstart",
  "runend",
]);

/**
 * A tracker's taps and what they want together: the tracker reads `statusMask`, `tasks` and
 * `size` on every event and calls in only for what some tap wants.
 *
 * @internal
 */
export class TapList {
  #taps: TrackerTap[] = [];
  #onChange: () => void;
  #onError: (error: unknown) => void;
  /** The union of the taps' status masks. */
  statusMask = 0;
  /** Whether some tap wants task events. */
  tasks = false;

  constructor(onChange: () => void, onError: (error: unknown) => void) {
    this.#onChange = onChange;
    this.#onError = onError;
  }

  /** How many taps are attached. */
  get size(): number {
    return this.#taps.length;
  }

  /** Attaches a tap; returns the function that detaches it (idempotent). */
  add(tap: TrackerTap): () => void {
    this.#taps = [...this.#taps, tap];
    this.refresh();
    return () => {
      const before = this.#taps.length;
      this.#taps = this.#taps.filter((t) => t !== tap);
      if (this.#taps.length !== before) this.refresh();
    };
  }

  /** Reads the taps' wishes again (a tap calls it after changing them). */
  refresh(): void {
    this.statusMask = 0;
    this.tasks = false;
    for (const tap of this.#taps) {
      this.statusMask |= tap.statusMask;
      this.tasks ||= tap.tasks;
    }
    this.#onChange();
  }

  /** Hands a recorded status change to the taps that want its status. */
  status(
    itemId: ItemId,
    stage: NameRef,
    status: number,
    worker: NameRef,
    timestamp: number,
    metadata: StatusMetadata | undefined,
  ): void {
    // The array is replaced, never changed, so a tap that detaches meanwhile is safe.
    const taps = this.#taps;
    const bit = 1 << status;
    for (let i = 0; i < taps.length; i++) {
      if ((taps[i].statusMask & bit) === 0) continue;
      try {
        taps[i].status(itemId, stage, status, worker, timestamp, metadata);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Hands a task event to the taps that want task events. */
  task(type: TappedType, event: TaskEvent): void {
    const taps = this.#taps;
    for (let i = 0; i < taps.length; i++) {
      if (!taps[i].tasks) continue;
      try {
        taps[i].task(type, event);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Hands a run event to every tap. */
  run(type: RunEventType, event: RunEvent): void {
    for (const tap of this.#taps) {
      try {
        tap.run(type, event);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Hands an event dispatched from outside to every tap. */
  external(type: TappedType, detail: unknown): void {
    for (const tap of this.#taps) {
      try {
        tap.external(type, detail);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}
