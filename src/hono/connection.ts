import { encodeSSE } from "../sse/encode.ts";
import type { EventPredicate, StreamMode } from "./filters.ts";
import type { EventHub, HubClient, HubEntry, SummaryMark } from "./hub.ts";

const ENCODER = new TextEncoder();
const PING = ENCODER.encode(encodeSSE({ comment: "ping" }));
/** How long a client over `maxBufferedEvents` gets to catch up before it is cut off. */
const SLOW_CLIENT_GRACE_MS = 250;
/** A summary stream's snapshots are at least this far apart (at most 4 per second). */
export const SUMMARY_INTERVAL_MS = 250;

/** Settings of one SSE connection. */
export interface ConnectionOptions {
  predicate: EventPredicate | undefined;
  /** `summary`: bounded-rate snapshots instead of every event (the predicate says which pass). */
  mode: StreamMode;
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
 * One `/events` client: a `ReadableStream` of SSE bytes fed by the hub, with its own heartbeat
 * and snapshot timers (own timers, so that on runtimes that tie timers to a request, such as
 * workerd, they live exactly as long as this response).
 *
 * It closes, removing its hub subscription and timers at once, when the request's signal aborts
 * (or Deno's `info.completed` settles), when the runtime cancels the stream (whichever comes
 * first), or when more than `maxBufferedEvents` messages still wait unread after a short grace (or
 * four times as many at any moment): the stream then errors, dropping the queue.
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
  #hub: EventHub;
  #predicate: EventPredicate | undefined;
  #signal: AbortSignal | undefined;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #timers: ReturnType<typeof setInterval>[] = [];
  #closed = false;
  #maxBuffered: number;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #summaryTimer: ReturnType<typeof setTimeout> | undefined;
  #onAbort = (): void => this.close();

  constructor(hub: EventHub, options: ConnectionOptions) {
    this.#hub = hub;
    this.#predicate = options.predicate;
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
      new CountQueuingStrategy({ highWaterMark: options.maxBufferedEvents }),
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

  /** Called by the hub for every event. */
  deliver(entry: HubEntry): void {
    if (this.#predicate === undefined || this.#predicate(entry.type, entry.event)) {
      this.#send(entry.bytes);
    }
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
   * missed events.
   */
  #open(options: ConnectionOptions): void {
    const resume = this.#hub.attach(this, options.lastEventId);
    const parts: Uint8Array[] = [];
    if ("reset" in resume) {
      const data = JSON.stringify({ reason: resume.reset, lastEventId: this.#hub.lastEventId });
      parts.push(ENCODER.encode(encodeSSE({ event: "reset", data })));
    }
    parts.push(this.#hub.snapshotMessage(options.retryMs));
    if ("entries" in resume) {
      for (const entry of resume.entries) {
        if (this.#predicate === undefined || this.#predicate(entry.type, entry.event)) {
          parts.push(entry.bytes);
        }
      }
    }
    // One chunk: a long replay counts as one queued message, not as `replay` of them.
    this.#send(concat(parts));
    this.#timers.push(setInterval(() => this.#send(PING), options.heartbeatMs));
    if (options.mode === "summary") {
      this.#summarise(this.#hub.summaryMark(), Date.now(), options.snapshotMs);
    } else if (options.snapshotMs !== undefined) {
      const every = options.snapshotMs;
      this.#timers.push(setInterval(() => this.#send(this.#hub.snapshotMessage()), every));
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
      const changed = this.#hub.lastEventId !== since.id;
      if (!changed && (snapshotMs === undefined || now - sentAt < snapshotMs)) {
        this.#summarise(since, sentAt, snapshotMs);
        return;
      }
      const { bytes, mark } = this.#hub.summaryMessage(since);
      this.#send(bytes);
      this.#summarise(mark, now, snapshotMs);
    }, SUMMARY_INTERVAL_MS);
  }

  #send(bytes: Uint8Array): void {
    if (this.#closed) return;
    try {
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

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
