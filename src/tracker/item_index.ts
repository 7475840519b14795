import type { ItemId } from "./types.ts";

/** What the index needs of a record: its id and the links it keeps on it. */
export interface IndexedRecord<R> {
  readonly itemId: ItemId;
  /** Neighbours in first-seen order. */
  prev: R | null;
  next: R | null;
  /** Neighbours in the order the kept finished items finished (eviction order). */
  finishedPrev: R | null;
  finishedNext: R | null;
  /** Whether it is in the finished list. */
  inFinished: boolean;
}

/**
 * The kept items in first-seen order (a linked list through the records), with a lookup by id
 * built only while someone looks items up.
 *
 * The engine keeps each item's record on the item, so recording its events needs no lookup; a
 * `Map` entry per item then costs a set and a delete per item (each a likely cache miss in a
 * table of thousands) that nobody may ever use. So the `Map` is built at the first lookup, kept
 * up to date while lookups go on, and dropped after more insertions without a lookup than the
 * items it holds: building it again then costs no more than keeping it would have.
 *
 * The finished items that may be evicted are listed in the order they finished (an item that gets
 * a new event leaves the list; finishing again puts it at the end).
 *
 * @internal
 */
export class ItemIndex<R extends IndexedRecord<R>> {
  #first: R | null = null;
  #last: R | null = null;
  #size = 0;
  #oldestFinished: R | null = null;
  #newestFinished: R | null = null;
  #byId: Map<ItemId, R> | undefined = undefined;
  /** Insertions since the last lookup (while `#byId` exists). */
  #blindInserts = 0;

  /** How many items are kept. */
  get size(): number {
    return this.#size;
  }

  /** The oldest finished item kept, the next to evict (or `null`). */
  get oldestFinished(): R | null {
    return this.#oldestFinished;
  }

  /** The record of `itemId`, if kept. */
  get(itemId: ItemId): R | undefined {
    this.#blindInserts = 0;
    return (this.#byId ?? this.#build()).get(itemId);
  }

  /** Adds a record (of an id not kept) at the end of the first-seen order. */
  add(record: R): void {
    const last = this.#last;
    record.prev = last;
    record.next = null;
    if (last === null) this.#first = record;
    else last.next = record;
    this.#last = record;
    this.#size++;
    const byId = this.#byId;
    if (byId === undefined) return;
    if (++this.#blindInserts > Math.max(this.#size, MIN_BLIND_INSERTS)) this.#byId = undefined;
    else byId.set(record.itemId, record);
  }

  /** Removes a kept record (and from the finished list). */
  remove(record: R): void {
    this.unfinish(record);
    const { prev, next } = record;
    if (prev === null) this.#first = next;
    else prev.next = next;
    if (next === null) this.#last = prev;
    else next.prev = prev;
    record.prev = record.next = null;
    this.#size--;
    this.#byId?.delete(record.itemId);
  }

  /** Puts a kept record at the end of the finished list (taking it out first if it was in). */
  finish(record: R): void {
    this.unfinish(record);
    const newest = this.#newestFinished;
    record.finishedPrev = newest;
    record.finishedNext = null;
    if (newest === null) this.#oldestFinished = record;
    else newest.finishedNext = record;
    this.#newestFinished = record;
    record.inFinished = true;
  }

  /** Takes a record out of the finished list, if it is in. */
  unfinish(record: R): void {
    if (!record.inFinished) return;
    const prev = record.finishedPrev;
    const next = record.finishedNext;
    if (prev === null) this.#oldestFinished = next;
    else prev.finishedNext = next;
    if (next === null) this.#newestFinished = prev;
    else next.finishedPrev = prev;
    record.finishedPrev = record.finishedNext = null;
    record.inFinished = false;
  }

  /** The kept records in first-seen order. */
  *values(): IterableIterator<R> {
    for (let record = this.#first; record !== null; record = record.next) yield record;
  }

  /** Forgets every record. */
  clear(): void {
    this.#first = this.#last = null;
    this.#oldestFinished = this.#newestFinished = null;
    this.#size = 0;
    this.#byId = undefined;
    this.#blindInserts = 0;
  }

  #build(): Map<ItemId, R> {
    const byId = new Map<ItemId, R>();
    for (let record = this.#first; record !== null; record = record.next) {
      byId.set(record.itemId, record);
    }
    this.#byId = byId;
    return byId;
  }
}

/** A small index is kept for at least this many insertions without a lookup. */
const MIN_BLIND_INSERTS = 1024;
