import { StatusEvent } from "./events.ts";
import type { FailedItem } from "./error_summary.ts";
import { type IndexedRecord, ItemIndex } from "./item_index.ts";
import { LatencyRecorder } from "./latency.ts";
import { NameTable } from "./names.ts";
import type { NameRef } from "./names.ts";
import { type ItemId, STATUS_TYPES, type StatusMetadata, type StatusType } from "./types.ts";

/**
 * One item's state. Its status history is one flat array of numbers — per event a code (stage id,
 * worker id and status code) and a timestamp — so recording an event allocates no object and the
 * array stays unboxed; `StatusEvent`s are built only when someone asks for them. Metadata, which
 * only failures and retries carry, sits on the side.
 */
class ItemRecord implements IndexedRecord<ItemRecord> {
  itemId: ItemId;
  /** [code, timestamp, code, timestamp, …] per event, in the first `used` slots. */
  packed: number[] = newPacked();
  /** Slots of `packed` in use (two per event). */
  used = 0;
  /** Metadata by event number (counting dropped ones), for the events that carry any. */
  metadata: Map<number, StatusMetadata> | undefined = undefined;
  /** Events dropped from the front (historyLimit); the current one is never dropped. */
  dropped = 0;
  /** The current status code (index in STATUS_TYPES). */
  status = 0;
  stage: string | null = null;
  retries = 0;
  finished = false;
  prev: ItemRecord | null = null;
  next: ItemRecord | null = null;
  finishedPrev: ItemRecord | null = null;
  finishedNext: ItemRecord | null = null;
  inFinished = false;
  /**
   * When the current stage visit's first `in_progress` happened (-Infinity: none; a double from
   * the start, so that storing a timestamp never changes the field's representation).
   */
  visitStart = -Infinity;

  constructor(itemId: ItemId) {
    this.itemId = itemId;
  }

  /** Makes an evicted record a new item's (keeps its history array's capacity). */
  reuse(itemId: ItemId): this {
    this.itemId = itemId;
    this.used = 0;
    this.metadata = undefined;
    this.dropped = 0;
    this.status = 0;
    this.stage = null;
    this.retries = 0;
    this.finished = false;
    this.visitStart = -Infinity;
    return this;
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
  readonly #items = new ItemIndex<ItemRecord>();
  /** The highest numeric id recorded since the last `restore` (none: -Infinity). */
  #highestId = -Infinity;
  readonly #counts: number[] = STATUS_TYPES.map(() => 0);
  readonly #failedByType = new Map<string, number>();
  readonly #failedByStage = new Map<string, number>();
  readonly names: NameTable = new NameTable();
  /** Whole-stage durations (timed by `record()`) and task durations (fed by the tracker). */
  readonly latency: LatencyRecorder = new LatencyRecorder();
  /** Evicted records, ready for new items. */
  #spare: ItemRecord[] = [];

  constructor(historyLimit: number, maxItems: number) {
    this.#historyLimit = historyLimit;
    this.#maxItems = maxItems;
  }

  /**
   * Records a status change. `known` is the item's record from an earlier call (callers that keep
   * it save a lookup). Returns the record.
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
  ): ItemRecord {
    // A handle is trusted while its item is unfinished (finished records may be evicted). A
    // numeric id above every one seen is new: no lookup (the engine's sequence ids always are).
    const above = typeof itemId === "number" && itemId > this.#highestId;
    let record = known !== undefined && !known.finished && known.itemId === itemId
      ? known
      : above
      ? undefined
      : this.#items.get(itemId);
    if (record === undefined) {
      if (above) this.#highestId = itemId as number;
      // Evicted records are reused: with maxItems, the store then allocates nothing per item in
      // the steady state, so nothing long-lived is left for the garbage collector to promote.
      record = this.#spare.pop()?.reuse(itemId) ?? new ItemRecord(itemId);
      this.#items.add(record);
    } else {
      this.#counts[record.status]--;
      if (record.status === FAILED) this.#countFailure(this.#metadataOf(record), record.stage, -1);
      if (record.stage !== stage.name) record.retries = 0;
    }
    this.#timeStage(record, stage, status, timestamp);
    const number = record.dropped + record.used / 2;
    if (metadata !== undefined && hasKeys(metadata)) {
      (record.metadata ??= new Map()).set(number, metadata);
    }
    record.packed[record.used++] = stage.id * STAGE_UNIT + worker.id * 8 + status;
    record.packed[record.used++] = timestamp;
    record.status = status;
    record.stage = stage.name;
    this.#counts[status]++;
    if (status === RETRYING) record.retries++;
    else if (status === FAILED) this.#countFailure(metadata, stage.name, 1);
    if (this.#historyLimit !== Infinity) this.#trim(record);
    if (this.#maxItems !== Infinity) this.#noteStatus(record, finished);
    record.finished = finished;
    return record;
  }

  get(itemId: ItemId): StatusEvent | undefined {
    const record = this.#items.get(itemId);
    return record === undefined ? undefined : this.#current(record);
  }

  ids(): ItemId[] {
    const out: ItemId[] = [];
    for (const record of this.#items.values()) out.push(record.itemId);
    return out;
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
    const events = record.used / 2;
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
    this.#highestId = -Infinity;
    this.#spare = [];
    this.#failedByType.clear();
    this.#failedByStage.clear();
    STATUS_TYPES.forEach((status, i) => (this.#counts[i] = counts[status] ?? 0));
  }

  #current(record: ItemRecord): StatusEvent {
    return this.#build(record, record.used / 2 - 1);
  }

  /** The event at position `i` of the record's packed history. */
  #build(record: ItemRecord, i: number): StatusEvent {
    const code = record.packed[2 * i];
    return new StatusEvent({
      itemId: record.itemId,
      stage: this.names.name(Math.floor(code / STAGE_UNIT)),
      status: STATUS_TYPES[code % 8],
      worker: this.names.name(Math.floor((code % STAGE_UNIT) / 8)),
      timestamp: record.packed[2 * i + 1],
      metadata: record.metadata?.get(record.dropped + i),
    });
  }

  /**
   * Times the item's visit of a stage: it starts at its first `in_progress` there (after a
   * `queued`, or coming from another stage; per_stage retries stay in the visit) and is recorded
   * at `completed` or `failed` there. Called before the record takes the new event, so
   * `record.status` and `record.stage` are the previous event's.
   */
  #timeStage(record: ItemRecord, stage: NameRef, status: number, timestamp: number): void {
    if (status === IN_PROGRESS) {
      if (record.status === QUEUED || record.stage !== stage.name || record.visitStart < 0) {
        record.visitStart = timestamp;
      }
    } else if (
      (status === COMPLETED || status === FAILED) && record.visitStart >= 0 &&
      record.stage === stage.name
    ) {
      this.latency.stage(stage, timestamp - record.visitStart, timestamp);
      record.visitStart = -Infinity;
    }
  }

  #metadataOf(record: ItemRecord): StatusMetadata | undefined {
    return record.metadata?.get(record.dropped + record.used / 2 - 1);
  }

  /** Keeps the history within the limit, cutting in bulk (amortised O(1) per event). */
  #trim(record: ItemRecord): void {
    const limit = Math.max(this.#historyLimit, 1);
    const events = record.used / 2;
    if (limit === Infinity || events <= 2 * limit) return;
    const drop = events - limit;
    record.packed.copyWithin(0, 2 * drop, record.used);
    record.used -= 2 * drop;
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

  /**
   * Keeps the finished items in the order they finished, and evicts the oldest of them while
   * more than `maxItems` items are kept. Called before `record.finished` takes the new value.
   */
  #noteStatus(record: ItemRecord, finished: boolean): void {
    const items = this.#items;
    if (finished) items.finish(record);
    else if (record.finished) items.unfinish(record); // an id fed again
    else return;
    while (items.size > this.#maxItems) {
      const old = items.oldestFinished;
      if (old === null) break;
      items.remove(old);
      this.#spare.push(old);
    }
  }
}

/** The type of the opaque per-item handle a caller may keep between `record` calls. */
export type ItemHandle = ItemRecord;

/**
 * A history code: stage id × 2^32 + worker id × 8 + status code. A double holds it exactly
 * (up to 2^21 distinct names).
 */
const STAGE_UNIT = 2 ** 32;
const FAILED = STATUS_TYPES.indexOf("failed");
const COMPLETED = STATUS_TYPES.indexOf("completed");
const IN_PROGRESS = STATUS_TYPES.indexOf("in_progress");
const QUEUED = STATUS_TYPES.indexOf("queued");
/** Room for 12 events (3 stages take 9); a reused record keeps what it grew to. */
const INITIAL_SLOTS = 24;

/**
 * A history array: a plain array of unboxed doubles (a typed array of this size would live
 * outside the heap, costly to allocate and to collect). Appending past its length grows it.
 */
function newPacked(): number[] {
  return new Array<number>(INITIAL_SLOTS).fill(0.5);
}
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
