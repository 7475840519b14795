import { Deque } from "../utils/deque.ts";
import type { QueueBackend, QueueBackendOptions, QueuedItem } from "./queue_backend.ts";

interface BlockedPut<T> {
  item: T;
  resolve: (entered?: void | Promise<void>) => void;
  /** Called when the item enters (the engine reports it `queued` then). */
  onEnter: ((item: T) => void | Promise<void>) | undefined;
}

/**
 * The default queue backend: in memory, with priority order (lower first, FIFO within), a
 * capacity that makes producers wait, and direct hand-over to waiting workers. Capacity 0 is a
 * rendezvous: a put completes only when a worker takes the item (pull stages). An item whose
 * producer had to wait enters the queue later, inside a worker's take; its `onEnter` is called
 * then and the producer's put settles with what it returns. Nothing survives the process, so
 * `ack` only clears a pending retry timer and `working` does nothing.
 *
 * @internal
 */
export class MemoryQueue<T extends QueuedItem> implements QueueBackend<T> {
  readonly capacity: number;
  readonly keepAliveMs: undefined = undefined;
  #buckets = new Map<number, Deque<T>>();
  /** Priorities with a non-empty bucket, ascending. */
  #priorities: number[] = [];
  #size = 0;
  #consumers = new Deque<(item: T | undefined) => void>();
  #producers = new Deque<BlockedPut<T>>();
  #spaceWaiters: (() => void)[] = [];
  /** Items given back by `retry`, until their delay has passed. */
  #timers = new Map<T, ReturnType<typeof setTimeout>>();
  /** The bucket last pushed to (most queues only ever see one priority). */
  #lastPriority = NaN;
  #lastBucket: Deque<T> | undefined;
  #lowWater: number;
  #closed = false;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#lowWater = Math.floor(capacity / 2);
  }

  get full(): boolean {
    return this.#size >= this.capacity && !this.#closed && this.#consumers.length === 0;
  }

  space(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  get size(): number {
    return this.#size;
  }

  put(item: T, onEnter?: (item: T) => void | Promise<void>): Promise<void> | undefined {
    const consumer = this.#consumers.shift();
    if (consumer !== undefined) {
      consumer(item);
      return undefined;
    }
    if (this.#size < this.capacity || this.#closed) {
      this.#push(item);
      return undefined;
    }
    return new Promise<void>((resolve) => this.#producers.push({ item, resolve, onEnter }));
  }

  retry(item: T, delayMs: number): void {
    if (delayMs <= 0) {
      this.#force(item);
      return;
    }
    this.#timers.set(
      item,
      setTimeout(() => {
        this.#timers.delete(item);
        if (!item.done) this.#force(item);
      }, delayMs),
    );
  }

  ack(item: T): void {
    if (this.#timers.size === 0) return;
    const timer = this.#timers.get(item);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(item);
  }

  working(_item: T): void {}

  tryTake(): T | undefined {
    for (;;) {
      let item: T | undefined;
      if (this.#size > 0) {
        item = this.#pop();
        // Refill at half capacity, in one go: waiting producers then wake once per burst
        // instead of once per item (each wake is a promise and a task switch).
        if (this.#size <= this.#lowWater) this.#refill();
      } else {
        const producer = this.#producers.shift();
        if (producer === undefined) return undefined;
        item = producer.item;
        producer.resolve(this.#enter(producer));
      }
      if (!item.done) return item;
    }
  }

  take(): Promise<T | undefined> {
    const item = this.tryTake();
    if (item !== undefined) return Promise.resolve(item);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#consumers.push(resolve));
  }

  purge(): void {
    for (const [priority, bucket] of this.#buckets) {
      if (bucket.length === 0) continue;
      this.#size -= bucket.removeWhere((e) => e.done);
      if (bucket.length === 0) this.#dropPriority(priority);
    }
    this.#producers.removeWhere((p) => {
      if (!p.item.done) return false;
      p.resolve();
      return true;
    });
    if (this.#size <= this.#lowWater) this.#refill();
  }

  #wakeSpace(): void {
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const resolve of waiters) resolve();
  }

  close(): void {
    this.#closed = true;
    this.#wakeSpace();
    for (const consumer of this.#consumers.clear()) consumer(undefined);
    for (const producer of this.#producers.clear()) producer.resolve();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#buckets.clear();
    this.#lastBucket = undefined;
    this.#priorities.length = 0;
    this.#size = 0;
  }

  /** Puts an item regardless of capacity. */
  #force(item: T): void {
    const consumer = this.#consumers.shift();
    if (consumer !== undefined) consumer(item);
    else this.#push(item);
  }

  #push(item: T): void {
    const priority = item.priority;
    let bucket = this.#lastBucket;
    if (priority !== this.#lastPriority || bucket === undefined) {
      bucket = this.#buckets.get(priority);
      if (bucket === undefined) {
        bucket = new Deque<T>();
        this.#buckets.set(priority, bucket);
      }
      this.#lastPriority = priority;
      this.#lastBucket = bucket;
    }
    if (bucket.length === 0) this.#insertPriority(priority);
    bucket.push(item);
    this.#size++;
  }

  #pop(): T {
    const priority = this.#priorities[0];
    const bucket = priority === this.#lastPriority
      ? this.#lastBucket!
      : this.#buckets.get(priority)!;
    const item = bucket.shift()!;
    if (bucket.length === 0) this.#dropPriority(priority);
    this.#size--;
    return item;
  }

  #refill(): void {
    let entered: BlockedPut<T>[] | undefined;
    while (this.#size < this.capacity && this.#producers.length > 0) {
      const producer = this.#producers.shift()!;
      this.#push(producer.item);
      (entered ??= []).push(producer);
    }
    if (this.#size < this.capacity && this.#spaceWaiters.length > 0) this.#wakeSpace();
    if (entered === undefined) return;
    // Announced once the queue is consistent: an event listener may cancel items (and purge).
    for (const producer of entered) producer.resolve(this.#enter(producer));
  }

  #enter(producer: BlockedPut<T>): void | Promise<void> {
    const { item, onEnter } = producer;
    if (onEnter === undefined || item.done) return undefined;
    return onEnter(item);
  }

  #insertPriority(priority: number): void {
    const list = this.#priorities;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid] < priority) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, priority);
  }

  #dropPriority(priority: number): void {
    // Keep a few empty buckets for reuse: a queue that drains and refills stays allocation-free.
    if (this.#buckets.size > 8) {
      this.#buckets.delete(priority);
      if (priority === this.#lastPriority) this.#lastBucket = undefined;
    }
    const list = this.#priorities;
    if (list[0] === priority) list.shift();
    else {
      const index = list.indexOf(priority);
      if (index !== -1) list.splice(index, 1);
    }
  }
}

/**
 * Creates the in-memory queue of a stage: the default of `PipelineOptions.queueBackend`, and the
 * fastest. A backend of your own can return it for the stages it does not take over, or wrap it.
 *
 * @typeParam T The engine's item type.
 * @param options The stage's queue options (only `capacity` is used).
 * @returns A queue that keeps the {@linkcode QueueBackend} contract in memory.
 */
export function memoryQueue<T extends QueuedItem>(options: QueueBackendOptions): QueueBackend<T> {
  return new MemoryQueue<T>(options.capacity);
}
