/**
 * One stage's durable pull consumer, as a source of deliveries for this process's workers. It
 * fetches only as many messages as workers wait for (a fetched message's `ack_wait` clock runs
 * already), keeps every message it handed out alive with `working()` until it is settled (except
 * while it is lent: the engine's keep-alive covers a message a worker holds), and gives the rest
 * back on close.
 *
 * @module
 */
import type { Consumer, JsMsg } from "@nats-io/jetstream";
import { delay } from "../limits/delay.ts";
import { Deque } from "../utils/deque.ts";
import type { Outbox } from "./outbox.ts";
import { type ItemHeaders, readItemHeaders } from "./record.ts";

/** A message handed to a worker, with its item's facts. */
export interface Delivery {
  readonly msg: JsMsg;
  readonly item: ItemHeaders;
  /** How many times the server delivered it (1 the first time). */
  readonly deliveries: number;
  /**
   * The stage attempt it is for (per_stage: read back for a redelivery by the stage's worker;
   * 1 otherwise).
   */
  attempt: number;
}

/** Options of a {@link StageSource}. */
export interface StageSourceOptions {
  /** The stage's name (for messages). */
  stage: string;
  /** Where acknowledgements wait to be written with the others of their turn. */
  outbox: Outbox;
  /** How often held messages get `working()`: a fraction of the consumer's `ack_wait`. */
  heartbeatMs: number;
  /** How long one pull request waits on the server (>= 1000). */
  expiresMs?: number;
  /**
   * While a pull request is out, another is sent only for at least this many waiting workers
   * (one request per message would cap a stage at a few thousand messages a second).
   */
  minBatch?: number;
  /**
   * A delivery numbered `maxDeliver` (the server's last) is not handed out but given to `onLast`
   * instead; `undefined`: hand out every delivery.
   */
  maxDeliver?: number;
  /** Takes over a last delivery (fails the item for good); must settle the message. */
  onLast?: (delivery: Delivery) => void;
  /** A message without AntFlow's headers arrived (it is acknowledged and dropped). */
  onForeign?: (msg: JsMsg) => void;
  /** A fetch failed (the source retries after a pause). */
  onError?: (error: unknown) => void;
}

type Taker = (delivery: Delivery | undefined) => void;

/** A stage's consumer as a queue of deliveries (see the module doc). */
export class StageSource {
  readonly #consumer: Consumer;
  readonly #options: StageSourceOptions;
  readonly #takers = new Deque<Taker>();
  readonly #held = new Map<JsMsg, ItemHeaders>();
  /** Held messages whose keep-alive is the engine's while a worker holds them (see `lend`). */
  readonly #lent = new Set<JsMsg>();
  /** Acknowledged here, the acknowledgement not yet written (it waits in the outbox). */
  readonly #acking = new Map<JsMsg, ItemHeaders>();
  #requested = 0;
  #scheduled = false;
  #closed = false;
  /** Aborted by `close()`: ends the pause after a failed fetch. */
  readonly #stop = new AbortController();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #fetches = new Set<Promise<void>>();
  #stops = new Set<{ close(): Promise<void | Error> }>();

  constructor(consumer: Consumer, options: StageSourceOptions) {
    this.#consumer = consumer;
    this.#options = options;
  }

  /** How often held messages get `working()` (a fraction of the consumer's `ack_wait`). */
  get heartbeatMs(): number {
    return this.#options.heartbeatMs;
  }

  /** Messages handed out and not yet settled. */
  get held(): number {
    return this.#held.size;
  }

  /** Every message handed out and not yet settled, with its item. */
  heldItems(): IterableIterator<[JsMsg, ItemHeaders]> {
    return this.#held.entries();
  }

  /** The items acknowledged here whose acknowledgement is not yet written. */
  ackingItems(): IterableIterator<ItemHeaders> {
    return this.#acking.values();
  }

  /** Workers waiting for a delivery. */
  get waiting(): number {
    return this.#takers.length;
  }

  /** The next delivery; `undefined` once the source is closed. */
  take(): Promise<Delivery | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    const promise = new Promise<Delivery | undefined>((resolve) => this.#takers.push(resolve));
    this.#schedule();
    return promise;
  }

  /** The item entered the next stage, or reached its terminal state: it is done here. */
  ack(msg: JsMsg): void {
    const item = this.#held.get(msg);
    if (item === undefined || !this.#release(msg)) return;
    this.#acking.set(msg, item);
    this.#options.outbox.defer(() => {
      this.#acking.delete(msg);
      msg.ack();
    });
  }

  /** Another delivery after `delayMs` (a per_stage retry, or a message given back). */
  nak(msg: JsMsg, delayMs = 0): void {
    if (!this.#release(msg)) return;
    msg.nak(delayMs > 0 ? Math.ceil(delayMs) : undefined);
  }

  /** Keeps the message alive now (besides the periodic heartbeat). */
  working(msg: JsMsg): void {
    if (this.#held.has(msg)) msg.working();
  }

  /**
   * A worker of the engine holds the message now, and the engine calls `working()` for it: the
   * heartbeat skips it until {@linkcode StageSource.reclaim}.
   */
  lend(msg: JsMsg): void {
    if (this.#held.has(msg)) this.#lent.add(msg);
  }

  /** The engine is done with the message (it is being settled): the heartbeat covers it again. */
  reclaim(msg: JsMsg): void {
    this.#lent.delete(msg);
  }

  /**
   * Stops fetching; waiting takers get `undefined`; messages that arrive afterwards are given
   * back at once. Messages still held stay held (their workers may finish and settle them) and
   * are heartbeaten until settled.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    for (let taker = this.#takers.shift(); taker !== undefined; taker = this.#takers.shift()) {
      taker(undefined);
    }
    await Promise.all([...this.#stops].map((s) => s.close().catch(() => {})));
    await Promise.all(this.#fetches);
  }

  /** Gives back every held message (for another process to take). */
  giveBackHeld(): void {
    for (const msg of [...this.#held.keys()]) this.nak(msg);
  }

  #release(msg: JsMsg): boolean {
    if (!this.#held.delete(msg)) return false;
    this.#lent.delete(msg);
    if (this.#held.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
    return true;
  }

  #hold(msg: JsMsg, item: ItemHeaders): void {
    this.#held.set(msg, item);
    if (this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => {
        for (const held of this.#held.keys()) if (!this.#lent.has(held)) held.working();
      }, this.#options.heartbeatMs);
    }
  }

  /** Takers that arrive in one turn share one pull request. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // With the acknowledgements and publishes of this turn: one socket write for all of them.
    this.#options.outbox.defer(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#closed) return;
    const want = this.#takers.length - this.#requested;
    if (want <= 0) return;
    if (this.#requested > 0 && want < (this.#options.minBatch ?? 1)) return;
    this.#requested += want;
    const fetching = this.#fetch(want);
    this.#fetches.add(fetching);
    fetching.finally(() => this.#fetches.delete(fetching));
  }

  async #fetch(count: number): Promise<void> {
    let received = 0;
    let failed = false;
    try {
      const batch = await this.#consumer.fetch({
        max_messages: count,
        expires: this.#options.expiresMs ?? 2000,
      });
      this.#stops.add(batch);
      try {
        for await (const msg of batch) {
          received++;
          this.#requested--;
          this.#deliver(msg);
        }
      } finally {
        this.#stops.delete(batch);
      }
    } catch (error) {
      failed = true;
      if (!this.#closed) this.#options.onError?.(error);
    } finally {
      this.#requested -= count - received;
    }
    if (failed && !this.#closed) await delay(500, { signal: this.#stop.signal }).catch(() => {});
    this.#pump();
  }

  #deliver(msg: JsMsg): void {
    const item = readItemHeaders(msg.headers);
    if (item === undefined) {
      msg.ack();
      this.#options.onForeign?.(msg);
      this.#schedule();
      return;
    }
    const taker = this.#closed ? undefined : this.#takers.shift();
    if (taker === undefined) {
      msg.nak();
      return;
    }
    const delivery: Delivery = { msg, item, deliveries: msg.info.deliveryCount, attempt: 1 };
    this.#hold(msg, item);
    const last = this.#options.maxDeliver;
    if (last !== undefined && delivery.deliveries >= last && this.#options.onLast !== undefined) {
      // Not this worker's: the item is failed for good, and the worker waits for the next one.
      this.#takers.push(taker);
      this.#schedule();
      this.#options.onLast(delivery);
      return;
    }
    taker(delivery);
  }
}
