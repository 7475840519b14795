/**
 * `natsPipeline()`: one `Pipeline` definition, its stage queues on NATS JetStream, worked by any
 * number of processes on any number of hosts.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream, jetstreamManager, type StoredMsg } from "@nats-io/jetstream";
import { headers as natsHeaders, type Subscription } from "@nats-io/nats-core";
import type { Pipeline, PipelineInput } from "../pipeline/pipeline.ts";
import type { PipelineResult, StreamResult } from "../pipeline/types.ts";
import type { StatusTracker } from "../tracker/status_tracker.ts";
import type { NatsContext } from "./context.ts";
import { natsLayout, randomOrigin } from "./layout.ts";
import { watchLostItems } from "./lost_items.ts";
import {
  checkFeedOptions,
  type NatsFeedOptions,
  type NatsPipelineOptions,
  type NatsRunOptions,
  resolveNatsOptions,
} from "./options.ts";
import { type FedItem, Producer } from "./producer.ts";
import { ProducerRun } from "./producer_run.ts";
import { readItemHeaders } from "./record.ts";
import { ensureStageConsumer, ensureStreams } from "./provision.ts";
import { serverMaxDeliver } from "./retries.ts";
import { Outbox } from "./outbox.ts";
import { DurablePublisher } from "./publish.ts";
import { StageSource } from "./stage_source.ts";
import { type StageHolding, StageWorker } from "./stage_worker.ts";
import { sweepOnReconnect } from "./sweep.ts";
import { clusterHook } from "./cluster/hook.ts";

/**
 * A pipeline whose stage queues live on a NATS JetStream server. Every process of the cluster
 * creates one from the same `Pipeline` definition; each works the stages it was given, and any
 * of them can feed items and collect their results.
 *
 * @typeParam I What the first stage takes.
 * @typeParam O What the last stage returns.
 */
export interface NatsPipeline<I = unknown, O = unknown> {
  /** The pipeline's name on the server. */
  readonly name: string;
  /** This producer's token (its results subject is `antflow.<name>.results.<origin>`). */
  readonly origin: string;
  /** The stages this process works on. */
  readonly stages: readonly string[];
  /**
   * The in-memory pipeline running each stage this process works on (for `getStats()`,
   * `getWorkerStates()`, dashboards): its counts are this process's share of that stage.
   */
  readonly local: Readonly<Record<string, Pipeline>>;
  /**
   * What this process holds right now, per stage it works: the ids of the items in its
   * in-memory pipeline (`running`), fetched and not yet started (`fetched`), and done whose
   * outcome is being stored or whose acknowledgement is not yet written (`settling`). Were the
   * process killed now, these would be delivered again to others after `ackWaitMs`. Read-only,
   * built on each call (for dashboards and tests; `{}` for a producer).
   */
  holding(): Record<string, StageHolding>;
  /**
   * Publishes items into the first stage (or `targetStage`) and resolves once the server has
   * stored every one. Their results wait for {@linkcode NatsPipeline.join}.
   *
   * @throws {ItemTransferError} After the others are stored, when an item could not be (its
   *   value could not be encoded, was too large, or the server did not store it).
   */
  feed(items: PipelineInput<I>, options?: NatsFeedOptions<I>): Promise<void>;
  /** The results of the items fed since the last `join()`, in feed order, failures included. */
  join(): Promise<PipelineResult[]>;
  /**
   * Feeds the items and resolves to their results in input order (successes only, unless
   * `includeFailures`), collected by id from this producer's results subject.
   */
  run(items: PipelineInput<I>, options?: NatsRunOptions<I>): Promise<PipelineResult<O>[]>;
  /** Feeds the items and yields every item's result as it arrives (completion order). */
  stream(items: PipelineInput<I>, options?: NatsFeedOptions<I>): ReadableStream<StreamResult<O>>;
  /**
   * Stops this process: no more deliveries are fetched, the items in hand finish and are settled
   * on the server, result collection stops. The connection stays open (it is yours).
   */
  close(): Promise<void>;
  /** Same as {@linkcode NatsPipeline.close}. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Puts `pipeline`'s stage queues on NATS JetStream over `connection` (which you made: TCP with
 * `@nats-io/transport-node`, or WebSocket with `wsconnect`), creates the streams and consumers if
 * needed, and starts working the stages named in `options.stages` (all by default).
 *
 * @example
 * ```ts ignore
 * import { connect } from "@nats-io/transport-node";
 * import { Pipeline, Stage } from "@antflow/antflow";
 * import { natsPipeline } from "@antflow/antflow/nats";
 *
 * const pipeline = new Pipeline({
 *   stages: [
 *     new Stage({ name: "Fetch", workers: 8, tasks: [async (url: string) => url.length] }),
 *     new Stage({ name: "Save", workers: 2, tasks: [(n: number) => n * 2] }),
 *   ],
 * });
 * const nc = await connect({ servers: "nats://127.0.0.1:4222" });
 * await using cluster = await natsPipeline(nc, pipeline, { name: "crawl" });
 * console.log(await cluster.run(["a", "bb"])); // results by id, from whichever process ran them
 * ```
 *
 * @param connection A connection you made and will close.
 * @param pipeline The pipeline definition (the same in every process).
 * @param options The name on the server, the stages worked here, server settings.
 * @returns The running cluster member.
 * @throws {PipelineError} When an option is invalid or names an unknown stage.
 */
export async function natsPipeline<I, O>(
  connection: NatsConnection,
  pipeline: Pipeline<I, O>,
  options: NatsPipelineOptions,
): Promise<NatsPipeline<I, O>> {
  const stages = pipeline.stages;
  const resolved = resolveNatsOptions(options, stages.map((s) => s.name));
  const layout = natsLayout(resolved.name);
  const jsm = await jetstreamManager(connection);
  const outbox = new Outbox();
  const cluster = await clusterHook(connection, jsm, pipeline, layout, resolved, outbox);
  const ctx: NatsContext = {
    nc: connection,
    js: jetstream(connection),
    jsm,
    layout,
    options: resolved,
    publisher: cluster?.publisher ??
      new DurablePublisher(connection, resolved.publishTimeoutMs, outbox),
    outbox,
    runs: cluster?.publishRun,
    report: (error, where) => console.error(`AntFlow (nats, ${where}):`, error),
  };
  await ensureStreams(jsm, layout, resolved);
  const worked = resolved.stages ?? stages.map((s) => s.name);
  const tracker = cluster?.tracker ?? pipeline.statusTracker;
  const { workers, local } = await startStages(ctx, pipeline, worked, tracker);
  const member = new Member<I, O>(
    ctx,
    resolved.origin ?? randomOrigin(),
    stages.map((s) => s.name),
    worked,
    local,
    workers,
  );
  const stageConsumers = worked.map((stage) => ({
    stream: layout.workStream,
    consumer: layout.stageConsumer(stage),
    subject: layout.stageSubject(stage),
  }));
  const stopSweeping = sweepOnReconnect(connection, jsm, {
    targets: () => stageConsumers,
    requeue: (stored) => requeueCopy(ctx, stored),
    onError: (error) => ctx.report(error, "sweep after reconnect"),
  });
  member.watch(watchLostItems(ctx, worked), stopSweeping);
  cluster?.start(local);
  for (const worker of workers) worker.start();
  return member;
}

/** Stores a copy of a stranded work message as a new message (see `sweep.ts`). */
async function requeueCopy(ctx: NatsContext, stored: StoredMsg): Promise<void> {
  const item = readItemHeaders(stored.header);
  const h = natsHeaders();
  for (const key of stored.header.keys()) {
    if (!key.startsWith("Nats-")) h.set(key, stored.header.get(key));
  }
  await ctx.publisher.publish(
    { subject: stored.subject, data: stored.data, headers: h, msgID: `again|${stored.seq}` },
    item?.id ?? `#${stored.seq}`,
    stored.subject,
  );
}

/**
 * Creates (or updates) the consumers of the stages worked here and their workers (not started).
 * Only the processes that work a stage touch its consumer: a producer needs none, since the
 * work-queue stream keeps items until a consumer takes them.
 */
async function startStages(
  ctx: NatsContext,
  pipeline: Pipeline,
  worked: readonly string[],
  tracker: StatusTracker | undefined,
): Promise<{ workers: StageWorker[]; local: Record<string, Pipeline> }> {
  const { jsm, layout, options } = ctx;
  const stages = pipeline.stages;
  const workers: StageWorker[] = [];
  const local: Record<string, Pipeline> = {};
  for (const name of worked) {
    const index = stages.findIndex((s) => s.name === name);
    const maxDeliver = serverMaxDeliver(stages[index], options.maxDeliver);
    await ensureStageConsumer(jsm, layout, name, {
      ackWaitMs: options.ackWaitMs,
      maxDeliver,
      maxAckPending: options.clusterConcurrency[name] ?? -1,
    });
    const consumer = await ctx.js.consumers.get(layout.workStream, layout.stageConsumer(name));
    const source = new StageSource(consumer, {
      stage: name,
      outbox: ctx.outbox,
      heartbeatMs: Math.floor(options.ackWaitMs / 3),
      maxDeliver,
      minBatch: Math.ceil(stages[index].workers / 4),
      // Called only once fetching started, after `worker` below exists.
      onLast: (delivery) => worker.failLost(delivery),
      onForeign: (msg) => ctx.report(new Error(`not an AntFlow message on ${msg.subject}`), name),
      onError: (error) => ctx.report(error, `stage ${name}`),
    });
    const worker = new StageWorker(
      ctx,
      stages[index],
      stages[index + 1],
      source,
      tracker,
    );
    workers.push(worker);
    local[name] = worker.local;
  }
  return { workers, local };
}

/** The process's member of the cluster (see {@linkcode NatsPipeline}). */
class Member<I, O> implements NatsPipeline<I, O> {
  readonly name: string;
  readonly origin: string;
  readonly stages: readonly string[];
  readonly local: Readonly<Record<string, Pipeline>>;
  readonly #ctx: NatsContext;
  readonly #producer: Producer;
  readonly #workers: StageWorker[];
  #subscriptions: Subscription[] = [];
  #stopSweeping: () => void = () => {};
  #joinable: FedItem[] = [];
  /** The run of the items fed since the last `join()` (with `publishEvents`). */
  #feedRun: ProducerRun | undefined;
  #closed: Promise<void> | undefined;

  constructor(
    ctx: NatsContext,
    origin: string,
    stageNames: readonly string[],
    stages: readonly string[],
    local: Record<string, Pipeline>,
    workers: StageWorker[],
  ) {
    this.#ctx = ctx;
    this.name = ctx.layout.name;
    this.origin = origin;
    this.stages = stages;
    this.local = local;
    this.#workers = workers;
    this.#producer = new Producer(ctx, origin, stageNames);
  }

  holding(): Record<string, StageHolding> {
    const holding: Record<string, StageHolding> = {};
    this.#workers.forEach((worker, i) => (holding[this.stages[i]] = worker.holding()));
    return holding;
  }

  watch(subscriptions: Subscription[], stopSweeping: () => void): void {
    this.#subscriptions = subscriptions;
    this.#stopSweeping = stopSweeping;
  }

  async feed(items: PipelineInput<I>, options: NatsFeedOptions<I> = {}): Promise<void> {
    checkFeedOptions("feed", options, false);
    this.#feedRun ??= this.#startRun();
    const joinable = (item: FedItem) => this.#joinable.push(item);
    await this.#producer.feed(items, options, true, true, joinable, this.#feedRun);
  }

  async join(): Promise<PipelineResult[]> {
    const fed = this.#joinable;
    const run = this.#feedRun;
    this.#joinable = [];
    this.#feedRun = undefined;
    try {
      return await Promise.all(fed.map((item) => item.result!));
    } finally {
      run?.end();
    }
  }

  /** A run of this producer's, when its run events are published. */
  #startRun(): ProducerRun | undefined {
    return this.#ctx.runs === undefined ? undefined : new ProducerRun(this.#ctx.runs);
  }

  async run(
    items: PipelineInput<I>,
    options: NatsRunOptions<I> = {},
  ): Promise<PipelineResult<O>[]> {
    checkFeedOptions("run", options, true);
    const { includeFailures, ...feedOptions } = options;
    const results: Promise<PipelineResult>[] = [];
    const run = this.#startRun();
    let all: PipelineResult[];
    try {
      await this.#producer.feed(items, feedOptions, true, false, (item) => {
        results.push(item.result!);
      }, run);
      all = await Promise.all(results);
    } finally {
      run?.end();
    }
    return (includeFailures ? all : all.filter((r) => r.isSuccess)) as PipelineResult<O>[];
  }

  stream(
    items: PipelineInput<I>,
    options: NatsFeedOptions<I> = {},
  ): ReadableStream<StreamResult<O>> {
    checkFeedOptions("stream", options, false);
    const stop = new AbortController();
    const signal = options.signal === undefined
      ? stop.signal
      : AbortSignal.any([options.signal, stop.signal]);
    const run = this.#startRun();
    return new ReadableStream<StreamResult<O>>({
      start: (controller) => {
        let pending = 0;
        let fed = false;
        const finish = () => {
          if (!fed || pending > 0) return;
          run?.end();
          controller.close();
        };
        const onItem = (item: FedItem) => {
          pending++;
          item.result!.then((result) => {
            pending--;
            if (!signal.aborted) controller.enqueue(result as StreamResult<O>);
            finish();
          });
        };
        this.#producer.feed(items, { ...options, signal }, true, false, onItem, run).then(() => {
          fed = true;
          finish();
        }, (error) => {
          run?.end();
          if (!stop.signal.aborted) controller.error(error);
        });
      },
      cancel: (reason) => {
        run?.end();
        stop.abort(reason);
      },
    });
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stopSweeping();
      for (const sub of this.#subscriptions) sub.unsubscribe();
      await Promise.all(this.#workers.map((w) => w.stop()));
      await Promise.all(Object.values(this.local).map((p) => p.shutdown()));
      this.#feedRun?.end();
      await this.#producer.close();
      this.#ctx.outbox.flush();
      await this.#ctx.nc.flush().catch(() => {});
      this.#ctx.publisher.close();
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
