/**
 * `ClusterTracker`: a `StatusTracker` fed by the events every member of a NATS pipeline publishes
 * (`natsPipeline(…, { publishEvents: true })`), so one object answers the tracker's questions for
 * the whole cluster.
 *
 * @module
 */
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { toStatusEvent, toTaskEvent } from "../../client/tracker_events.ts";
import type { TaskEventJSON } from "../../tracker/events.ts";
import { StatusTracker, type TrackerSink, trackerSink } from "../../tracker/status_tracker.ts";
import { natsLayout } from "../layout.ts";
import { ClusterView } from "./cluster_view.ts";
import { type ClusterTrackerOptions, splitClusterOptions } from "./options.ts";
import { ensureEventStreams, VIEWER_DEFAULTS } from "./provision.ts";
import { type EventsLayout, eventsLayout, type RunWire, type StatusWire } from "./wire.ts";

const decoder = new TextDecoder();

/**
 * A `StatusTracker` of a whole NATS cluster: it reads the status and run events that every member
 * started with `publishEvents` stores in the pipeline's events stream (in the server's order, so
 * an item's history is causal across processes), and their live task events, and records them as
 * a local tracker records its pipeline's. Same queries (`getStats`, `getStatus`, `getHistory`,
 * `getFailedItems`, `getErrorSummary`, `getRuns`, `getLatency`…), same `CustomEvent`s and
 * callbacks; worker names are `<process>/<worker>`. Its counts count each item once, in its
 * latest status anywhere in the cluster (as one in-memory pipeline's tracker would).
 *
 * With `from: "start"` (the default) it first replays what the stream still holds (the newest
 * `historyPerItem` events of every item), so a viewer that joins late shows the same counts and
 * failed items as one that watched from the start; `ready` resolves once it caught up.
 * {@linkcode ClusterTracker.view} is the cluster's workers and stage counters, for
 * `antflowRoutes({ tracker, pipeline: tracker.view })`. It needs no stage and runs anywhere a
 * NATS connection does (a WebSocket one too).
 *
 * @example
 * ```ts ignore
 * import { connect } from "@nats-io/transport-node";
 * import { ClusterTracker } from "@antflow/antflow/nats";
 * const nc = await connect({ servers: "nats://127.0.0.1:4222" });
 * await using cluster = new ClusterTracker(nc, { name: "crawl" });
 * await cluster.ready;
 * console.log(cluster.getStats(), cluster.view.getProcesses());
 * ```
 */
export class ClusterTracker extends StatusTracker {
  /** Resolves once the events the stream held at start are recorded (at once with `from: "now"`). */
  readonly ready: Promise<void>;
  /** The cluster's processes, workers and stage counters (a `PipelineLike` for dashboards). */
  readonly view: ClusterView;
  readonly #nc: NatsConnection;
  readonly #sink: TrackerSink;
  readonly #layout: EventsLayout;
  #messages: { close(): Promise<void | Error> } | undefined;
  #tasks: Subscription | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;
  #resolveReady!: () => void;
  #rejectReady!: (error: unknown) => void;

  /**
   * Starts reading the cluster's events.
   *
   * @param connection A NATS connection you made (TCP or WebSocket) and will close.
   * @param options The pipeline's `name`, `from`, and the tracker's callbacks and bounds.
   * @throws {TypeError} If an option has the wrong type or is unknown.
   * @throws {RangeError} If a numeric option is out of range.
   */
  constructor(connection: NatsConnection, options: ClusterTrackerOptions) {
    const split = splitClusterOptions(options);
    super(split.tracker);
    this.#nc = connection;
    this.#sink = trackerSink(this);
    const layout = natsLayout(options.name);
    this.#layout = eventsLayout(layout);
    this.view = new ClusterView(connection, layout, this.#layout, this, split);
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {});
    this.#loop = this.#start(split.from).catch((error) => {
      this.#rejectReady(error);
      if (!this.#closed) this.#sink.report(error, "ClusterTracker");
    });
  }

  /** Stops reading (the connection stays open). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#tasks?.unsubscribe();
    await this.#messages?.close();
    await this.view.close();
    await this.#loop;
    this.#rejectReady(new Error("ClusterTracker was closed before it caught up"));
  }

  /** `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #start(from: "start" | "now"): Promise<void> {
    const jsm = await jetstreamManager(this.#nc);
    await ensureEventStreams(jsm, this.#layout, VIEWER_DEFAULTS, false);
    if (this.#closed) return;
    this.#tasks = this.#nc.subscribe(this.#layout.tasks, {
      callback: (_error, msg) => this.#task(msg.data),
    });
    this.view.start(jsm);
    const state = from === "now" ? undefined : (await jsm.streams.info(this.#layout.stream)).state;
    const last = state === undefined || state.messages === 0 ? 0 : state.last_seq;
    const consumer = await jetstream(this.#nc).consumers.get(this.#layout.stream, {
      deliver_policy: from === "now" ? DeliverPolicy.New : DeliverPolicy.All,
    });
    if (this.#closed) return;
    const messages = await consumer.consume({ max_messages: 1024 });
    this.#messages = messages;
    if (this.#closed) await messages.close(); // closed while it was being set up
    let caughtUp = last === 0;
    if (caughtUp) this.#resolveReady();
    for await (const msg of messages) {
      const pending = this.#apply(msg.subject, msg.data);
      if (pending !== undefined) await pending;
      if (!caughtUp && msg.seq >= last) {
        caughtUp = true;
        this.#resolveReady();
      }
    }
  }

  #apply(subject: string, data: Uint8Array): void | Promise<void> {
    let wire: StatusWire | RunWire;
    try {
      wire = JSON.parse(decoder.decode(data));
    } catch (error) {
      this.#sink.report(error, `ClusterTracker (${subject})`);
      return;
    }
    if ("type" in wire) return this.#sink.run(wire.type, wire.event);
    return this.#sink.ingestStatus(toStatusEvent(wire), wire.finished);
  }

  #task(data: Uint8Array): void {
    try {
      const pending = this.#sink.task(
        toTaskEvent(JSON.parse(decoder.decode(data)) as TaskEventJSON),
      );
      if (pending !== undefined) pending.catch(() => {});
    } catch (error) {
      this.#sink.report(error, "ClusterTracker (tasks)");
    }
  }
}
