/**
 * One stage worked by this process: deliveries from the stage's consumer run through a
 * one-stage in-memory `Pipeline` (so tasks, per_task retries, timeouts, limits, callbacks and
 * tracker events behave exactly as in memory) whose queue backend is the consumer itself
 * (`delivery_queue.ts`: each delivery is adopted into the pipeline's serve batch), and each
 * result is settled on the server: the output is stored in the next stage (or the item's result
 * is recorded) and only then is the delivery acknowledged. A failure is recorded as a result and
 * a dead letter, then acknowledged. A per_stage stage makes one stage attempt per delivery: a
 * failed attempt with attempts left is given back with `nak(delay)` (see `retries.ts`), so that
 * the retry may run in any process.
 *
 * @module
 */
import { Pipeline } from "../pipeline/pipeline.ts";
import type { QueueRecord } from "../pipeline/queue_backend.ts";
import { serve, type Serving } from "../pipeline/serve.ts";
import { Stage } from "../pipeline/stage.ts";
import type { StreamResult } from "../pipeline/types.ts";
import type { StatusTracker } from "../tracker/status_tracker.ts";
import type { ItemId } from "../tracker/types.ts";
import { encodeResult, maxPayload, type NatsContext, writeTerminal } from "./context.ts";
import { errorFacts, ItemLostError, ItemTransferError } from "./errors.ts";
import { stageToken } from "./layout.ts";
import { type DeliveryHost, DeliveryQueue } from "./delivery_queue.ts";
import { encodeFor } from "./publish.ts";
import { itemHeaders, stageMsgId } from "./record.ts";
import { AttemptRecords, retriesByStage, stageRetryWait } from "./retries.ts";
import type { Delivery, StageSource } from "./stage_source.ts";

/**
 * The items one stage of a `natsPipeline()` member holds right now, by id (an item fed
 * twice under one id appears twice). A process killed now would see these delivered again to
 * others; the `running` and `settling` ones would run again.
 */
export interface StageHolding {
  /** In this process's in-memory pipeline for the stage: its task runs or is about to. */
  readonly running: ItemId[];
  /** Fetched from the server (their `ack_wait` clock runs), not yet in the pipeline. */
  readonly fetched: ItemId[];
  /**
   * Done here: their outcome (output in the next stage, or result) is being stored, or their
   * acknowledgement is not yet written (acknowledgements are written once per timer turn).
   */
  readonly settling: ItemId[];
}

/** Runs one stage's deliveries in this process (see the module doc). */
export class StageWorker implements DeliveryHost {
  readonly #ctx: NatsContext;
  readonly #stage: Stage;
  readonly #next: Stage | undefined;
  readonly #source: StageSource;
  /** The in-memory pipeline that runs the stage's tasks. */
  readonly local: Pipeline;
  /** The deliveries adopted by the local pipeline and not yet through it, by local id. */
  readonly #byId = new Map<ItemId, Delivery>();
  /** The local pipeline's current queue (a fresh one after each of its shutdowns). */
  #queue: DeliveryQueue | undefined;
  #serving: Serving | undefined;
  /** The deliveries done here whose outcome is being stored, by the promise that stores it. */
  readonly #settling = new Map<Promise<unknown>, Delivery>();
  #loop: Promise<void> | undefined;
  /** Set for a per_stage stage with retries: their attempt numbers on the server. */
  readonly #records: AttemptRecords | undefined;

  constructor(
    ctx: NatsContext,
    stage: Stage,
    next: Stage | undefined,
    source: StageSource,
    tracker: StatusTracker | undefined,
  ) {
    this.#ctx = ctx;
    this.#stage = stage;
    this.#next = next;
    this.#source = source;
    // Deliveries asked for beyond the workers: a quarter of them, at least one, so that a worker
    // that frees up does not wait for a fetch's round trip. Those wait at most one task and are
    // kept alive with `working()` meanwhile.
    const want = stage.workers + Math.max(1, Math.ceil(stage.workers / 4));
    this.#records = retriesByStage(stage)
      ? new AttemptRecords(ctx.jsm, ctx.layout, ctx.publisher)
      : undefined;
    this.local = new Pipeline({
      stages: [this.#localStage()],
      statusTracker: tracker,
      queueBackend: (options, hooks) => {
        this.#queue = new DeliveryQueue(source, this, hooks, options.capacity, want);
        return this.#queue;
      },
    });
  }

  /**
   * The stage as the in-process pipeline runs it. A per_stage stage makes one attempt per
   * delivery: this worker decides on retries (`retryIf`, backoff) and calls `onFailure` when the
   * item fails for good. An adopted item carries its cluster-wide attempt number, so its tasks
   * see that as `ctx.attempt` (and its events and failure record carry it).
   */
  #localStage(): Stage {
    const stage = this.#stage;
    const base = { ...stage.options, pull: false };
    if (this.#records === undefined) return new Stage(base);
    const { retryIf: _retryIf, onFailure: _onFailure, ...rest } = base;
    return new Stage({ ...rest, stageAttempts: 1 });
  }

  /** Starts taking deliveries. */
  start(): void {
    this.#loop ??= this.#run().catch((error) =>
      this.#ctx.report(error, `stage ${this.#stage.name}`)
    );
  }

  /**
   * Stops fetching; resolves once every item in hand is settled on the server: the items adopted
   * run to their end, deliveries that arrive meanwhile are given back.
   */
  async stop(): Promise<void> {
    await this.#source.close();
    await this.#queue?.prepared();
    this.#serving?.close();
    await this.finished();
  }

  /** Resolves once the source is closed and every item in hand is settled on the server. */
  async finished(): Promise<void> {
    await this.#loop;
    while (this.#settling.size > 0) await Promise.all(this.#settling.keys());
  }

  /** Fails a delivery the source will not hand out (its last one): every earlier one died. */
  readonly failLost = (delivery: Delivery): void => {
    const error = new ItemLostError(delivery.item.id, this.#stage.name, delivery.deliveries);
    this.#track(delivery, this.#fail(delivery, error));
  };

  /**
   * The items this process holds for the stage right now: adopted by its in-memory pipeline
   * (waiting for a worker or running), fetched and not yet there, done and being settled (their
   * outcome being stored, or their acknowledgement not yet written). Built on each call.
   */
  holding(): StageHolding {
    const held = new Map(this.#source.heldItems());
    const running: ItemId[] = [];
    const settling: ItemId[] = [];
    for (const delivery of this.#byId.values()) {
      if (held.delete(delivery.msg)) running.push(delivery.item.id);
    }
    for (const delivery of this.#settling.values()) {
      if (held.delete(delivery.msg)) settling.push(delivery.item.id);
    }
    for (const item of this.#source.ackingItems()) settling.push(item.id);
    const fetched = [...held.values()].map((item) => item.id);
    return { running, fetched, settling };
  }

  /** Serves the local pipeline: each result is settled on the server as it comes out. */
  async #run(): Promise<void> {
    const serving = serve(this.local);
    this.#serving = serving;
    try {
      await serving.ready;
      this.#queue!.begin();
      for await (const result of serving.results) {
        const delivery = this.#byId.get(result.id)!;
        this.#byId.delete(result.id);
        this.#track(delivery, this.#settle(delivery, result));
      }
    } catch (error) {
      // The local pipeline was shut down under it: its items were cancelled (given back below).
      if (!(error instanceof DOMException && error.name === "AbortError")) throw error;
    } finally {
      for (const delivery of this.#byId.values()) this.#source.nak(delivery.msg);
      this.#byId.clear();
    }
  }

  #track(delivery: Delivery, settling: Promise<unknown>): void {
    this.#settling.set(settling, delivery);
    settling.finally(() => this.#settling.delete(settling));
  }

  /**
   * The record the local pipeline adopts for a delivery: a per_stage redelivery's attempt number
   * is read back first; a payload that cannot be decoded fails the item here (no record).
   */
  prepare(delivery: Delivery): QueueRecord | undefined | Promise<QueueRecord | undefined> {
    if (this.#records === undefined || delivery.deliveries === 1) return this.#record(delivery);
    return this.#records.next(delivery.msg.seq).then(
      (attempt) => {
        delivery.attempt = attempt;
        return this.#record(delivery);
      },
      (error) => void this.#giveBack(delivery, error),
    );
  }

  /** The local pipeline did not adopt the record (it is stopping): another delivery later. */
  refused(delivery: Delivery, record: QueueRecord): void {
    this.#byId.delete(record.id);
    this.#source.nak(delivery.msg);
  }

  #record(delivery: Delivery): QueueRecord | undefined {
    let value: unknown;
    try {
      value = this.#ctx.options.codec.decode(delivery.msg.data);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const failure = new ItemTransferError(
        delivery.item.id,
        this.#stage.name,
        `its payload cannot be decoded (${this.#ctx.options.codec.name}): ${why}`,
      );
      this.#track(delivery, this.#fail(delivery, failure));
      return undefined;
    }
    // Its own id, unless an item with that id is in flight here (an item fed twice).
    const { id, origin, priority } = delivery.item;
    let local: ItemId = id;
    for (let n = 1; this.#byId.has(local); n++) local = `${id}@${origin}#${n}`;
    this.#byId.set(local, delivery);
    return { id: local, value, priority, attempt: delivery.attempt };
  }

  async #settle(delivery: Delivery, result: StreamResult<unknown>): Promise<void> {
    if (result.error !== undefined) {
      if (this.#records === undefined) return void await this.#fail(delivery, result.error);
      return this.#failedAttempt(delivery, result.error as Error, result.value);
    }
    const { id } = delivery.item;
    let data: Uint8Array;
    const next = this.#next;
    const facts = { ...delivery.item, stage: this.#stage.name, status: "completed" as const };
    try {
      data = next === undefined
        ? encodeResult(this.#ctx, result.value, { ...facts, attempts: delivery.attempt })
        : encodeFor(this.#ctx.options.codec, result.value, id, next.name, maxPayload(this.#ctx));
    } catch (error) {
      return void await this.#fail(delivery, error);
    }
    try {
      if (next === undefined) {
        await writeTerminal(this.#ctx, { ...facts, attempts: delivery.attempt }, data);
      } else {
        await this.#ctx.publisher.publish(
          {
            subject: this.#ctx.layout.stageSubject(next.name),
            data,
            headers: itemHeaders(delivery.item),
            msgID: stageMsgId(delivery.item, stageToken(next.name)),
          },
          id,
          next.name,
        );
      }
      this.#acknowledge(delivery);
    } catch (error) {
      this.#giveBack(delivery, error);
    }
  }

  /**
   * A per_stage attempt failed: with attempts left (and `retryIf`'s consent), its number is
   * stored and the delivery given back with `nak(backoff)`; otherwise the item fails for good.
   */
  async #failedAttempt(delivery: Delivery, error: Error, input: unknown): Promise<void> {
    const stage = this.#stage;
    const report = this.#ctx.report;
    const wait = await stageRetryWait(stage, delivery.attempt, error, report);
    if (wait === undefined) {
      const onFailure = stage.options.onFailure;
      if (!(await this.#fail(delivery, error)) || onFailure === undefined) return;
      try {
        await onFailure(delivery.item.id, error, input);
      } catch (thrown) {
        report(thrown, `stage ${stage.name}: onFailure`);
      }
      return;
    }
    try {
      await this.#records!.failed(delivery.msg.seq, delivery.attempt, delivery.item.id, stage.name);
    } catch (writeError) {
      return this.#giveBack(delivery, writeError);
    }
    this.#source.nak(delivery.msg, wait);
  }

  /** Acknowledges a settled delivery (and drops its stored attempt number, if it has one). */
  #acknowledge(delivery: Delivery): void {
    this.#source.ack(delivery.msg);
    if (delivery.attempt > 1) this.#records?.forget(delivery.msg.seq);
  }

  /**
   * Records the item's failure (result and dead letter), then acknowledges the delivery; resolves
   * to `false` when it could not be recorded (the delivery is then given back).
   */
  async #fail(delivery: Delivery, error: unknown): Promise<boolean> {
    try {
      await writeTerminal(this.#ctx, {
        ...delivery.item,
        stage: this.#stage.name,
        status: "failed",
        error: errorFacts(error),
        attempts: this.#records === undefined ? delivery.deliveries : delivery.attempt,
      }, delivery.msg.data);
      this.#acknowledge(delivery);
      return true;
    } catch (writeError) {
      this.#giveBack(delivery, writeError);
      return false;
    }
  }

  /** The server could not store the outcome: the item is delivered again later. */
  #giveBack(delivery: Delivery, error: unknown): void {
    this.#ctx.report(error, `stage ${this.#stage.name}`);
    this.#source.nak(delivery.msg, 1000);
  }
}
