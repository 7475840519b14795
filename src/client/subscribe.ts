import type { ClientMessage } from "./messages.ts";
import { buildUrl, type SubscribeOptions, validateSubscribeOptions } from "./options.ts";
import { Subscription, type SubscriptionHooks } from "./subscription.ts";

const OWNER = "subscribe()";

/**
 * Subscribes to an AntFlow event stream (`GET <mount>/events`) with `fetch` and Web Streams, and
 * returns a stream of typed, validated messages: `status`, the task events, `snapshot`, `reset`,
 * the run lifecycle events `runstart` and `runend`, and `error` for a message that could not be
 * understood (it is reported and skipped).
 *
 * A dropped connection (the stream ends or the network fails) is resumed with `Last-Event-ID`,
 * after the server's `retry:` delay with capped exponential backoff and full jitter, so no event is
 * lost or repeated. HTTP 204 closes the stream normally; any other non-2xx status or a content
 * type other than `text/event-stream` errors it. Aborting `signal` or cancelling the stream closes
 * the connection at once (the stream closes normally). Filters become query parameters.
 *
 * @param url The events URL: an absolute `http:` or `https:` URL such as
 * `http://localhost:8787/antflow/events`, or (in a page, where `location` exists) one relative
 * to the page.
 * @param options Filters, where to resume, headers, `fetch`, `signal` and reconnection tuning.
 * @returns A `ReadableStream` of messages, async-iterable (`for await`); slow reading slows the
 * connection down (nothing is buffered without bound).
 * @throws {TypeError} At the call: if `url` is not an `http:`/`https:` URL (a relative one outside
 * a page, `localhost:8787/…` without a scheme, `ws:`, `ftp:`…) or an option has the wrong type.
 * @throws {RangeError} If a numeric option is out of range.
 *
 * @example Served from memory through `fetch` (tests, or a Worker's service binding)
 * ```ts
 * import { subscribe } from "@antflow/antflow/client";
 * const stats = { queued: 0, in_progress: 0, completed: 1, failed: 0, retrying: 0, skipped: 0, cancelled: 0 };
 * const status = { itemId: 7, stage: "Save", status: "completed", worker: "Save-W0", timestamp: 0, metadata: {}, workerId: 0 };
 * const body = `event: snapshot\ndata: ${JSON.stringify({ stats, pipeline: null, lastEventId: 4 })}\n\n` +
 *   `event: status\nid: 5\ndata: ${JSON.stringify(status)}\n\n`;
 * let calls = 0;
 * const fetch = () =>
 *   Promise.resolve(calls++ === 0
 *     ? new Response(body, { headers: { "content-type": "text/event-stream" } })
 *     : new Response(null, { status: 204 })); // the reconnection gets 204: the stream ends
 * const url = "https://example.test/antflow/events";
 * for await (const message of subscribe(url, { fetch, retryMs: 10 })) {
 *   console.log(message.type); // "snapshot", then "status"
 * }
 * ```
 *
 * @example Against an AntFlow server (`@antflow/antflow/hono`)
 * ```ts ignore
 * import { subscribe } from "@antflow/antflow/client";
 * const signal = AbortSignal.timeout(10_000);
 * for await (const message of subscribe("http://localhost:8787/antflow/events", { signal })) {
 *   if (message.type === "status") console.log(message.event.itemId, message.event.status);
 *   else if (message.type === "snapshot") console.log("stats", message.snapshot.stats);
 * }
 * ```
 */
export function subscribe(
  url: string | URL,
  options: SubscribeOptions = {},
): ReadableStream<ClientMessage> {
  return openStream(OWNER, url, options);
}

/**
 * `subscribe()` with the owner named in error messages (`RemoteTracker` uses its own name).
 *
 * @internal
 */
export function openStream(
  owner: string,
  url: string | URL,
  options: SubscribeOptions,
  hooks?: SubscriptionHooks,
): ReadableStream<ClientMessage> {
  validateSubscribeOptions(owner, options);
  const subscription = new Subscription(owner, buildUrl(owner, url, options), options, hooks);
  const stream = new ReadableStream<ClientMessage>({
    start: (controller) => subscription.start(controller),
    pull: () => subscription.pull(),
    cancel: () => subscription.cancel(),
  });
  return asyncIterable(stream);
}

/** Adds `Symbol.asyncIterator` where the platform lacks it on streams (older Safari). */
function asyncIterable<T>(stream: ReadableStream<T>): ReadableStream<T> {
  if (
    typeof (stream as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  ) {
    return stream;
  }
  Object.defineProperty(stream, Symbol.asyncIterator, {
    configurable: true,
    writable: true,
    value: function (): AsyncIterableIterator<T> {
      const reader = stream.getReader();
      const iterator: AsyncIterableIterator<T> = {
        async next(): Promise<IteratorResult<T>> {
          const result = await reader.read();
          if (result.done) reader.releaseLock();
          return result.done ? { done: true, value: undefined } : result;
        },
        async return(): Promise<IteratorResult<T>> {
          await reader.cancel();
          reader.releaseLock();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
  });
  return stream;
}
