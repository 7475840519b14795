/**
 * A small SSE server for the client's tests, until the Hono adapter is merged: it emits the wire
 * format of notes/sse_wire.md from a real StatusTracker (and Pipeline): `retry:` once, a `snapshot`
 * first (after a `reset` when `Last-Event-ID` cannot be resumed), replay from a ring buffer, live
 * events with ids, periodic snapshots, `: ping` heartbeats and the query filters. Tests can drop
 * every connection (cleanly or abruptly) and override responses.
 */
import type { Pipeline, StatusTracker } from "../../mod.ts";
import { encodeSSE } from "../../src/sse/encode.ts";

const TYPES = [
  "status",
  "taskstart",
  "taskcomplete",
  "taskretry",
  "taskfail",
  "runstart",
  "runend",
] as const;

/** One tracker event as sent. */
export interface HubEvent {
  id: number;
  type: string;
  json: Record<string, unknown>;
  data: string;
}

export interface SSEHubOptions {
  tracker: StatusTracker;
  pipeline?: Pipeline;
  replay?: number;
  retryMs?: number;
  snapshotMs?: number;
  heartbeatMs?: number;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  accepts(event: HubEvent): boolean;
}

const encoder = new TextEncoder();

export class SSEHub {
  /** Every event sent, in id order. */
  readonly events: HubEvent[] = [];
  /** The `Last-Event-ID` of each request (`null` when absent), in order. */
  readonly resumedFrom: (string | null)[] = [];
  /** Answer a request with this instead of the stream (204, 500…), when set. */
  override: ((request: Request) => Response | undefined) | undefined;
  #tracker: StatusTracker;
  #pipeline: Pipeline | undefined;
  #replay: number;
  #retryMs: number;
  #snapshotMs: number;
  #heartbeatMs: number;
  #clients = new Set<Client>();
  #timers: ReturnType<typeof setInterval>[] = [];
  #listener = (e: Event): void => this.#publish(e.type, (e as CustomEvent).detail);

  constructor(options: SSEHubOptions) {
    this.#tracker = options.tracker;
    this.#pipeline = options.pipeline;
    this.#replay = options.replay ?? 1000;
    this.#retryMs = options.retryMs ?? 20;
    this.#snapshotMs = options.snapshotMs ?? 0;
    this.#heartbeatMs = options.heartbeatMs ?? 0;
    for (const type of TYPES) this.#tracker.addEventListener(type, this.#listener);
  }

  /** How many streams are open. */
  get connections(): number {
    return this.#clients.size;
  }

  /** The newest id (0 before the first event). */
  get lastEventId(): number {
    return this.events.length === 0 ? 0 : this.events[this.events.length - 1].id;
  }

  /** A `fetch` that serves from memory (no network). */
  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    return Promise.resolve(this.handle(new Request(input, init)));
  };

  /** Handles `GET /events` (any path). */
  handle(request: Request): Response {
    const url = new URL(request.url);
    const header = request.headers.get("last-event-id");
    this.resumedFrom.push(header);
    const overridden = this.override?.(request);
    if (overridden !== undefined) return overridden;
    const accepts = this.#filter(url.searchParams);
    const resumeFrom = header ?? url.searchParams.get("lastEventId");
    let client: Client | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        client = { controller, accepts };
        const send = (text: string) => controller.enqueue(encoder.encode(text));
        send(encodeSSE({ retry: this.#retryMs }));
        const resume = this.#resume(resumeFrom);
        if (resume.reset !== undefined) {
          send(encodeSSE({ event: "reset", data: JSON.stringify(resume.reset) }));
        }
        send(this.#snapshot());
        for (const event of resume.replay) if (accepts(event)) send(this.#encode(event));
        this.#clients.add(client);
        this.#startTimers();
      },
      cancel: () => this.#remove(client!),
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  }

  /** Ends every open stream: `close` cleanly, `error` abruptly (a broken connection). */
  dropAll(mode: "close" | "error" = "close"): number {
    const clients = [...this.#clients];
    for (const client of clients) {
      this.#remove(client);
      try {
        if (mode === "close") client.controller.close();
        else client.controller.error(new Error("connection killed by the test"));
      } catch {
        // already closed
      }
    }
    return clients.length;
  }

  /** Ends every stream, stops the timers and stops listening. */
  close(): void {
    this.dropAll("close");
    for (const type of TYPES) this.#tracker.removeEventListener(type, this.#listener);
  }

  #remove(client: Client): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) {
      for (const timer of this.#timers) clearInterval(timer);
      this.#timers = [];
    }
  }

  #startTimers(): void {
    if (this.#timers.length > 0) return;
    if (this.#snapshotMs > 0 && this.#pipeline !== undefined) {
      this.#timers.push(setInterval(() => this.#broadcast(this.#snapshot()), this.#snapshotMs));
    }
    if (this.#heartbeatMs > 0) {
      this.#timers.push(setInterval(() => this.#broadcast(": ping\n\n"), this.#heartbeatMs));
    }
  }

  #broadcast(text: string): void {
    const bytes = encoder.encode(text);
    for (const client of this.#clients) client.controller.enqueue(bytes);
  }

  #publish(type: string, detail: { toJSON?(): Record<string, unknown> }): void {
    // Status and task events have toJSON(); a run event is plain data.
    const json = detail.toJSON?.() ?? { ...detail };
    const event: HubEvent = { id: this.lastEventId + 1, type, json, data: JSON.stringify(json) };
    this.events.push(event);
    let text: string | undefined;
    for (const client of this.#clients) {
      if (client.accepts(event)) {
        client.controller.enqueue(encoder.encode(text ??= this.#encode(event)));
      }
    }
  }

  #encode(event: HubEvent): string {
    return encodeSSE({ id: String(event.id), event: event.type, data: event.data });
  }

  #snapshot(): string {
    const snapshot = {
      stats: this.#tracker.getStats(),
      pipeline: this.#pipeline?.getDashboardSnapshot() ?? null,
      lastEventId: this.lastEventId,
    };
    return encodeSSE({ event: "snapshot", data: JSON.stringify(snapshot) });
  }

  #resume(from: string | null): { reset?: object; replay: HubEvent[] } {
    if (from === null) return { replay: [] };
    const newest = this.lastEventId;
    const oldestKept = Math.max(1, newest - this.#replay + 1);
    const id = /^\d{1,15}$/.test(from) ? Number(from) : NaN;
    let reason: string | undefined;
    if (Number.isNaN(id)) reason = `Last-Event-ID ${JSON.stringify(from)} is not an integer`;
    else if (id > newest) reason = `Last-Event-ID ${id} is newer than the newest id ${newest}`;
    else if (id + 1 < oldestKept) reason = `Last-Event-ID ${id} is older than the replay buffer`;
    if (reason !== undefined) return { reset: { reason, lastEventId: newest }, replay: [] };
    return { replay: this.events.slice(id) };
  }

  #filter(params: URLSearchParams): (event: HubEvent) => boolean {
    const types = params.get("types")?.split(",");
    const stage = params.get("stage");
    const statuses = params.get("status")?.split(",");
    const item = params.get("item");
    // Run events belong to no stage, status or item: only `types` leaves them out.
    const isRun = (event: HubEvent) => event.type === "runstart" || event.type === "runend";
    return (event) =>
      (types === undefined || types.includes(event.type)) &&
      (isRun(event) ||
        ((stage === null || event.json.stage === stage) &&
          (statuses === undefined ||
            (event.type === "status" && statuses.includes(event.json.status as string))) &&
          (item === null || String(event.json.itemId) === item)));
  }
}
