import type { PipelineLike } from "../pipeline/types.ts";
import type { StatusEvent, StatusEventJSON, TaskEvent, TaskEventJSON } from "../tracker/events.ts";
import { type StatusTracker, tapTracker } from "../tracker/status_tracker.ts";
import type { TappedType } from "../tracker/taps.ts";
import { ByteBuffer } from "./byte_buffer.ts";
import { EventJSON } from "./event_json.ts";
import { EventWire, type WireEntry } from "./event_wire.ts";
import type { EventPredicate, StreamedEvent, StreamedType } from "./filters.ts";
import { IdRing } from "./ring.ts";
import { type SnapshotJSON, Snapshots } from "./snapshots.ts";

/** One tracker event, numbered (written as an SSE message for each group that wants it). */
export type HubEntry = WireEntry;

/** A connected stream, as the hub sees it. */
export interface HubClient {
  /** Clients with the same key want the same events (same filters, same mode). */
  readonly groupKey: string;
  /** Which events it wants (`undefined`: every event). */
  readonly predicate: EventPredicate | undefined;
  /** Takes one chunk of `messages` whole SSE messages. */
  write(bytes: Uint8Array, messages: number): void;
}

/** What a client gets on connecting: the events it missed, or why it cannot resume. */
export type Resume = { entries: HubEntry[] } | { reset: string };

/** The clients that want the same events, and the messages waiting for them. */
interface Group {
  predicate: EventPredicate | undefined;
  /** Replaced, never changed in place, so a client may leave while the group is written to. */
  clients: HubClient[];
  /** The messages waiting, as UTF-8. */
  pending: ByteBuffer;
  messages: number;
}

/** A burst is written out once this many messages wait (the flush timer does the rest). */
const FLUSH_MESSAGES = 1024;
/** … or this many bytes wait for one group. */
const FLUSH_BYTES = 256 * 1024;

/**
 * The one tracker subscription behind an `antflowRoutes()` instance: numbers every event (1, 2, …
 * in dispatch order), keeps the latest `replay` of them for clients that resume, and writes them
 * to the connected clients.
 *
 * It taps the tracker (an internal subscription: no `CustomEvent` per event). Clients with the
 * same filters form a group; an event a group wants is written (as UTF-8, by a fixed-shape
 * writer) into the group's pending bytes, which go out as one chunk per client on the next
 * macrotask, or at once when a burst makes them large. So a burst of a thousand events is one
 * chunk per group, shared by its clients, and the wire still carries whole SSE messages in id
 * order. Events no client wants are numbered and kept for resuming, not written.
 *
 * It listens from the first client on, and keeps listening for `lingerMs` after the last one
 * leaves (so a reconnecting client resumes without loss). The first event after that stops the
 * subscription, which gives the tracker its no-listener fast path back; the buffered events are
 * dropped then, and any later resume gets a `reset` (the id sequence skips one number so that an
 * old id can never look current).
 *
 * @internal
 */
export class EventHub {
  /** The `snapshot` messages. */
  readonly snapshots: Snapshots;
  #tracker: StatusTracker;
  #lingerMs: number;
  #ring: IdRing<HubEntry>;
  #json: EventJSON;
  #wire: EventWire;
  #clients = new Set<HubClient>();
  #groups = new Map<string, Group>();
  #groupList: Group[] = [];
  #lastId = 0;
  /** The smallest `Last-Event-ID` that can still be resumed. */
  #floor = 0;
  #untap: (() => void) | undefined;
  #missedEvents = false;
  #idleSince = 0;
  #pendingMessages = 0;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #onEvent = (type: TappedType, event: StreamedEvent): void => this.#record(type, event);
  #onFlushTimer = (): void => {
    this.#flushTimer = undefined;
    this.flush();
  };

  constructor(
    tracker: StatusTracker,
    pipeline: PipelineLike | undefined,
    options: { replay: number; lingerMs: number; exposeValues: boolean },
  ) {
    this.#tracker = tracker;
    this.#lingerMs = options.lingerMs;
    this.#ring = new IdRing(options.replay);
    this.#json = new EventJSON(options.exposeValues);
    this.#wire = new EventWire(this.#json);
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

  /** Appends the entry's SSE message to `out`. */
  writeEntry(out: ByteBuffer, entry: HubEntry): void {
    this.#wire.write(out, entry);
  }

  /**
   * Connects a client. Synchronous, so no event can fall between the resume and the live events:
   * what is pending goes out first, so the client joins with nothing in flight.
   *
   * @param lastEventId The client's `Last-Event-ID`, if it sent one.
   */
  attach(client: HubClient, lastEventId: string | undefined): Resume {
    if (this.#untap === undefined) this.#listen();
    this.flush();
    this.#clients.add(client);
    this.#join(client);
    // An empty Last-Event-ID is the WHATWG "no id yet" (browsers then send no header at all).
    if (lastEventId === undefined || lastEventId === "") return { entries: [] };
    if (!/^\d{1,16}$/.test(lastEventId) || !Number.isSafeInteger(Number(lastEventId))) {
      return { reset: "malformed" };
    }
    const id = Number(lastEventId);
    if (id > this.#lastId) return { reset: "unknown" };
    if (id < this.#floor) return { reset: "expired" };
    return { entries: this.#ring.after(id) };
  }

  /** Disconnects a client (idempotent); what was pending for it is dropped. */
  detach(client: HubClient): void {
    if (!this.#clients.delete(client)) return;
    this.#leave(client);
    if (this.#clients.size === 0) this.#idleSince = Date.now();
  }

  /** Writes every group's pending messages to its clients, one chunk each. */
  flush(): void {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pendingMessages === 0) return;
    this.#pendingMessages = 0;
    for (const group of this.#groupList) {
      const messages = group.messages;
      if (messages === 0) continue;
      const bytes = group.pending.take();
      group.messages = 0;
      const clients = group.clients;
      for (let i = 0; i < clients.length; i++) clients[i].write(bytes, messages);
    }
  }

  #join(client: HubClient): void {
    let group = this.#groups.get(client.groupKey);
    if (group === undefined) {
      group = {
        predicate: client.predicate,
        clients: [],
        pending: new ByteBuffer(),
        messages: 0,
      };
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
    this.#untap = tapTracker(this.#tracker, this.#onEvent);
  }

  #unlisten(): void {
    this.#untap?.();
    this.#untap = undefined;
    this.#missedEvents = true;
    this.#ring.clear();
    this.snapshots.clearCache();
  }

  #record(type: StreamedType, event: StreamedEvent): void {
    if (this.#clients.size === 0 && Date.now() - this.#idleSince > this.#lingerMs) {
      this.#unlisten();
      return;
    }
    // The tracker's own events are written when a group needs them; anything else is written now,
    // so that one that cannot be (or is no tracker event at all) gets no id.
    let data: string | undefined;
    if (!this.#json.canDefer(type, event)) {
      data = this.#json.write(type, event);
      if (data === undefined) return;
    }
    const id = ++this.#lastId;
    this.snapshots.count(type, event);
    const entry: HubEntry = { id, type, event, data };
    const dropped = this.#ring.push(entry);
    if (dropped !== undefined) this.#floor = dropped.id;
    const groups = this.#groupList;
    let wanted = false;
    let large = false;
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i];
      if (group.predicate !== undefined && !group.predicate(type, event)) continue;
      this.#wire.write(group.pending, entry);
      group.messages++;
      wanted = true;
      if (group.pending.length >= FLUSH_BYTES) large = true;
    }
    if (!wanted) return;
    if (++this.#pendingMessages >= FLUSH_MESSAGES || large) this.flush();
    else if (this.#flushTimer === undefined) this.#flushTimer = setTimeout(this.#onFlushTimer, 0);
  }
}
