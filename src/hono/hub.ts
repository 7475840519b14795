import type { PipelineLike } from "../pipeline/types.ts";
import type { StatusEvent, StatusEventJSON, TaskEvent, TaskEventJSON } from "../tracker/events.ts";
import type { NameRef } from "../tracker/names.ts";
import type { RunEvent } from "../tracker/run_event.ts";
import { refreshTaps, type StatusTracker, tapTracker } from "../tracker/status_tracker.ts";
import type { TrackerTap } from "../tracker/taps.ts";
import { type ItemId, STATUS_TYPES, type StatusMetadata } from "../tracker/types.ts";
import { EventJSON, statusEvent } from "./event_json.ts";
import { EventText, isPlainId } from "./event_text.ts";
import type { EventPredicate, StreamedEvent, StreamedType } from "./filters.ts";
import { ClientGroups, type HubClient } from "./groups.ts";
import { EventRing, type RingSlot } from "./ring.ts";
import { type SnapshotJSON, Snapshots } from "./snapshots.ts";

export type { HubClient };

/** What a client gets on connecting: the events it missed, or why it cannot resume. */
export type Resume = { slots: RingSlot[] } | { reset: string };

const FAILED = STATUS_TYPES.indexOf("failed");
const ALL_STATUSES = (1 << STATUS_TYPES.length) - 1;

/**
 * The one tracker subscription behind an `antflowRoutes()` instance: numbers the events it
 * receives (1, 2, … in dispatch order), keeps the latest `replay` of them for clients that resume,
 * and writes them to the connected clients.
 *
 * It taps the tracker (an internal subscription: no `CustomEvent`, and no `StatusEvent` for a
 * status change, which is written from what the tracker recorded). While a `full` client is
 * connected it takes every event; while only summary clients are, it takes only failures and run
 * events, so an unwatched run's status changes and task events cost nothing here (summary
 * snapshots read the tracker's running counts instead). An event is written once, for all the
 * clients that want it, and sent in batches ({@linkcode ClientGroups}); the wire still carries whole
 * SSE messages in id order.
 *
 * It subscribes from the first client on, keeps taking every event for `lingerMs` after the last
 * full client leaves, and keeps its subscription for `lingerMs` after the last client leaves (so a
 * reconnecting client resumes without loss). The first event after that narrows or ends the
 * subscription. A full client can resume only from an id after which the hub took every event,
 * any client only from one still in the ring; otherwise it gets a `reset` (after the subscription
 * ended, the id sequence skips one number so that an old id can never look current).
 *
 * @internal
 */
export class EventHub {
  /** The `snapshot` messages. */
  readonly snapshots: Snapshots;
  #tracker: StatusTracker;
  #lingerMs: number;
  #ring: EventRing;
  #json: EventJSON;
  #text: EventText;
  #clients = new Set<HubClient>();
  #fullClients = 0;
  #groups = new ClientGroups();
  #lastId = 0;
  /** The smallest `Last-Event-ID` that can still be resumed… */
  #floor = 0;
  /** … and by a full client (Infinity while the hub takes failures only). */
  #fullFloor = Infinity;
  #untap: (() => void) | undefined;
  #missedEvents = false;
  #idleSince = 0;
  #fullIdleSince = 0;
  #tap: TrackerTap & { statusMask: number; tasks: boolean } = {
    statusMask: 1 << FAILED,
    tasks: false,
    status: (itemId, stage, status, worker, timestamp, metadata) =>
      this.#status(itemId, stage, status, worker, timestamp, metadata),
    task: (type, event) => this.#object(type, event),
    run: (type, event) => this.#object(type, event),
    external: (type, detail) => this.#external(type, detail),
  };

  constructor(
    tracker: StatusTracker,
    pipeline: PipelineLike | undefined,
    options: { replay: number; lingerMs: number; exposeValues: boolean },
  ) {
    this.#tracker = tracker;
    this.#lingerMs = options.lingerMs;
    this.#ring = new EventRing(options.replay);
    this.#json = new EventJSON(options.exposeValues);
    this.#text = new EventText(this.#json);
    this.snapshots = new Snapshots(tracker, pipeline, () => this.#lastId);
  }

  /** The newest id given to an event (0 before the first). */
  get lastEventId(): number {
    return this.#lastId;
  }

  /** How many clients are connected. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** The `snapshot` data as of now (`GET /snapshot`). */
  snapshot(): SnapshotJSON {
    return this.snapshots.data();
  }

  /** An item event's JSON as served (metadata beyond the engine's keys only with `exposeValues`). */
  toJSON(event: StatusEvent | TaskEvent): StatusEventJSON | TaskEventJSON {
    return this.#json.toJSON(event);
  }

  /** Whether a client with this predicate wants the slot's event. */
  wants(predicate: EventPredicate | undefined, slot: RingSlot): boolean {
    if (predicate === undefined) return true;
    if (slot.stage !== undefined) {
      return predicate("status", slot.itemId, slot.stage.name, STATUS_TYPES[slot.status]);
    }
    const event = slot.event as Partial<StatusEvent>;
    return predicate(slot.type, event.itemId, event.stage, event.status);
  }

  /** The slot's SSE message. */
  textOf(slot: RingSlot): string {
    if (slot.stage !== undefined) {
      return this.#text.status(
        slot.id,
        slot.itemId!,
        slot.stage,
        slot.status,
        slot.worker!,
        slot.timestamp,
        slot.metadata,
      );
    }
    if (slot.data !== undefined) return this.#text.data(slot.type, slot.id, slot.data);
    return this.#text.task(slot.type, slot.id, slot.event as TaskEvent);
  }

  /**
   * Connects a client. Synchronous, so no event can fall between the resume and the live events:
   * what is pending goes out first, so the client joins with nothing in flight.
   *
   * @param lastEventId The client's `Last-Event-ID`, if it sent one.
   */
  attach(client: HubClient, lastEventId: string | undefined): Resume {
    if (this.#untap === undefined) this.#listen();
    if (client.full && this.#fullClients++ === 0 && !this.#tap.tasks) this.#takeAll(true);
    this.flush();
    this.#clients.add(client);
    this.#groups.join(client);
    // An empty Last-Event-ID is the WHATWG "no id yet" (browsers then send no header at all).
    if (lastEventId === undefined || lastEventId === "") return { slots: [] };
    if (!/^\d{1,16}$/.test(lastEventId) || !Number.isSafeInteger(Number(lastEventId))) {
      return { reset: "malformed" };
    }
    const id = Number(lastEventId);
    if (id > this.#lastId) return { reset: "unknown" };
    if (id < this.#floor || (client.full && id < this.#fullFloor)) return { reset: "expired" };
    return { slots: this.#ring.after(id) };
  }

  /** Disconnects a client (idempotent); what was pending for it is dropped. */
  detach(client: HubClient): void {
    if (!this.#clients.delete(client)) return;
    this.#groups.leave(client);
    const now = Date.now();
    if (client.full && --this.#fullClients === 0) this.#fullIdleSince = now;
    if (this.#clients.size === 0) this.#idleSince = now;
  }

  /** Writes what waits to the clients now (before a snapshot, or a new client). */
  flush(): void {
    this.#groups.flush();
  }

  #listen(): void {
    if (this.#missedEvents) {
      this.#missedEvents = false;
      this.#lastId++;
      this.#floor = this.#lastId;
    }
    this.#untap = tapTracker(this.#tracker, this.#tap);
  }

  /** Takes every event (`all`), or failures and run events only. */
  #takeAll(all: boolean): void {
    this.#tap.statusMask = all ? ALL_STATUSES : 1 << FAILED;
    this.#tap.tasks = all;
    // From here on the ring holds every event (or no longer does).
    this.#fullFloor = all ? this.#lastId : Infinity;
    refreshTaps(this.#tracker);
  }

  /**
   * Whether the event is to be numbered; after the grace periods, the first event narrows the
   * subscription to failures (no full client left) or ends it (no client left).
   */
  #live(): boolean {
    if (this.#clients.size === 0 && Date.now() - this.#idleSince > this.#lingerMs) {
      this.#untap?.();
      this.#untap = undefined;
      this.#missedEvents = true;
      this.#ring.clear();
      this.snapshots.clearCache();
      if (this.#tap.tasks) this.#takeAll(false);
      return false;
    }
    if (
      this.#fullClients === 0 && this.#tap.tasks &&
      Date.now() - this.#fullIdleSince > this.#lingerMs
    ) {
      this.#takeAll(false);
    }
    return true;
  }

  #status(
    itemId: ItemId,
    stage: NameRef,
    status: number,
    worker: NameRef,
    timestamp: number,
    metadata: StatusMetadata | undefined,
  ): void {
    if (!this.#live()) return;
    if (!((this.#tap.statusMask >> status) & 1)) return; // just narrowed
    if (!isPlainId(itemId)) {
      const event = statusEvent(itemId, stage.name, status, worker.name, timestamp, metadata);
      this.#numberObject("status", event);
      return;
    }
    const slot = this.#claim("status");
    slot.itemId = itemId;
    slot.stage = stage;
    slot.status = status;
    slot.worker = worker;
    slot.timestamp = timestamp;
    slot.metadata = metadata;
    this.#groups.deliver(slot, itemId, stage.name, STATUS_TYPES[status], this);
  }

  /** A task or run event from the tracker. */
  #object(type: StreamedType, event: TaskEvent | RunEvent): void {
    if (!this.#live()) return;
    if (type.startsWith("task") && !this.#tap.tasks) return; // just narrowed
    this.#numberObject(type, event);
  }

  /** An event dispatched on the tracker from outside: numbered like the tracker's own. */
  #external(type: StreamedType, detail: unknown): void {
    if (!this.#live()) return;
    if (detail === null || typeof detail !== "object") return;
    const status = (detail as Partial<StatusEvent>).status;
    const isRun = type === "runstart" || type === "runend";
    if (!this.#tap.tasks && !isRun && !(type === "status" && status === "failed")) return;
    this.#numberObject(type, detail as StreamedEvent);
  }

  #numberObject(type: StreamedType, event: StreamedEvent): void {
    // The tracker's own task events are written when a group needs them; anything else is written
    // now, so that one that cannot be (or is no tracker event at all) gets no id.
    let data: string | undefined;
    if (!this.#json.canDefer(type, event)) {
      data = this.#json.write(type, event);
      if (data === undefined) return;
    }
    const slot = this.#claim(type);
    slot.event = event;
    slot.data = data;
    const item = event as Partial<StatusEvent>;
    this.#groups.deliver(slot, item.itemId, item.stage, item.status, this);
  }

  #claim(type: StreamedType): RingSlot {
    const slot = this.#ring.claim(++this.#lastId);
    slot.type = type;
    this.#floor = Math.max(this.#floor, this.#ring.oldestId - 1);
    return slot;
  }
}
