import { encodeSSE } from "../sse/encode.ts";
import { PendingChunk } from "./pending.ts";
import type { EventPredicate, StreamRequest } from "./filters.ts";
import type { EventHub, HubClient } from "./hub.ts";
import type { SummaryMark } from "./snapshots.ts";

const ENCODER = new TextEncoder();
const PING = ENCODER.encode(encodeSSE({ comment: "ping" }));
/** How long a client over `maxBufferedEvents` gets to catch up before it is cut off. */
const SLOW_CLIENT_GRACE_MS = 250;
/** A summary stream's snapshots are at least this far apart (at most 4 per second). */
export const SUMMARY_INTERVAL_MS = 250;

/** Settings of one SSE connection. */
export interface ConnectionOptions {
  /** Which events, in which mode (`summary`: bounded-rate snapshots instead of every event). */
  request: StreamRequest;
  lastEventId: string | undefined;
  signal?: AbortSignal;
  /** Settles when the runtime is done with the response (Deno's `info.completed`). */
  completed?: Promise<unknown>;
  retryMs: number;
  heartbeatMs: number;
  /** `undefined`: no periodic snapshot (no pipeline attached). */
  snapshotMs: number | undefined;
  maxBufferedEvents: number;
}

/**
 * One `/events` client: a `ReadableStream` of SSE bytes fed by the hub (a chunk may hold many
 * messages), with its own heartbeat and snapshot timers (own timers, so that on runtimes that tie
 * timers to a request, such as workerd, they live exactly as long as this response).
 *
 * It closes, removing its hub subscription and timers at once, when the request's signal aborts
 * (or Deno's `info.completed` settles), when the runtime cancels the stream (whichever comes
 * first), or when more than `maxBufferedEvents` messages still wait unread after a short grace (or
 * four times as many at any moment): the stream then errors, dropping the queue. The queue counts
 * messages, not chunks.
 *
 * In `summary` mode its snapshots come every {@linkcode SUMMARY_INTERVAL_MS} when an event was
 * numbered since the previous one (each with the `changes` since then), else every `snapshotMs`
 * while a pipeline is attached; the events it streams are what the predicate lets through.
 *
 * @internal
 */
export class SSEConnection implements HubClient {
  /** The response body. */
  readonly stream: ReadableStream<Uint8Array>;
  readonly groupKey: string;
  readonly predicate: EventPredicate | undefined;
  readonly full: boolean;
  #hub: EventHub;
  #signal: AbortSignal | undefined;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #timers: ReturnType<typeof setInterval>[] = [];
  #closed = false;
  #maxBuffered: number;
  /** How many messages the chunk being enqueued holds (the queuing strategy's size). */
  #chunkMessages = 1;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #summaryTimer: ReturnType<typeof setTimeout> | undefined;
  #onAbort = (): void => this.close();

  constructor(hub: EventHub, options: ConnectionOptions) {
    this.#hub = hub;
    this.groupKey = options.request.key;
    this.predicate = options.request.predicate;
    this.full = options.request.mode === "full";
    this.#signal = options.signal;
    this.#maxBuffered = options.maxBufferedEvents;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        cancel: () => this.close(),
      },
      // The queue is counted in messages; the bound is checked by #send.
      { highWaterMark: options.maxBufferedEvents, size: () => this.#chunkMessages },
    );
    if (this.#signal?.aborted) {
      this.close();
      return;
    }
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    options.completed?.then(this.#onAbort, this.#onAbort);
    this.#open(options);
  }

  /** Whether the connection has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Called by the hub with a chunk of the events this client wants. */
  write(bytes: Uint8Array, messages: number): void {
    this.#send(bytes, messages);
  }

  /** Ends the connection and releases everything it holds (idempotent). */
  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.detach(this);
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    if (this.#summaryTimer !== undefined) clearTimeout(this.#summaryTimer);
    this.#summaryTimer = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    try {
      if (error !== undefined) this.#controller.error(error);
      else this.#controller.close();
    } catch {
      // Already closed or cancelled by the runtime.
    }
  }

  /**
   * `reset` when resuming is impossible, the `snapshot` (carrying the one `retry:`), and the
   * missed events, as one chunk; then the timers.
   */
  #open(options: ConnectionOptions): void {
    const hub = this.#hub;
    const resume = hub.attach(this, options.lastEventId);
    const out = new PendingChunk();
    if ("reset" in resume) {
      const data = JSON.stringify({ reason: resume.reset, lastEventId: hub.lastEventId });
      out.add(encodeSSE({ event: "reset", data }));
    }
    out.add(hub.snapshots.first(options.retryMs));
    if ("slots" in resume) {
      for (const slot of resume.slots) {
        if (hub.wants(this.predicate, slot)) out.add(hub.textOf(slot));
      }
    }
    // A long replay counts as one queued message, not as `replay` of them.
    this.#send(out.take(), 1);
    this.#timers.push(setInterval(() => this.#send(PING, 1), options.heartbeatMs));
    if (options.request.mode === "summary") {
      this.#summarise(hub.snapshots.mark(), Date.now(), options.snapshotMs);
    } else if (options.snapshotMs !== undefined) {
      const every = options.snapshotMs;
      this.#timers.push(setInterval(() => {
        hub.flush(); // the events a snapshot counts go out before it
        this.#send(hub.snapshots.periodic(), 1);
      }, every));
    }
  }

  /**
   * Schedules the next summary snapshot: one timer at a time, each set after the previous one
   * fired, so two snapshots are never closer than SUMMARY_INTERVAL_MS.
   */
  #summarise(since: SummaryMark, sentAt: number, snapshotMs: number | undefined): void {
    this.#summaryTimer = setTimeout(() => {
      this.#summaryTimer = undefined;
      if (this.#closed) return;
      const now = Date.now();
      const hub = this.#hub;
      // Marks are shared while nothing changes, and counts only grow: another mark, news.
      const changed = hub.snapshots.mark() !== since;
      if (!changed && (snapshotMs === undefined || now - sentAt < snapshotMs)) {
        this.#summarise(since, sentAt, snapshotMs);
        return;
      }
      hub.flush(); // the failures a snapshot counts go out before it
      const { bytes, mark } = hub.snapshots.summary(since);
      this.#send(bytes, 1);
      this.#summarise(mark, now, snapshotMs);
    }, SUMMARY_INTERVAL_MS);
  }

  #send(bytes: Uint8Array, messages: number): void {
    if (this.#closed) return;
    try {
      this.#chunkMessages = messages;
      this.#controller.enqueue(bytes);
    } catch {
      this.close();
      return;
    }
    const desired = this.#controller.desiredSize;
    if (desired === null || desired >= 0) return;
    // Over the bound. A burst of events can outrun even a fast reader within one turn of the
    // event loop, so the reader gets a grace period to catch up; a queue four times the bound,
    // or one still over it after the grace, means a client that does not read.
    if (-desired > 3 * this.#maxBuffered) this.#cutOff();
    else if (this.#graceTimer === undefined) {
      this.#graceTimer = setTimeout(() => {
        this.#graceTimer = undefined;
        const left = this.#controller.desiredSize;
        if (!this.#closed && left !== null && left < 0) this.#cutOff();
      }, SLOW_CLIENT_GRACE_MS);
    }
  }

  #cutOff(): void {
    this.close(
      new Error(
        `antflowRoutes: disconnected a slow SSE client: more than ${this.#maxBuffered} ` +
          `messages were waiting unread`,
      ),
    );
  }
}
