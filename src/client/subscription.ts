import { backoffDelay } from "../limits/backoff.ts";
import { type SSEMessage, SSEParser } from "../sse/parse.ts";
import { type ClientMessage, decodeMessage } from "./messages.ts";
import type { FetchLike, SubscribeOptions } from "./options.ts";

const DEFAULT_RETRY_MS = 3000;
const DEFAULT_MAX_RETRY_MS = 30_000;

/**
 * What a subscription tells its owner about its connection (`RemoteTracker` reports from these).
 *
 * @internal
 */
export interface SubscriptionHooks {
  /**
   * A connection attempt failed: it could not be made, or it ended before its first message.
   * `reason` says why (without the URL); `failures` counts the attempts in a row (1 for the first
   * of an outage); `retryInMs` is the wait before the next attempt, or `null` when the stream
   * gives up (an HTTP error, a wrong content type, `maxRetries` exhausted).
   */
  onFailure?(error: unknown, reason: string, failures: number, retryInMs: number | null): void;
  /** A connection delivered its first message (`failures` attempts had failed before it). */
  onOpen?(failures: number): void;
}

/**
 * The state behind one `subscribe()` stream: connects, parses, decodes, reconnects with
 * `Last-Event-ID` after a drop (backoff with full jitter), and stops at once when aborted or
 * cancelled. Reading is driven by the stream's `pull()`, so a slow consumer slows the reads.
 *
 * @internal
 */
export class Subscription {
  #owner: string;
  #url: URL;
  #fetch: FetchLike;
  #headers: HeadersInit | undefined;
  #signal: AbortSignal | undefined;
  #maxRetryMs: number;
  #maxRetries: number;
  #idleTimeoutMs: number;
  /** When the pending read started (undefined while not reading: a slow consumer is not idle). */
  #readingSince: number | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #retryMs: number;
  #abort = new AbortController();
  #controller!: ReadableStreamDefaultController<ClientMessage>;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #parser: SSEParser | undefined;
  /** Where to resume from (sent as `Last-Event-ID`). */
  #lastId: string;
  /** The parser's last event ID as last seen (its changes are the server's `id:` fields). */
  #parserId = "";
  /** Connections in a row that ended or failed without delivering a message. */
  #failures = 0;
  /** Connections made so far (the first one does not wait). */
  #connections = 0;
  /** Messages delivered by the current connection. */
  #delivered = 0;
  #enqueued = 0;
  #done = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;
  /** The wait before the next connection, set when one drops. */
  #nextDelay = 0;
  #hooks: SubscriptionHooks;
  #onAbort = (): void => this.#finish();

  constructor(owner: string, url: URL, options: SubscribeOptions, hooks: SubscriptionHooks = {}) {
    this.#owner = owner;
    this.#hooks = hooks;
    this.#url = url;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#headers = options.headers;
    this.#signal = options.signal;
    this.#retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.#maxRetryMs = options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS;
    this.#maxRetries = options.maxRetries ?? Infinity;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? Infinity;
    const initial = options.lastEventId ?? new Headers(options.headers).get("last-event-id");
    this.#lastId = initial === null ? "" : String(initial);
  }

  /** The stream's `start()`. */
  start(controller: ReadableStreamDefaultController<ClientMessage>): void {
    this.#controller = controller;
    if (this.#signal?.aborted) this.#finish();
    else this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** The stream's `pull()`: reads until at least one message was enqueued, or the end. */
  async pull(): Promise<void> {
    this.#enqueued = 0;
    while (!this.#done && this.#enqueued === 0) {
      const reader = this.#reader;
      if (reader === undefined) {
        await this.#connect();
        continue;
      }
      let result: ReadableStreamReadResult<Uint8Array>;
      this.#watchIdle();
      try {
        result = await reader.read();
      } catch (error) {
        this.#dropped(error);
        continue;
      } finally {
        this.#readingSince = undefined;
      }
      if (this.#done) return;
      if (result.done) {
        this.#dropped(undefined);
        continue;
      }
      this.#parser!.push(result.value);
      this.#syncId(this.#parser!.lastEventId);
    }
  }

  /** The stream's `cancel()`: the consumer is gone. */
  cancel(): void {
    this.#stop();
  }

  async #connect(): Promise<void> {
    if (this.#connections++ > 0) {
      await this.#sleep(this.#nextDelay);
      if (this.#done) return;
    }
    this.#delivered = 0;
    const headers = new Headers(this.#headers);
    headers.set("accept", "text/event-stream");
    if (this.#lastId !== "") headers.set("last-event-id", this.#lastId);
    else headers.delete("last-event-id");
    let response: Response;
    try {
      response = await this.#fetch(this.#url.href, { headers, signal: this.#abort.signal });
    } catch (error) {
      this.#dropped(error);
      return;
    }
    if (this.#done) {
      discard(response);
      return;
    }
    if (response.status === 204) {
      discard(response);
      this.#finish();
      return;
    }
    const failure = this.#check(response);
    if (failure !== undefined) {
      discard(response);
      this.#hooks.onFailure?.(failure.error, failure.reason, this.#failures + 1, null);
      this.#fail(failure.error);
      return;
    }
    if (response.body === null) {
      this.#dropped(new TypeError(`${this.#owner}: ${this.#url.href} answered without a body`));
      return;
    }
    this.#reader = response.body.getReader();
    this.#parserId = this.#lastId;
    this.#parser = new SSEParser((message) => this.#onMessage(message), {
      lastEventId: this.#lastId,
      onRetry: (ms) => {
        this.#retryMs = ms;
      },
    });
  }

  /** Why `response` is not an event stream to read (its error and, for reports, the reason). */
  #check(response: Response): { error: Error; reason: string } | undefined {
    if (!response.ok) {
      const text = response.statusText ? ` ${response.statusText}` : "";
      return this.#refused(Error, `answered HTTP ${response.status}${text}, expected 200`);
    }
    const type = response.headers.get("content-type");
    const essence = type?.split(";", 1)[0].trim().toLowerCase();
    if (essence === "text/event-stream") return undefined;
    const given = type === null ? "(none)" : JSON.stringify(type);
    return this.#refused(
      TypeError,
      `answered with content type ${given}, expected text/event-stream`,
    );
  }

  #refused(kind: ErrorConstructor, reason: string): { error: Error; reason: string } {
    return { error: new kind(`${this.#owner}: ${this.#url.href} ${reason}`), reason };
  }

  #onMessage(sse: SSEMessage): void {
    this.#syncId(sse.lastEventId);
    const message = decodeMessage(sse);
    if (message === undefined || this.#done) return;
    if (this.#delivered++ === 0) this.#hooks.onOpen?.(this.#failures);
    if (message.type === "reset") this.#lastId = String(message.lastEventId);
    else if (message.type === "snapshot" && this.#lastId === "") {
      this.#lastId = String(message.snapshot.lastEventId);
    }
    this.#controller.enqueue(message);
    this.#enqueued++;
  }

  /** Follows the server's `id:` fields (a snapshot or reset may have moved `#lastId` meanwhile). */
  #syncId(parserId: string): void {
    if (parserId === this.#parserId) return;
    this.#parserId = parserId;
    this.#lastId = parserId;
  }

  /** The connection ended or could not be made: reconnect (after a backoff) or give up. */
  #dropped(error: unknown): void {
    this.#release();
    if (this.#done) return;
    this.#failures = this.#delivered > 0 ? 0 : this.#failures + 1;
    const failures = this.#failures;
    if (failures > this.#maxRetries) {
      const attempts = failures === 1 ? "1 attempt" : `${failures} attempts in a row`;
      this.#hooks.onFailure?.(error, reasonOf(error), failures, null);
      this.#fail(
        new Error(`${this.#owner}: ${this.#url.href} failed (${attempts}): ${describe(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    this.#nextDelay = this.#backoff();
    if (failures > 0) this.#hooks.onFailure?.(error, reasonOf(error), failures, this.#nextDelay);
  }

  /** Arms the idle check for the read about to start (one timer, re-armed lazily). */
  #watchIdle(): void {
    if (this.#idleTimeoutMs === Infinity) return;
    this.#readingSince = performance.now();
    if (this.#idleTimer === undefined) this.#armIdle(this.#idleTimeoutMs);
  }

  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      const since = this.#readingSince;
      if (since === undefined || this.#done) return;
      const left = this.#idleTimeoutMs - (performance.now() - since);
      if (left > 0) this.#armIdle(left);
      else this.#reader?.cancel().catch(() => {}); // the pending read ends: reconnect
    }, Math.min(ms, 2 ** 31 - 1));
  }

  #backoff(): number {
    const base = this.#retryMs;
    const cap = Math.max(this.#maxRetryMs, base);
    return backoffDelay(base, this.#failures + 1, { multiplier: 2, maxWaitMs: cap, jitter: true });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#wake = undefined;
        resolve();
      }, Math.min(ms, 2 ** 31 - 1));
    });
  }

  /** Drops the current connection's reader and parser (the body is cancelled). */
  #release(): void {
    const reader = this.#reader;
    this.#reader = undefined;
    this.#parser?.end();
    this.#parser = undefined;
    if (reader !== undefined) reader.cancel().catch(() => {});
  }

  /** Stops everything: timers, the request, the body, the abort listener. */
  #stop(): void {
    if (this.#done) return;
    this.#done = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#wake?.();
    this.#wake = undefined;
    this.#release();
    this.#abort.abort();
  }

  /** Ends the stream normally (abort, HTTP 204). */
  #finish(): void {
    if (this.#done) return;
    this.#stop();
    this.#controller.close();
  }

  /** Fails the stream. */
  #fail(error: Error): void {
    if (this.#done) return;
    this.#stop();
    this.#controller.error(error);
  }
}

function describe(error: unknown): string {
  if (error === undefined) return "the connection closed";
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Why a connection failed, in words: the error's message, then its innermost cause's (what the
 * runtime says went wrong: `fetch failed: connect ECONNREFUSED 127.0.0.1:8787`), without a
 * repetition of the request (Deno's causes start with "error sending request for url (…): …").
 */
function reasonOf(error: unknown): string {
  if (error === undefined) return "the connection closed before the first message";
  if (!(error instanceof Error)) return String(error);
  const reason = error.message || error.name;
  let cause: unknown = error.cause;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  let detail = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : "";
  if (detail.includes("://")) detail = detail.slice(detail.lastIndexOf(": ") + 2);
  return detail === "" || reason.includes(detail) ? reason : `${reason}: ${detail}`;
}

function discard(response: Response): void {
  response.body?.cancel().catch(() => {});
}
