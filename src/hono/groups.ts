import type { ItemId } from "../tracker/types.ts";
import type { EventPredicate } from "./filters.ts";
import { PendingChunk } from "./pending.ts";
import type { RingSlot } from "./ring.ts";

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

/** The clients that want the same events, and the messages waiting for them. */
interface Group {
  predicate: EventPredicate | undefined;
  /** Replaced, never changed in place, so a client may leave while the group is written to. */
  clients: HubClient[];
  pending: PendingChunk;
}

/** A burst is written out once this many messages wait (the flush timer does the rest). */
const FLUSH_MESSAGES = 1024;
/**
 * … or this many characters wait for one group. Kept well under V8's large-object threshold
 * (128 KiB): on Deno, encoding a batch of text past it cost 3–4 times as much per message
 * (~300 vs ~85 ns for a status message, measured), the string and the bytes then being
 * allocated outside the young generation.
 */
const FLUSH_SIZE = 64 * 1024;

/**
 * The hub's clients, grouped by what they want. An event a group wants is written once (by the
 * hub, when the first group wants it) and added to the group's pending chunk; the chunks go out to
 * their clients on the next macrotask, or at once when a burst makes them large. So a burst of a
 * thousand events is one chunk per group, shared by its clients.
 *
 * @internal
 */
export class ClientGroups {
  #groups = new Map<string, Group>();
  #list: Group[] = [];
  #pendingMessages = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onTimer = (): void => {
    this.#timer = undefined;
    this.flush();
  };

  /** Adds a client to its group. */
  join(client: HubClient): void {
    let group = this.#groups.get(client.groupKey);
    if (group === undefined) {
      group = { predicate: client.predicate, clients: [], pending: new PendingChunk() };
      this.#groups.set(client.groupKey, group);
      this.#list = [...this.#groups.values()];
    }
    group.clients = [...group.clients, client];
  }

  /** Removes a client; a group left empty is dropped with what it had pending. */
  leave(client: HubClient): void {
    const group = this.#groups.get(client.groupKey);
    if (group === undefined) return;
    group.clients = group.clients.filter((c) => c !== client);
    if (group.clients.length > 0) return;
    this.#groups.delete(client.groupKey);
    this.#list = [...this.#groups.values()];
  }

  /**
   * Adds the slot's message to every group that wants it (what the filters look at is passed
   * along); `writer.textOf` is called at most once.
   */
  deliver(
    slot: RingSlot,
    itemId: ItemId | undefined,
    stage: string | null | undefined,
    status: string | undefined,
    writer: { textOf(slot: RingSlot): string },
  ): void {
    const groups = this.#list;
    let text: string | undefined;
    let large = false;
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i];
      const predicate = group.predicate;
      if (predicate !== undefined && !predicate(slot.type, itemId, stage, status)) continue;
      text ??= writer.textOf(slot);
      group.pending.add(text);
      if (group.pending.size >= FLUSH_SIZE) large = true;
    }
    if (text === undefined) return;
    if (++this.#pendingMessages >= FLUSH_MESSAGES || large) this.flush();
    else if (this.#timer === undefined) this.#timer = setTimeout(this.#onTimer, 0);
  }

  /** Writes every group's pending messages to its clients, one chunk each. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pendingMessages === 0) return;
    this.#pendingMessages = 0;
    for (const group of this.#list) {
      const messages = group.pending.messages;
      if (messages === 0) continue;
      const bytes = group.pending.take();
      const clients = group.clients;
      for (let i = 0; i < clients.length; i++) clients[i].write(bytes, messages);
    }
  }
}
