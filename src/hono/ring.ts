import type { NameRef } from "../tracker/names.ts";
import type { ItemId, StatusMetadata } from "../tracker/types.ts";
import type { StreamedEvent, StreamedType } from "./filters.ts";

/**
 * One numbered event as the hub keeps it for resuming: a status change as the tracker recorded
 * it (`stage` set, `event` unset), or an event object with, unless the writer handles it, its JSON
 * already written (`data`). Slots are reused: nothing is allocated per event once the ring is full.
 */
export interface RingSlot {
  id: number;
  type: StreamedType;
  itemId: ItemId | undefined;
  /** A recorded status change's stage (then `event` is unset). */
  stage: NameRef | undefined;
  status: number;
  worker: NameRef | undefined;
  timestamp: number;
  metadata: StatusMetadata | undefined;
  /** A task or run event, or an event dispatched from outside. */
  event: StreamedEvent | undefined;
  /** The event's JSON, for events the writer does not handle itself. */
  data: string | undefined;
}

function emptySlot(): RingSlot {
  return {
    id: 0,
    type: "status",
    itemId: undefined,
    stage: undefined,
    status: 0,
    worker: undefined,
    timestamp: 0,
    metadata: undefined,
    event: undefined,
    data: undefined,
  };
}

/**
 * The latest `capacity` numbered events (ids consecutive), oldest first; claiming a slot past the
 * capacity reuses the oldest one.
 *
 * @internal
 */
export class EventRing {
  #slots: RingSlot[] = [];
  #capacity: number;
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#size;
  }

  /** The oldest id kept (0 when empty). */
  get oldestId(): number {
    return this.#size === 0 ? 0 : this.#slots[this.#head].id;
  }

  /** The slot for event `id` (the caller fills it): a new one, or the oldest one reused. */
  claim(id: number): RingSlot {
    let slot: RingSlot;
    if (this.#size < this.#capacity) {
      const index = (this.#head + this.#size++) % this.#capacity;
      slot = this.#slots[index] ??= emptySlot();
    } else {
      slot = this.#slots[this.#head];
      this.#head = (this.#head + 1) % this.#capacity;
    }
    slot.id = id;
    slot.stage = undefined;
    slot.worker = undefined;
    slot.event = undefined;
    slot.data = undefined;
    slot.metadata = undefined;
    return slot;
  }

  /** The slots whose id is greater than `id`, oldest first (ids in the ring are consecutive). */
  after(id: number): RingSlot[] {
    if (this.#size === 0) return [];
    const skip = Math.max(0, Math.min(this.#size, id - this.oldestId + 1));
    const out: RingSlot[] = [];
    for (let i = skip; i < this.#size; i++) {
      out.push(this.#slots[(this.#head + i) % this.#capacity]);
    }
    return out;
  }

  /** Forgets every event. */
  clear(): void {
    this.#slots = [];
    this.#head = 0;
    this.#size = 0;
  }
}
