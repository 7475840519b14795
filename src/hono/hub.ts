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
import { PendingChunk } from "./pending.ts";
import { EventRing, type RingSlot } from "./ring.ts";
import { type SnapshotJSON, Snapshots } from "./snapshots.ts";

/** A connected stream, as the hub sees it. */
export interface HubClient {
  /** Clients with the same key want the same events (same filters, same mode). */
  readonly groupKey: string;
  /** Which events it wants (`undefined`: every event). */
  readonly predicate: EventPredicate | undefined;
  /** Whether it streams every event (`mode=full`), not only failures and run events. */
  readonly full: boolean;
  /** Takes one chunk of `messages` whole SSE messages. */
  write(bytes: Uint8Array, messages: number): void;
}

/** What a client gets on connecting: the events it missed, or why it cannot resume. */
export type Resume = { slots: RingSlot[] } | { reset: string };

/** The clients that want the same events, and the messages waiting for them. */
interface Group {
  predicate: EventPredicate | undefined;
  /** Replaced, never changed in place, so a client may leave while the group is written to. */
  clients: HubClient[];
  pending: PendingChunk;
}

/** A burst is written out once this many messages wait (the flush timer does the rest). */
const FLUSH_MESSAGES = 1024;
/** … or this many characters wait for one group. */
const FLUSH_SIZE = 256 * 1024;
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
 * snapshots read the tracker's running counts instead). Clients with the same filters form a
 * group: an event a group wants is written once and added to the group's pending chunk, which goes
 * out to each of its clients on the next macrotask, or at once when a burst makes it large. So a
 * burst of a thousand events is one chunk per group, shared by its clients, and the wire still
 * carries whole SSE messages in id order.
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
  #groups = new Map<string, Group>();
  #groupList: Group[] = [];
  #lastId = 0;
  /** The smallest `Last-Event-ID` that can still be resumed… */
  #floor = 0;
  /** … and by a full client (Infinity while the hub takes failures only). */
  #fullFloor = Infinity;
  #untap: (() => void) | undefined;
  #missedEvents = false;
  #idleSince = 0;
  #fullIdleSince = 0;
  #pendingMessages = 0;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #onFlushTimer = (): void => {
    this.#flushTimer = undefined;
    this.flush();
  };
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
    this.#join(client);
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
    this.#leave(client);
    const now = Date.now();
    if (client.full && --this.#fullClients === 0) this.#fullIdleSince = now;
    if (this.#clients.size === 0) this.#idleSince = now;
  }

  /** Writes every group's pending messages to its clients, one chunk each. */
  flush(): void {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pendingMessages === 0) return;
    this.#pendingMessages = 0;
    for (const group of this.#groupList) {
      const messages = group.pending.messages;
      if (messages === 0) continue;
      const bytes = group.pending.take();
      const clients = group.clients;
      for (let i = 0; i < clients.length; i++) clients[i].write(bytes, messages);
    }
  }

  #join(client: HubClient): void {
    let group = this.#groups.get(client.groupKey);
    if (group === undefined) {
      group = { predicate: client.predicate, clients: [], pending: new PendingChunk() };
      this.#groups.set(client.groupKey, group);
      this.#groupList = [...this.#groups.values()];
    }
    group.clients = [...group.clients, client];
  }

  #leave(client: HubClient): void {
    const group = this.#groups.get(client.groupKey);
    if (group === undefined) return;
    group.clients = group.clients.filter((c) => c !== client);
    if (group.clients.length > 0) return;
    this.#groups.delete(client.groupKey);
    this.#groupList = [...this.#groups.values()];
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
    this.#deliver(slot, itemId, stage.name, STATUS_TYPES[status]);
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
    this.#deliver(slot, item.itemId, item.stage, item.status);
  }

  #claim(type: StreamedType): RingSlot {
    const slot = this.#ring.claim(++this.#lastId);
    slot.type = type;
    this.#floor = Math.max(this.#floor, this.#ring.oldestId - 1);
    return slot;
  }

  /** Adds the slot's message to the pending chunk of every group that wants it. */
  #deliver(
    slot: RingSlot,
    itemId: ItemId | undefined,
    stage: string | null | undefined,
    status: string | undefined,
  ): void {
    const groups = this.#groupList;
    let text: string | undefined;
    let large = false;
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i];
      const predicate = group.predicate;
      if (predicate !== undefined && !predicate(slot.type, itemId, stage, status)) continue;
      text ??= this.textOf(slot);
      group.pending.add(text);
      if (group.pending.size >= FLUSH_SIZE) large = true;
    }
    if (text === undefined) return;
    if (++this.#pendingMessages >= FLUSH_MESSAGES || large) this.flush();
    else if (this.#flushTimer === undefined) this.#flushTimer = setTimeout(this.#onFlushTimer, 0);
  }
}
