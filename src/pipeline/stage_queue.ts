import { Deque } from "../utils/deque.ts";
import type { Envelope } from "./envelope.ts";

/** What `take()` resolves to once the queue is closed. */
export const CLOSED: unique symbol = Symbol("closed");

interface BlockedPut {
  envelope: Envelope;
  resolve: () => void;
}

/**
 * A stage's input queue: priority order (lower first, FIFO within), a capacity that makes producers
 * wait, and direct hand-over to waiting workers. Capacity 0 is a rendezvous: a put completes only
 * when a worker takes the item (pull stages).
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
  #closed = false;

  constructor(capacity: number) {
    this.capacity = capacity;
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
   */
  put(envelope: Envelope): Promise<void> | undefined {
    const consumer = this.#consumers.shift();
    if (consumer !== undefined) {
      consumer(envelope);
      return undefined;
    }
    if (this.#size < this.capacity || this.#closed) {
      this.#push(envelope);
      return undefined;
    }
    return new Promise<void>((resolve) => this.#producers.push({ envelope, resolve }));
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
        this.#admitProducer();
      } else {
        const producer = this.#producers.shift();
        if (producer === undefined) return undefined;
        producer.resolve();
        envelope = producer.envelope;
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
    while (this.#size < this.capacity && this.#producers.length > 0) this.#admitProducer();
  }

  /** Wakes every waiting worker with `CLOSED` and every waiting producer; nothing waits after this. */
  close(): Envelope[] {
    this.#closed = true;
    for (const consumer of this.#consumers.clear()) consumer(CLOSED);
    const left: Envelope[] = [];
    for (const bucket of this.#buckets.values()) left.push(...bucket.clear());
    for (const producer of this.#producers.clear()) {
      left.push(producer.envelope);
      producer.resolve();
    }
    this.#buckets.clear();
    this.#priorities.length = 0;
    this.#size = 0;
    return left;
  }

  #push(envelope: Envelope): void {
    let bucket = this.#buckets.get(envelope.priority);
    if (bucket === undefined) {
      bucket = new Deque<Envelope>();
      this.#buckets.set(envelope.priority, bucket);
    }
    if (bucket.length === 0) this.#insertPriority(envelope.priority);
    bucket.push(envelope);
    this.#size++;
  }

  #pop(): Envelope {
    const priority = this.#priorities[0];
    const bucket = this.#buckets.get(priority)!;
    const envelope = bucket.shift()!;
    if (bucket.length === 0) this.#dropPriority(priority);
    this.#size--;
    return envelope;
  }

  #admitProducer(): void {
    const producer = this.#producers.shift();
    if (producer === undefined) return;
    this.#push(producer.envelope);
    producer.resolve();
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
    if (this.#buckets.size > 8) this.#buckets.delete(priority);
    const index = this.#priorities.indexOf(priority);
    if (index !== -1) this.#priorities.splice(index, 1);
  }
}
