import { StatusEvent } from "./events.ts";
import type { FailedItem } from "./error_summary.ts";
import { NameTable } from "./names.ts";
import type { NameRef } from "./names.ts";
import { type ItemId, STATUS_TYPES, type StatusMetadata, type StatusType } from "./types.ts";

/**
 * One item's state. Its status history is one flat array of numbers — per event a code (stage id,
 * worker id and status code) and a timestamp — so recording an event allocates no object and the
 * array stays unboxed; `StatusEvent`s are built only when someone asks for them. Metadata, which
 * only failures and retries carry, sits on the side.
 */
class ItemRecord {
  readonly itemId: ItemId;
  /** [code, timestamp, code, timestamp, …] per event. */
  packed: number[] = [];
  /** Metadata by event number (counting dropped ones), for the events that carry any. */
  metadata: Map<number, StatusMetadata> | undefined = undefined;
  /** Events dropped from the front (historyLimit); the current one is never dropped. */
  dropped = 0;
  /** The current status code (index in STATUS_TYPES). */
  status = 0;
  stage: string | null = null;
  /** The current status as an event, once built (by a dispatch or a query). */
  event: StatusEvent | undefined = undefined;
  retries = 0;
  finished = false;
  version = 0;

  constructor(itemId: ItemId) {
    this.itemId = itemId;
  }
}

/**
 * Every tracked item's current status, history and failure facts, with exact counters that survive
 * eviction (`maxItems` evicts the items that finished first; unfinished items are never evicted).
 *
 * @internal
 */
export class ItemStore {
  readonly #historyLimit: number;
  readonly #maxItems: number;
  readonly #items = new Map<ItemId, ItemRecord>();
  readonly #counts: number[] = STATUS_TYPES.map(() => 0);
  readonly #failedByType = new Map<string, number>();
  readonly #failedByStage = new Map<string, number>();
  readonly names: NameTable = new NameTable();
  #finished: ItemRecord[] = [];
  #finishedVersions: number[] = [];
  #finishedHead = 0;

  constructor(historyLimit: number, maxItems: number) {
    this.#historyLimit = historyLimit;
    this.#maxItems = maxItems;
  }

  /**
   * Records a status change. `record` is the item's record from an earlier call (callers that keep
   * it save a lookup); `event` is passed when the caller already built one. Returns the record.
   */
  record(
    known: ItemRecord | undefined,
    itemId: ItemId,
    stage: NameRef,
    status: number,
    worker: NameRef,
    timestamp: number,
    metadata: StatusMetadata | undefined,
    finished: boolean,
    event: StatusEvent | undefined,
  ): ItemRecord {
    // A handle is trusted while its item is unfinished (finished records may be evicted).
    let record = known !== undefined && !known.finished ? known : this.#items.get(itemId);
    if (record === undefined) {
      record = new ItemRecord(itemId);
      this.#items.set(itemId, record);
    } else {
      this.#counts[record.status]--;
      if (record.status === FAILED) this.#countFailure(this.#metadataOf(record), record.stage, -1);
      if (record.stage !== stage.name) record.retries = 0;
    }
    const packed = record.packed;
    const number = record.dropped + packed.length / 2;
    if (metadata !== undefined && hasKeys(metadata)) {
      (record.metadata ??= new Map()).set(number, metadata);
    }
    packed.push(stage.id * STAGE_UNIT + worker.id * 8 + status, timestamp);
    record.status = status;
    record.stage = stage.name;
    record.event = event;
    this.#counts[status]++;
    record.version++;
    if (status === RETRYING) record.retries++;
    else if (status === FAILED) this.#countFailure(metadata, stage.name, 1);
    this.#trim(record);
    record.finished = finished;
    if (finished && this.#maxItems !== Infinity) this.#noteFinished(record);
    return record;
  }

  get(itemId: ItemId): StatusEvent | undefined {
    const record = this.#items.get(itemId);
    return record === undefined ? undefined : this.#current(record);
  }

  ids(): ItemId[] {
    return [...this.#items.keys()];
  }

  byStatus(status: StatusType): StatusEvent[] {
    const code = STATUS_TYPES.indexOf(status);
    const out: StatusEvent[] = [];
    for (const record of this.#items.values()) {
      if (record.status === code) out.push(this.#current(record));
    }
    return out;
  }

  history(itemId: ItemId): StatusEvent[] {
    const record = this.#items.get(itemId);
    if (record === undefined || this.#historyLimit === 0) return [];
    const events = record.packed.length / 2;
    const out: StatusEvent[] = [];
    for (let i = Math.max(0, events - this.#historyLimit); i < events; i++) {
      out.push(this.#build(record, i));
    }
    return out;
  }

  counts(): Record<StatusType, number> {
    const out = {} as Record<StatusType, number>;
    STATUS_TYPES.forEach((status, i) => (out[status] = this.#counts[i]));
    return out;
  }

  failedCount(): number {
    return this.#counts[FAILED];
  }

  failuresByType(): Record<string, number> {
    return Object.fromEntries(this.#failedByType);
  }

  failuresByStage(): Record<string, number> {
    return Object.fromEntries(this.#failedByStage);
  }

  failedItems(): FailedItem[] {
    const out: FailedItem[] = [];
    for (const record of this.#items.values()) {
      if (record.status !== FAILED) continue;
      const event = this.#current(record);
      const metadata = event.metadata;
      const attempt = metadata.attempt;
      out.push({
        itemId: record.itemId,
        error: typeof metadata.error === "string" ? metadata.error : "",
        errorType: typeof metadata.errorType === "string" ? metadata.errorType : "Error",
        stage: record.stage,
        attempts: typeof attempt === "number" ? attempt : record.retries + 1,
        timestamp: event.timestamp,
      });
    }
    return out;
  }

  /** Forgets every item and sets the counters (a remote tracker after a reset). */
  restore(counts: Partial<Record<StatusType, number>>): void {
    this.#items.clear();
    this.#finished = [];
    this.#finishedVersions = [];
    this.#finishedHead = 0;
    this.#failedByType.clear();
    this.#failedByStage.clear();
    STATUS_TYPES.forEach((status, i) => (this.#counts[i] = counts[status] ?? 0));
  }

  #current(record: ItemRecord): StatusEvent {
    return record.event ??= this.#build(record, record.packed.length / 2 - 1);
  }

  /** The event at position `i` of the record's packed history. */
  #build(record: ItemRecord, i: number): StatusEvent {
    const code = record.packed[2 * i];
    return new StatusEvent(
      record.itemId,
      this.names.name(Math.floor(code / STAGE_UNIT)),
      STATUS_TYPES[code % 8],
      this.names.name(Math.floor((code % STAGE_UNIT) / 8)),
      record.packed[2 * i + 1],
      record.metadata?.get(record.dropped + i),
    );
  }

  #metadataOf(record: ItemRecord): StatusMetadata | undefined {
    return record.metadata?.get(record.dropped + record.packed.length / 2 - 1);
  }

  /** Keeps the history within the limit, cutting in bulk (amortised O(1) per event). */
  #trim(record: ItemRecord): void {
    const limit = Math.max(this.#historyLimit, 1);
    const events = record.packed.length / 2;
    if (limit === Infinity || events <= 2 * limit) return;
    const drop = events - limit;
    record.packed.splice(0, 2 * drop);
    record.dropped += drop;
    for (const key of record.metadata?.keys() ?? []) {
      if (key < record.dropped) record.metadata!.delete(key);
    }
  }

  #countFailure(metadata: StatusMetadata | undefined, stage: string | null, delta: number): void {
    const type = typeof metadata?.errorType === "string" ? metadata.errorType : "Error";
    bump(this.#failedByType, type, delta);
    bump(this.#failedByStage, stage ?? "(none)", delta);
  }

  #noteFinished(record: ItemRecord): void {
    this.#finished.push(record);
    this.#finishedVersions.push(record.version);
    const items = this.#items;
    while (items.size > this.#maxItems && this.#finishedHead < this.#finished.length) {
      const head = this.#finishedHead++;
      const old = this.#finished[head];
      // Skip entries made stale by a later status of the same item (an id fed again).
      if (old.version !== this.#finishedVersions[head] || !old.finished) continue;
      if (items.get(old.itemId) === old) items.delete(old.itemId);
    }
    if (this.#finishedHead > 4096 && this.#finishedHead * 2 > this.#finished.length) {
      this.#finished = this.#finished.slice(this.#finishedHead);
      this.#finishedVersions = this.#finishedVersions.slice(this.#finishedHead);
      this.#finishedHead = 0;
    }
  }
}

/** The type of the opaque per-item handle a caller may keep between `record` calls. */
export type ItemHandle = ItemRecord;

/**
 * A history code: stage id × 2^32 + worker id × 8 + status code. A double holds it exactly
 * (up to 2^21 distinct names), so the packed array stays an unboxed double array.
 */
const STAGE_UNIT = 2 ** 32;
const FAILED = STATUS_TYPES.indexOf("failed");
const RETRYING = STATUS_TYPES.indexOf("retrying");

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
