/**
 * A real SSE client for the tests: `fetch`, then the response body read chunk by chunk through the
 * test's own parser (not the adapter's helpers).
 */
import { type ParsedItem, type ParsedMessage, SSETestParser } from "./hono_sse_parser.ts";

export interface SSEClient {
  /** The response (its body is being read). */
  readonly response: Response;
  /** Everything parsed so far, in order. */
  readonly items: ParsedItem[];
  /** The dispatched messages so far. */
  messages(): ParsedMessage[];
  /** The messages of tracker events (those with an `id:`). */
  events(): ParsedMessage[];
  /** Resolves once `check()` holds; rejects after `timeoutMs` naming `what`. */
  waitFor(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream (or it fails); `true` if it ended. */
  readonly ended: Promise<boolean>;
  /** Aborts the request and waits for the reader to stop. */
  close(): Promise<void>;
}

/**
 * Opens `url` as an event stream.
 *
 * @throws {Error} If the response is not 200 `text/event-stream` (the body is read and shown).
 */
export async function openSSE(
  url: string | URL,
  options: {
    headers?: Record<string, string>;
    /** In-process: e.g. `app.fetch` (the request still carries the abort signal). */
    fetch?: (request: Request) => Response | Promise<Response>;
  } = {},
): Promise<SSEClient> {
  const controller = new AbortController();
  const request = new Request(url, {
    headers: { Accept: "text/event-stream", ...options.headers },
    signal: controller.signal,
  });
  const response = await (options.fetch ?? fetch)(request);
  if (response.status !== 200) {
    const body = await response.text();
    throw new Error(`openSSE ${url}: status ${response.status}: ${body}`);
  }
  const parser = new SSETestParser();
  const items: ParsedItem[] = [];
  const messages: ParsedMessage[] = [];
  const events: ParsedMessage[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const reader = response.body!.getReader();
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return true;
        for (const item of parser.push(value)) {
          items.push(item);
          if (item.kind !== "message") continue;
          messages.push(item.message);
          if (item.message.id !== undefined) events.push(item.message);
        }
        wake?.();
      }
    } catch {
      return false;
    } finally {
      finished = true;
      wake?.();
    }
  })();
  return {
    response,
    items,
    messages: () => messages,
    events: () => events,
    ended,
    async waitFor(check, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (finished) throw new Error(`openSSE: stream ended while waiting for ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`openSSE: timed out waiting for ${what}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    },
    async close() {
      controller.abort();
      await reader.cancel().catch(() => {});
      await ended;
    },
  };
}
