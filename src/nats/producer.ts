/**
 * Feeding items into a pipeline on the server, and getting their results back by id. A producer
 * needs no stage of its own: a web handler or an edge function can be one.
 *
 * @module
 */
import { PipelineError } from "../errors.ts";
import { PipelineResult } from "../pipeline/types.ts";
import type { ItemId } from "../tracker/types.ts";
import { maxPayload, type NatsContext } from "./context.ts";
import { stageToken } from "./layout.ts";
import type { NatsFeedOptions } from "./options.ts";
import { encodeFor } from "./publish.ts";
import type { ProducerRun } from "./producer_run.ts";
import { itemHeaders, stageMsgId } from "./record.ts";
import { ResultCollector } from "./results.ts";

/** One item fed: its id, its sequence number and (when collected) its result to come. */
export interface FedItem {
  readonly id: ItemId;
  readonly index: number;
  readonly result: Promise<PipelineResult> | undefined;
}

/** Publishes items and collects their results (see the module doc). */
export class Producer {
  readonly #ctx: NatsContext;
  readonly #origin: string;
  readonly #firstStage: string;
  readonly #stages: readonly string[];
  #collector: Promise<ResultCollector> | undefined;
  #sequence = 0;
  readonly #inFlight = new Set<ItemId>();

  constructor(ctx: NatsContext, origin: string, stages: readonly string[]) {
    this.#ctx = ctx;
    this.#origin = origin;
    this.#stages = stages;
    this.#firstStage = stages[0];
  }

  /** Opens the results collector (once). */
  collector(): Promise<ResultCollector> {
    const { js, jsm, layout, options } = this.#ctx;
    this.#collector ??= ResultCollector.open(js, jsm, layout, this.#origin, options.codec, {
      inactiveMs: Math.max(options.resultsMaxAgeMs, 60_000),
      onError: (error) => this.#ctx.report(error, "results"),
      trimEveryMs: options.duplicateWindowMs,
      outbox: this.#ctx.outbox,
    });
    return this.#collector;
  }

  /** Stops collecting (results not yet read stay on the server). */
  async close(): Promise<void> {
    const collector = this.#collector;
    this.#collector = undefined;
    if (collector !== undefined) await (await collector).close();
  }

  /**
   * Publishes every item of `items` (up to `maxPublishing` at once) and resolves once the server
   * stored them all. With `collect`, each item's result is awaited from the results subject.
   * `onItem` sees every item as it is fed. An item whose value cannot be sent fails at once (its
   * result says why); with `reject`, the call then rejects with the first such error once every
   * other item is stored. `run`, when given, counts each item's terminal state.
   */
  async feed<I>(
    items: Iterable<I> | AsyncIterable<I>,
    options: NatsFeedOptions<I>,
    collect: boolean,
    reject: boolean,
    onItem: (item: FedItem) => void,
    run?: ProducerRun,
  ): Promise<void> {
    const stage = options.targetStage ?? this.#firstStage;
    if (!this.#stages.includes(stage)) {
      throw new PipelineError(`natsPipeline: unknown targetStage ${JSON.stringify(stage)}`);
    }
    const collector = collect ? await this.collector() : undefined;
    const { signal, idOf, priority = 100 } = options;
    let publishing = 0;
    let room: (() => void) | undefined;
    let drained: (() => void) | undefined;
    let firstError: unknown;
    let index = 0;
    for await (const item of items) {
      signal?.throwIfAborted();
      const sequence = this.#sequence++;
      const id = idOf === undefined ? sequence : idOf(item, index);
      if (this.#inFlight.has(id)) {
        throw new PipelineError(`natsPipeline: item id ${JSON.stringify(id)} is already in flight`);
      }
      let result: Promise<PipelineResult> | undefined;
      let settle: (result: PipelineResult) => void = () => {};
      if (collector !== undefined) {
        this.#inFlight.add(id);
        result = new Promise<PipelineResult>((resolve) => (settle = resolve));
        collector.expect(id, (r) => {
          this.#inFlight.delete(id);
          run?.count(r.status);
          settle(new PipelineResult(id, r.value, sequence, r.error));
        });
      }
      onItem({ id, index, result });
      const failed = (error: unknown) => {
        collector?.forget(id);
        this.#inFlight.delete(id);
        if (collector !== undefined) run?.count("failed");
        settle(new PipelineResult(id, item, sequence, error));
      };
      publishing++;
      this.#publish(item, id, priority, stage).catch((error) => {
        failed(error);
        firstError ??= error;
      }).finally(() => {
        publishing--;
        room?.();
        if (publishing === 0) drained?.();
      });
      if (publishing >= this.#ctx.options.maxPublishing) {
        await new Promise<void>((resolve) => (room = resolve));
        room = undefined;
      }
      index++;
    }
    if (publishing > 0) await new Promise<void>((resolve) => (drained = resolve));
    if (reject && firstError !== undefined) throw firstError;
  }

  async #publish(value: unknown, id: ItemId, priority: number, stage: string): Promise<void> {
    const ctx = this.#ctx;
    const key = { origin: this.#origin, id, priority };
    // Throws an ItemTransferError naming the item, the stage and the reason.
    const data = encodeFor(ctx.options.codec, value, id, stage, maxPayload(ctx));
    await ctx.publisher.publish(
      {
        subject: ctx.layout.stageSubject(stage),
        data,
        headers: itemHeaders(key),
        msgID: stageMsgId(key, stageToken(stage)),
      },
      id,
      stage,
    );
  }
}
