/**
 * A stage's queue backend on JetStream: the {@linkcode QueueBackend} that the in-process
 * pipeline of a `StageWorker` runs with. Its items come from the stage's durable pull consumer
 * (a {@linkcode StageSource}): each delivery is turned into a record by the worker (its attempt
 * number read back, its value decoded) and adopted by the engine (`hooks.adopt`) into the open
 * serve batch; the queue keeps which delivery each item is. It fetches only as many deliveries
 * as the stage's workers can take, plus a small prefetch.
 *
 * The mapping: `take`/`tryTake` hand out adopted items; `working(item)` is the delivery's
 * `msg.working()` (every `keepAliveMs`, a fraction of `ack_wait`, while a worker holds the item;
 * the source heartbeats the others); `ack(item)` only marks that the engine is done with the
 * delivery: the worker acknowledges it on the server once the outcome is stored. Nothing is ever
 * put (the stage is fed through the server) and the engine never gives an item back (the stage
 * runs one attempt per delivery; the worker decides on `nak(delay)` for per_stage retries).
 *
 * @module
 */
import type {
  QueueBackend,
  QueueBackendHooks,
  QueuedItem,
  QueueRecord,
} from "../pipeline/queue_backend.ts";
import { Deque } from "../utils/deque.ts";
import type { Delivery, StageSource } from "./stage_source.ts";

/** What turns deliveries into records, and takes back those the engine refuses. */
export interface DeliveryHost {
  /**
   * The record of a delivery (a fresh local id, its value decoded, its attempt), or `undefined`
   * when the host settled the delivery itself (it could not be decoded, say).
   */
  prepare(delivery: Delivery): QueueRecord | undefined | Promise<QueueRecord | undefined>;
  /** The engine did not adopt the record (it is stopping): the host gives the delivery back. */
  refused(delivery: Delivery, record: QueueRecord): void;
}

type Taker = (item: QueuedItem | undefined) => void;

/** A stage's queue on its JetStream consumer (see the module doc). */
export class DeliveryQueue implements QueueBackend<QueuedItem> {
  readonly capacity: number;
  readonly full = false;
  readonly keepAliveMs: number;
  readonly #source: StageSource;
  readonly #host: DeliveryHost;
  readonly #hooks: QueueBackendHooks<QueuedItem>;
  /** Deliveries wanted in hand: the stage's workers plus the prefetch. */
  readonly #want: number;
  /** Adopted, not yet taken by a worker. */
  readonly #ready = new Deque<QueuedItem>();
  readonly #takers = new Deque<Taker>();
  /** Adopted and not yet acknowledged by the engine, with their deliveries. */
  readonly #deliveries = new Map<QueuedItem, Delivery>();
  #asked = 0;
  #preparing = 0;
  #whenPrepared: (() => void) | undefined;
  #begun = false;
  #ended = false;
  #closed = false;

  /**
   * @param want Deliveries to keep in hand (adopted, being prepared or asked for).
   */
  constructor(
    source: StageSource,
    host: DeliveryHost,
    hooks: QueueBackendHooks<QueuedItem>,
    capacity: number,
    want: number,
  ) {
    this.#source = source;
    this.#host = host;
    this.#hooks = hooks;
    this.capacity = capacity;
    this.#want = want;
    this.keepAliveMs = source.heartbeatMs;
  }

  /** Adopted items waiting for a worker. */
  get size(): number {
    return this.#ready.length;
  }

  /** Starts fetching (once the serve batch adopts items). */
  begin(): void {
    this.#begun = true;
    this.#ask();
  }

  /** Resolves once no delivery is being prepared (after the source closed: none will be). */
  prepared(): Promise<void> {
    if (this.#preparing === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#whenPrepared = resolve));
  }

  put(): undefined {
    throw new Error(
      "AntFlow (nats): a stage worked through NATS is fed through the server (natsPipeline's feed/run/stream), not through its in-process pipeline",
    );
  }

  space(): Promise<void> {
    return Promise.resolve();
  }

  tryTake(): QueuedItem | undefined {
    for (let item = this.#ready.shift(); item !== undefined; item = this.#ready.shift()) {
      if (item.done) continue; // cancelled while it waited (acknowledged already)
      this.#lend(item);
      return item;
    }
    return undefined;
  }

  take(): Promise<QueuedItem | undefined> {
    const item = this.tryTake();
    if (item !== undefined || this.#closed) return Promise.resolve(item);
    const taken = new Promise<QueuedItem | undefined>((resolve) => this.#takers.push(resolve));
    this.#ask();
    return taken;
  }

  /** The engine is done with the item's delivery (the worker settles it on the server). */
  ack(item: QueuedItem): void {
    const delivery = this.#deliveries.get(item);
    if (delivery === undefined) return;
    this.#deliveries.delete(item);
    this.#source.reclaim(delivery.msg);
    this.#ask();
  }

  /**
   * Never called: the stage runs one attempt per delivery (per_stage retries are the worker's
   * `nak(delay)`). Kept to the contract all the same: the delivery is given back after `delayMs`.
   */
  retry(item: QueuedItem, delayMs: number): void {
    const delivery = this.#deliveries.get(item);
    if (delivery === undefined) return;
    this.#deliveries.delete(item);
    this.#source.nak(delivery.msg, delayMs);
    this.#ask();
  }

  working(item: QueuedItem): void {
    const delivery = this.#deliveries.get(item);
    if (delivery !== undefined) this.#source.working(delivery.msg);
  }

  purge(): void {
    const kept = [...this.#ready].filter((item) => !item.done);
    this.#ready.clear();
    for (const item of kept) this.#ready.push(item);
  }

  /**
   * The engine stopped: waiting workers get `undefined`, nothing more is adopted, and the source
   * heartbeats every delivery again until the worker gives it back or settles it.
   */
  close(): void {
    this.#closed = true;
    for (let taker = this.#takers.shift(); taker !== undefined; taker = this.#takers.shift()) {
      taker(undefined);
    }
    for (const delivery of this.#deliveries.values()) this.#source.reclaim(delivery.msg);
    this.#deliveries.clear();
    this.#ready.clear();
  }

  /** Keeps as many deliveries in hand as the workers can take, plus the prefetch. */
  #ask(): void {
    if (!this.#begun || this.#ended || this.#closed) return;
    const want = this.#want - this.#deliveries.size - this.#preparing - this.#asked;
    for (let i = 0; i < want; i++) {
      this.#asked++;
      this.#source.take().then(this.#arrived);
    }
  }

  readonly #arrived = (delivery: Delivery | undefined): void => {
    this.#asked--;
    if (delivery === undefined) {
      this.#ended = true; // the source closed
      return;
    }
    if (this.#closed) return void this.#source.nak(delivery.msg);
    const record = this.#host.prepare(delivery);
    if (!(record instanceof Promise)) return this.#adopt(delivery, record);
    this.#preparing++;
    record.then((prepared) => {
      this.#preparing--;
      this.#adopt(delivery, prepared);
      if (this.#preparing === 0) this.#whenPrepared?.();
    });
  };

  #adopt(delivery: Delivery, record: QueueRecord | undefined): void {
    if (record !== undefined) {
      const item = this.#closed ? undefined : this.#hooks.adopt(record, delivery.deliveries);
      // Refused, or cancelled by a listener of its `queued` event before it was registered.
      if (item === undefined || item.done) this.#host.refused(delivery, record);
      else {
        this.#deliveries.set(item, delivery);
        const taker = this.#takers.shift();
        if (taker === undefined) this.#ready.push(item);
        else {
          this.#lend(item);
          taker(item);
        }
      }
    }
    this.#ask();
  }

  #lend(item: QueuedItem): void {
    this.#source.lend(this.#deliveries.get(item)!.msg);
  }
}
