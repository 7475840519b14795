/**
 * The queue-backend seam: what a stage's input queue implements. The engine uses every stage's
 * queue through {@linkcode QueueBackend} only; the in-memory queue is the default (and fastest)
 * implementation. A durable backend (NATS JetStream, say) implements the same contract, so that
 * items survive a crash and several processes can share a stage's work.
 *
 * @module
 */
import type { ItemId } from "../tracker/types.ts";

/**
 * An item as a queue backend sees it: the engine's own object, which a backend stores, hands out
 * and passes back, but never changes. A durable backend stores `id`, `value`, `priority` and
 * `attempt` (a {@linkcode QueueRecord}) and keeps the object for the items this process put.
 */
export interface QueuedItem {
  /** The item's id, unique among the items in flight. */
  readonly id: ItemId;
  /** Lower is served first. */
  readonly priority: number;
  /** The input of the stage whose queue the item is in. */
  readonly value: unknown;
  /** The stage attempt this delivery is for, from 1 (per_stage retries count it up). */
  readonly attempt: number;
  /**
   * The item's trace context, a W3C `traceparent`, when its run is instrumented (see
   * `PipelineInstrumentation`): a durable backend carries it in the message's headers.
   */
  readonly trace?: string | undefined;
  /**
   * Set once the item reached a terminal state (it was cancelled while queued, say): a backend
   * never hands it out again, and drops it at {@linkcode QueueBackend.purge} or when it comes up.
   */
  readonly done: boolean;
}

/** The durable form of a queued item: what a durable backend stores and reads back. */
export interface QueueRecord {
  /** The item's id. */
  readonly id: ItemId;
  /** The input of the stage. */
  readonly value: unknown;
  /** Lower is served first. */
  readonly priority: number;
  /** The stage attempt of the delivery. */
  readonly attempt: number;
}

/** What the engine tells a backend about the stage whose queue it creates. */
export interface QueueBackendOptions {
  /** The stage's name. */
  readonly stage: string;
  /**
   * How many items may wait before a put waits (backpressure): `Infinity` for no bound, `0` for
   * a rendezvous (a put completes only when a worker takes the item; pull stages).
   */
  readonly capacity: number;
  /**
   * The stage's workers: at most this many items are held (taken and not yet acknowledged or
   * given back) at once. JetStream: `max_ack_pending` must be at least this.
   */
  readonly workers: number;
  /**
   * The most deliveries the engine makes of an item in this stage (its `stageAttempts` in
   * per_stage mode, else 1). JetStream: `max_deliver` must be higher, so that deliveries lost to
   * a crash do not use up the item's attempts.
   */
  readonly maxDeliveries: number;
}

/** What the engine offers a backend it creates. */
export interface QueueBackendHooks<T extends QueuedItem> {
  /**
   * Turns a record the backend delivers but this process did not put (a peer fed it, a peer that
   * held it crashed, or this process restarted) into an item the backend then hands out like any
   * other: an item of the pipeline's open serve batch (an internal, long-lived run whose results
   * stream out in completion order; `@antflow/antflow/nats` opens one per stage worked), in this
   * queue's stage, with the record's id, value, priority and attempt, reported `queued` as a fed
   * item is. `deliveries` counts its deliveries so far (JetStream: `info.deliveryCount`).
   * Returns `undefined` when this engine cannot take it (no serve batch is open, the pipeline
   * stopped, or an item with that id is in flight here): the backend then leaves it to another
   * consumer (JetStream: `nak()`). Synchronous: call it when a worker may take the item next.
   */
  adopt(record: QueueRecord, deliveries: number): T | undefined;
}

/**
 * A stage's input queue. The contract, which every backend keeps and the engine relies on:
 *
 * - **Order.** Items come out by `priority` (lower first), first in first out within a
 *   priority; items given back by `retry` join the back of their priority's line once their
 *   delay has passed.
 * - **Backpressure.** `put` is synchronous while there is room (it returns `undefined`) and
 *   returns a promise when the producer must wait; items enter in the order their producers
 *   started waiting. `retry` never waits for room (a worker giving an item back must not block
 *   on its own queue).
 * - **Hand-out.** `tryTake`/`take` never return an item whose `done` is set; waiting takers are
 *   served first come, first served, and an item put while a taker waits goes straight to it.
 * - **Acknowledgement.** A delivery ends with exactly one of `ack` (the item entered the next
 *   stage's queue or reached a terminal state) or `retry` (another delivery after a delay). The
 *   engine may also `ack` an item the backend never held or already dropped (an item cancelled
 *   before it entered): a backend ignores it. Until then, `working` tells the backend that a
 *   worker still holds the item.
 * - **Closing.** `close` wakes every waiting taker (with `undefined`) and producer; nothing waits
 *   on the queue afterwards. The engine closes a queue when the pipeline shuts down and creates
 *   a fresh one for the next start.
 *
 * JetStream maps onto it as `@antflow/antflow/nats` builds it (`src/nats/delivery_queue.ts`):
 * the stage's durable pull consumer feeds `take`/`tryTake`, fetching only as many messages as
 * the stage's workers can take plus a small prefetch (a fetched message's `ack_wait` runs
 * already); each delivery is decoded and adopted (`hooks.adopt`) into the serve batch, and the
 * queue keeps which delivery each item is. `working` = `msg.working()`, with `keepAliveMs` a
 * third of the consumer's `ack_wait` (messages fetched and not yet taken are kept alive by the
 * consumer's own heartbeat). `ack` only marks that the engine is done with the delivery: in the
 * last stage the engine acknowledges an item at its terminal state in this process, before the
 * result is stored anywhere durable, so the real `msg.ack()` comes from the stage worker once
 * the outcome is stored (the output published to the next stage and acknowledged by the server,
 * or the result and dead letter written). The stage runs one attempt per delivery, so the
 * engine never calls `retry` (a `retry` would let go of an item its serve batch still waits
 * for): a per_stage retry is the stage worker's `nak(delay)` after the failed attempt is
 * recorded, and the attempt number is stored on the server so the redelivery, in any process,
 * is adopted with the next one. Nothing is `put`: items enter the stage through the server.
 *
 * @typeParam T The engine's item type.
 */
export interface QueueBackend<T extends QueuedItem = QueuedItem> {
  /** The bound given at creation (`Infinity`: none, `0`: rendezvous). */
  readonly capacity: number;
  /** Items waiting to be taken, as far as this process knows (for stats and dashboards). */
  readonly size: number;
  /** Whether a `put` now would have to wait. */
  readonly full: boolean;
  /**
   * How often (ms) the engine calls {@linkcode QueueBackend.working} for each item a worker of
   * the stage holds; `undefined` (the in-memory queue): never.
   */
  readonly keepAliveMs: number | undefined;
  /**
   * Offers an item.
   *
   * @param item The item; its `priority` places it.
   * @param onEnter When the put has to wait: called the moment the item enters the queue,
   *   synchronously, before any take can return it (the engine reports the item `queued` then).
   * @returns `undefined` when the item entered at once; otherwise a promise that resolves once
   *   it entered (after what `onEnter` returned, if that was a promise) or was dropped (`done`).
   */
  put(item: T, onEnter?: (item: T) => void | Promise<void>): Promise<void> | undefined;
  /**
   * Resolves once the queue has room again (at the latest when it is about half empty, so a
   * producer holding no item wakes once per burst rather than once per item), or is closed.
   */
  space(): Promise<void>;
  /** The next item, or `undefined` when none is ready now. */
  tryTake(): T | undefined;
  /** The next item, waiting for one; `undefined` once the queue is closed. */
  take(): Promise<T | undefined>;
  /**
   * Ends the item's delivery for good: it entered the next stage's queue, or it reached a
   * terminal state (completed, skipped, failed, cancelled — possibly while still queued or
   * waiting for a retry, whose timer the backend then clears). Idempotent.
   */
  ack(item: T): void;
  /**
   * Gives the item back for another delivery after `delayMs` (>= 0): a per_stage retry. The
   * engine has counted `item.attempt` up already. If the item is `done` by the time it is due, it
   * is dropped.
   */
  retry(item: T, delayMs: number): void;
  /** A worker still holds the item (see {@linkcode QueueBackend.keepAliveMs}). */
  working(item: T): void;
  /**
   * Drops every item whose `done` is set, buffered or held by a waiting producer (whose put then
   * resolves). The engine calls it after cancelling items.
   */
  purge(): void;
  /** Stops the queue: wakes every waiting taker (with `undefined`) and producer. */
  close(): void;
}

/**
 * Creates the queue of one stage.
 *
 * @typeParam T The engine's item type.
 */
export type QueueBackendFactory<T extends QueuedItem = QueuedItem> = (
  options: QueueBackendOptions,
  hooks: QueueBackendHooks<T>,
) => QueueBackend<T>;
