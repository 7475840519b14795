import { Deque } from "../utils/deque.ts";
import type { Envelope } from "./envelope.ts";

/** What `take()` resolves to once the queue is closed. */
export const CLOSED: unique symbol = Symbol("closed");

interface BlockedPut {
  envelope: Envelope;
  resolve: (entered?: void | Promise<void>) => void;
  /** Its `queued` event was emitted before the put (no `onEnter` call then). */
  announced: boolean;
}

/**
 * A stage's input queue: priority order (lower first, FIFO within), a capacity that makes producers
 * wait, and direct hand-over to waiting workers. Capacity 0 is a rendezvous: a put completes only
 * when a worker takes the item (pull stages). An item whose producer had to wait enters the queue
 * later, inside a worker's take: `onEnter` is called then (the engine emits its `queued` event), and
 * the producer's put settles with what it returns.
 *
 * @internal
 */
export class StageQueue {
  readonly capacity: number;
  #buckets = new Map<number, Deque<Envelope>>();
  /** Priorities with a non-empty bucket, ascending. */
  #priorities: number[] = [];
  #size = 0;
  #consumers = new Deque<(envelope: Envelope | typeof CLOSED) => void>();
  #producers = new Deque<BlockedPut>();
  #spaceWaiters: (() => void)[] = [];
  /** The bucket last pushed to (most queues only ever see one priority). */
  #lastPriority = NaN;
  #lastBucket: Deque<Envelope> | undefined;
  #lowWater: number;
  #closed = false;
  /** Called when a waiting producer's item enters the queue (not for puts accepted at once). */
  onEnter: ((envelope: Envelope) => void | Promise<void>) | undefined = undefined;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#lowWater = Math.floor(capacity / 2);
  }

  /** Whether a put would have to wait. */
  get full(): boolean {
    return this.#size >= this.capacity && !this.#closed && this.#consumers.length === 0;
  }

  /**
   * Resolves once the queue has drained to half its capacity (or closed), so a feeder holding no
   * item can wait for room and then fill it in one go instead of waking once per item.
   */
  space(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  /** Items buffered (not counting producers still waiting to put). */
  get size(): number {
    return this.#size;
  }

  /** Producers waiting for room. */
  get blocked(): number {
    return this.#producers.length;
  }

  /**
   * Offers an item. Returns `undefined` when it was accepted at once, or a promise that resolves
   * when it was (producers wait while the queue is full).
   *
   * @param announced Its `queued` event was already emitted: no `onEnter` call when it enters.
   */
  put(envelope: Envelope, announced = false): Promise<void> | undefined {
    const consumer = this.#consumers.shift();
    if (consumer !== undefined) {
      consumer(envelope);
      return undefined;
    }
    if (this.#size < this.capacity || this.#closed) {
      this.#push(envelope);
      return undefined;
    }
    return new Promise<void>((resolve) => this.#producers.push({ envelope, resolve, announced }));
  }

  /** Puts an item regardless of capacity (retries must never wait, or workers could deadlock). */
  force(envelope: Envelope): void {
    const consumer = this.#consumers.shift();
    if (consumer !== undefined) consumer(envelope);
    else this.#push(envelope);
  }

  /** The next live item, or `undefined` when there is none right now. */
  tryTake(): Envelope | undefined {
    for (;;) {
      let envelope: Envelope | undefined;
      if (this.#size > 0) {
        envelope = this.#pop();
        // Refill at half capacity, in one go: waiting producers then wake once per burst
        // instead of once per item (each wake is a promise and a task switch).
        if (this.#size <= this.#lowWater) this.#refill();
      } else {
        const producer = this.#producers.shift();
        if (producer === undefined) return undefined;
        envelope = producer.envelope;
        producer.resolve(this.#enter(producer));
      }
      if (!envelope.done) return envelope;
    }
  }

  /** The next live item, waiting for one; `CLOSED` once the queue is closed. */
  take(): Promise<Envelope | typeof CLOSED> {
    const envelope = this.tryTake();
    if (envelope !== undefined) return Promise.resolve(envelope);
    if (this.#closed) return Promise.resolve(CLOSED);
    return new Promise((resolve) => this.#consumers.push(resolve));
  }

  /** Drops every finished item (buffered or held by a waiting producer, whose put then completes). */
  purge(): void {
    for (const [priority, bucket] of this.#buckets) {
      if (bucket.length === 0) continue;
      this.#size -= bucket.removeWhere((e) => e.done);
      if (bucket.length === 0) this.#dropPriority(priority);
    }
    this.#producers.removeWhere((p) => {
      if (!p.envelope.done) return false;
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

  /** Wakes every waiting worker with `CLOSED` and every waiting producer; nothing waits after this. */
  close(): Envelope[] {
    this.#closed = true;
    this.#wakeSpace();
    for (const consumer of this.#consumers.clear()) consumer(CLOSED);
    const left: Envelope[] = [];
    for (const bucket of this.#buckets.values()) left.push(...bucket.clear());
    for (const producer of this.#producers.clear()) {
      left.push(producer.envelope);
      producer.resolve();
    }
    this.#buckets.clear();
    this.#lastBucket = undefined;
    this.#priorities.length = 0;
    this.#size = 0;
    return left;
  }

  #push(envelope: Envelope): void {
    const priority = envelope.priority;
    let bucket = this.#lastBucket;
    if (priority !== this.#lastPriority || bucket === undefined) {
      bucket = this.#buckets.get(priority);
      if (bucket === undefined) {
        bucket = new Deque<Envelope>();
        this.#buckets.set(priority, bucket);
      }
      this.#lastPriority = priority;
      this.#lastBucket = bucket;
    }
    if (bucket.length === 0) this.#insertPriority(priority);
    bucket.push(envelope);
    this.#size++;
  }

  #pop(): Envelope {
    const priority = this.#priorities[0];
    const bucket = priority === this.#lastPriority
      ? this.#lastBucket!
      : this.#buckets.get(priority)!;
    const envelope = bucket.shift()!;
    if (bucket.length === 0) this.#dropPriority(priority);
    this.#size--;
    return envelope;
  }

  #refill(): void {
    let entered: BlockedPut[] | undefined;
    while (this.#size < this.capacity && this.#producers.length > 0) {
      const producer = this.#producers.shift()!;
      this.#push(producer.envelope);
      (entered ??= []).push(producer);
    }
    if (this.#size < this.capacity && this.#spaceWaiters.length > 0) this.#wakeSpace();
    if (entered === undefined) return;
    // Announced once the queue is consistent: an event listener may cancel items (and purge).
    for (const producer of entered) producer.resolve(this.#enter(producer));
  }

  #enter(producer: BlockedPut): void | Promise<void> {
    const envelope = producer.envelope;
    if (producer.announced || envelope.done || this.onEnter === undefined) return undefined;
    return this.onEnter(envelope);
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
