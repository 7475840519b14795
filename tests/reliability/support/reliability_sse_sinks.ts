/**
 * What the SSE reliability tests do with a raw stream's body: parse it fully with the tests' own
 * spec parser (few streams), or only count messages and check their ids (a thousand streams).
 */
import { type ParsedMessage, SSETestParser } from "../../support/hono_sse_parser.ts";
import { openRawStream, type RawHead, type RawStream } from "./reliability_sse_raw_client.ts";

/** A raw stream whose body goes through the tests' spec parser. */
export interface ParsedRawStream {
  readonly stream: RawStream;
  /** The dispatched messages so far. */
  readonly messages: ParsedMessage[];
  /** Resolves once `check()` holds; rejects when the stream closes first or after `timeoutMs`. */
  waitFor(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

/** Opens `url` raw (see `openRawStream`) and parses the body as it arrives. */
export function openParsedRawStream(url: string, headerLines: string[] = []): ParsedRawStream {
  const parser = new SSETestParser();
  const messages: ParsedMessage[] = [];
  let closed = false;
  const stream = openRawStream(url, {
    headerLines,
    onBody: (bytes) => {
      for (const item of parser.push(bytes)) {
        if (item.kind === "message") messages.push(item.message);
      }
    },
  });
  stream.closed.then(() => (closed = true));
  return {
    stream,
    messages,
    async waitFor(check, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (closed) throw new Error(`${url}: the stream closed while waiting for ${what}`);
        if (Date.now() > deadline) throw new Error(`${url}: timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}

/**
 * Counts the `\n\n`-terminated blocks of an AntFlow stream cheaply (native `indexOf` over the
 * decoded text, no message objects) and checks every tracker event's id on the fly: strictly
 * increasing, and one of the ids `expected` allows; `hash` sums up the whole id sequence.
 */
export class BlockCounter {
  /** One step of `hash`: an order-sensitive polynomial hash of the ids (32 bits). */
  static mix(hash: number, id: number): number {
    return (Math.imul(hash, 31) + id) >>> 0;
  }

  /** Tracker events (blocks with an `id:` line). */
  events = 0;
  /** The hash of the id sequence so far (see `mix`). */
  hash = 0;
  /** Blocks without an id (retry, snapshot, ping). */
  others = 0;
  lastId = 0;
  /** The first id that was out of order or not expected, if any. */
  badId: number | undefined;
  #decoder = new TextDecoder();
  #carry = "";
  #expected: (id: number) => boolean;

  /** @param expected Whether an event id may reach this client (any, by default). */
  constructor(expected: (id: number) => boolean = () => true) {
    this.#expected = expected;
  }

  push(bytes: Uint8Array): void {
    const text = this.#carry + this.#decoder.decode(bytes, { stream: true });
    let from = 0;
    for (;;) {
      const end = text.indexOf("\n\n", from);
      if (end === -1) break;
      // A data line is one line of JSON text (no raw LF): "\nid: " only starts an id line.
      let value = -1;
      if (text.startsWith("id: ", from)) value = from + 4;
      else {
        const at = text.indexOf("\nid: ", from);
        if (at !== -1 && at < end) value = at + 5;
      }
      if (value !== -1) {
        const id = Number(text.slice(value, text.indexOf("\n", value)));
        if (this.badId === undefined && (!(id > this.lastId) || !this.#expected(id))) {
          this.badId = id;
        }
        this.lastId = id;
        this.hash = BlockCounter.mix(this.hash, id);
        this.events++;
      } else {
        this.others++;
      }
      from = end + 2;
    }
    this.#carry = text.slice(from);
  }
}

/** Opens `url` raw and counts its blocks; resolves once the response head has arrived. */
export async function openCountingStream(
  url: string,
  counter: BlockCounter,
): Promise<{ stream: RawStream; head: RawHead }> {
  const stream = openRawStream(url, { onBody: (bytes) => counter.push(bytes) });
  return { stream, head: await stream.head };
}
