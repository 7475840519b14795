/**
 * How `natsPipeline()` publishes for the cluster view when `publishEvents` is set: the streams,
 * a tap on the tracker (the pipeline's, or one made for it), a publisher that hands an item on
 * only after its events are stored, and the workers' heartbeat.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { Pipeline } from "../../pipeline/pipeline.ts";
import { StatusTracker, tapTracker } from "../../tracker/status_tracker.ts";
import type { ItemId } from "../../tracker/types.ts";
import type { NatsLayout } from "../layout.ts";
import type { ResolvedNatsOptions } from "../options.ts";
import { type DurableMessage, DurablePublisher, type StoredAck } from "../publish.ts";
import type { Outbox } from "../outbox.ts";
import type { RunEventSink } from "../producer_run.ts";
import { EventPublisher } from "./event_publisher.ts";
import { resolveEventsOptions } from "./options.ts";
import { ensureEventStreams } from "./provision.ts";
import { WorkerReporter } from "./reporter.ts";
import { eventsLayout, processIdentity } from "./wire.ts";

/** What `natsPipeline()` uses when it publishes for the cluster view. */
export interface ClusterHook {
  /** The publisher to use for every item (it waits for the item's events to be stored). */
  readonly publisher: DurablePublisher;
  /** The tracker the stage workers record into. */
  readonly tracker: StatusTracker;
  /** Publishes a producer's own run event (its `run()`, `stream()`, `feed()`…`join()`). */
  readonly publishRun: RunEventSink;
  /** Starts the heartbeat, once the stage workers exist. */
  start(local: Readonly<Record<string, Pipeline>>): void;
}

/** The hook, or `undefined` when `options.publishEvents` is off. */
export async function clusterHook(
  nc: NatsConnection,
  jsm: JetStreamManager,
  pipeline: Pipeline,
  layout: NatsLayout,
  options: ResolvedNatsOptions,
  outbox: Outbox,
): Promise<ClusterHook | undefined> {
  const events = resolveEventsOptions(options.publishEvents);
  if (events === undefined) return undefined;
  const names = eventsLayout(layout);
  await ensureEventStreams(jsm, names, { ...options, ...events }, true);
  const identity = processIdentity(events.process);
  const stages = pipeline.stages.map((s) => s.name);
  const tracker = pipeline.statusTracker ?? new StatusTracker({ maxItems: 1000 });
  const tap = new EventPublisher(nc, {
    layout: names,
    process: identity.name,
    stages,
    exposeValues: events.exposeValues,
    tasks: events.tasks,
    timeoutMs: options.publishTimeoutMs,
    report: (error, where) => console.error(`AntFlow (nats, ${where}):`, error),
  });
  const detach = tapTracker(tracker, tap);
  const reporter = new WorkerReporter(nc, names, identity, stages, {
    heartbeatMs: events.heartbeatMs,
    ttlMs: events.workersTtlMs,
  });
  const publisher = new CausalPublisher(nc, options.publishTimeoutMs, outbox, tap, () => {
    reporter.close();
    detach();
    tap.close();
  });
  return {
    publisher,
    tracker,
    publishRun: (type, event) => tap.run(type, event),
    start: (local) => reporter.start(local),
  };
}

/**
 * A publisher that hands an item on (to the next stage, or to its result) only once the item's
 * events published so far are stored: a viewer reads an item's history in causal order even when
 * its next stage runs in another process.
 */
class CausalPublisher extends DurablePublisher {
  readonly #events: EventPublisher;
  readonly #onClose: () => void;

  constructor(
    nc: NatsConnection,
    timeoutMs: number,
    outbox: Outbox,
    events: EventPublisher,
    onClose: () => void,
  ) {
    super(nc, timeoutMs, outbox);
    this.#events = events;
    this.#onClose = onClose;
  }

  override publish(message: DurableMessage, itemId: ItemId, stage: string): Promise<StoredAck> {
    const stored = this.#events.flush(itemId);
    if (stored === undefined) return super.publish(message, itemId, stage);
    return stored.then(() => super.publish(message, itemId, stage));
  }

  override close(): void {
    this.#onClose();
    super.close();
  }
}
