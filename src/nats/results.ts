/**
 * Results: every item's terminal state goes to its producer's results subject, and the producer's
 * collector hands each to whoever waits for that item, by id. The results stream keeps messages
 * by age, not until acknowledged: a result waits there for its producer (even one that
 * restarted), and a collected one stays a little longer — at least the stream's
 * `duplicate_window` — because a server rebuilds its `Nats-Msg-Id` table after a restart only
 * from the messages it still holds: a result re-published after a restart (a delivery whose
 * acknowledgement the restart lost) is then still recognised as a duplicate and not stored twice.
 * The collector trims what it collected once per window.
 *
 * @module
 */
import { nanos } from "@nats-io/nats-core";
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { ItemId } from "../tracker/types.ts";
import type { NatsCodec } from "./codec.ts";
import { RemoteError } from "./errors.ts";
import type { NatsLayout } from "./layout.ts";
import type { Outbox } from "./outbox.ts";
import { readResultHeaders, type ResultStatus } from "./record.ts";

/** The results consumer's `ack_wait`. */
const RESULTS_ACK_WAIT_MS = 5000;

/** An item's terminal state, as its producer receives it. */
export interface RemoteResult {
  readonly id: ItemId;
  readonly status: ResultStatus;
  /** The stage that produced it: the last stage, or the one where it failed. */
  readonly stage: string;
  /** The output of the last stage, or (failed) the input of the failing stage. */
  readonly value: unknown;
  /** Set when `status` is `"failed"`: the error as `{ name, message }`. */
  readonly error: Error | undefined;
  /** Attempts made in `stage`. */
  readonly attempts: number;
}

/** Options of {@link ResultCollector.open}. */
export interface CollectorOptions {
  /** How long the collector's consumer outlives this process on the server. */
  inactiveMs: number;
  /** A result nobody here waits for (an item fed by an earlier process with this origin). */
  onUnclaimed?: (result: RemoteResult) => void;
  /** Reading the results failed (the collector retries). */
  onError: (error: unknown) => void;
  /**
   * The stream's `duplicate_window`: collected results are purged once they are older than one
   * window (checked every window).
   */
  trimEveryMs: number;
  /** Where acknowledgements wait to be written with the others of their turn. */
  outbox: Outbox;
}

/** Collects one producer's results (see the module doc). */
export class ResultCollector {
  readonly #waiting = new Map<ItemId, (result: RemoteResult) => void>();
  readonly #codec: NatsCodec;
  readonly #options: CollectorOptions;
  #messages: { close(): Promise<void | Error> } | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;
  #trim: ReturnType<typeof setInterval> | undefined;

  private constructor(codec: NatsCodec, options: CollectorOptions) {
    this.#codec = codec;
    this.#options = options;
  }

  /** Creates (or reattaches to) the durable consumer of `origin`'s results and starts reading. */
  static async open(
    js: JetStreamClient,
    jsm: JetStreamManager,
    layout: NatsLayout,
    origin: string,
    codec: NatsCodec,
    options: CollectorOptions,
  ): Promise<ResultCollector> {
    const durable = `results-${origin}`;
    await jsm.consumers.add(layout.resultsStream, {
      durable_name: durable,
      filter_subject: layout.resultsSubject(origin),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      // Collecting a result takes no time; a short ack_wait brings back soon what a restarted
      // server forgot was acknowledged (it is a duplicate then, and dropped).
      ack_wait: nanos(RESULTS_ACK_WAIT_MS),
      inactive_threshold: nanos(options.inactiveMs),
    });
    const consumer = await js.consumers.get(layout.resultsStream, durable);
    const collector = new ResultCollector(codec, options);
    const messages = await consumer.consume({ max_messages: 512 });
    collector.#messages = messages;
    collector.#loop = (async () => {
      try {
        for await (const msg of messages) collector.#receive(msg);
      } catch (error) {
        if (!collector.#closed) options.onError(error);
      }
    })();
    collector.#trimCollected(jsm, layout, origin);
    return collector;
  }

  /**
   * Every `trimEveryMs`, purges this producer's results up to the ack floor seen one period
   * earlier: collected, and older than the de-duplication window.
   */
  #trimCollected(jsm: JetStreamManager, layout: NatsLayout, origin: string): void {
    let floor = 0;
    this.#trim = setInterval(async () => {
      try {
        const info = await jsm.consumers.info(layout.resultsStream, `results-${origin}`);
        if (floor > 0) {
          await jsm.streams.purge(layout.resultsStream, {
            filter: layout.resultsSubject(origin),
            seq: floor + 1,
          });
        }
        floor = info.ack_floor.stream_seq;
      } catch (error) {
        if (!this.#closed) this.#options.onError(error);
      }
    }, this.#options.trimEveryMs);
  }

  /** Items waited for. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Calls `onResult` once, when the result of `id` arrives (a later one replaces it). */
  expect(id: ItemId, onResult: (result: RemoteResult) => void): void {
    this.#waiting.set(id, onResult);
  }

  /** Stops waiting for `id`. */
  forget(id: ItemId): void {
    this.#waiting.delete(id);
  }

  /** Stops reading (results not yet read stay on the server). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#trim);
    await this.#messages?.close().catch(() => {});
    await this.#loop;
  }

  #receive(msg: JsMsg): void {
    const facts = readResultHeaders(msg.headers);
    if (facts === undefined) {
      msg.ack();
      return;
    }
    let value: unknown;
    try {
      value = this.#codec.decode(msg.data);
    } catch (error) {
      value = undefined;
      this.#options.onError(error);
    }
    const result: RemoteResult = {
      id: facts.id,
      status: facts.status,
      stage: facts.stage,
      value,
      error: facts.error === undefined ? undefined : new RemoteError(facts.error),
      attempts: facts.attempts,
    };
    const waiter = this.#waiting.get(facts.id);
    if (waiter !== undefined) {
      this.#waiting.delete(facts.id);
      waiter(result);
    } else {
      this.#options.onUnclaimed?.(result);
    }
    this.#options.outbox.defer(() => msg.ack());
  }
}
