import type { StatusEvent, TaskEvent } from "./events.ts";
import type { RunEvent } from "./run_event.ts";

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
 * An internal consumer of a tracker's events (the SSE adapter's hub): called with the event type
 * and the event itself, in dispatch order, before the DOM listeners, with no `CustomEvent` built
 * for it. A tap must not throw and must not keep the event's `metadata` mutable state.
 */
export type TrackerTap = (type: TappedType, event: StatusEvent | TaskEvent | RunEvent) => void;

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
 * A tracker's taps. Small on purpose: the tracker asks `size` on every event and calls `emit`
 * only when it is not zero.
 *
 * @internal
 */
export class TapList {
  #taps: TrackerTap[] = [];
  #onChange: () => void;
  #onError: (error: unknown) => void;

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
    const entry: TrackerTap = (type, event) => tap(type, event);
    this.#taps = [...this.#taps, entry];
    this.#onChange();
    return () => {
      const before = this.#taps.length;
      this.#taps = this.#taps.filter((t) => t !== entry);
      if (this.#taps.length !== before) this.#onChange();
    };
  }

  /** Hands one event to every tap (a tap that throws is reported and the others still run). */
  emit(type: TappedType, event: StatusEvent | TaskEvent | RunEvent): void {
    // The array is replaced, never changed, so a tap that detaches during emit is safe.
    const taps = this.#taps;
    for (let i = 0; i < taps.length; i++) {
      try {
        taps[i](type, event);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}
