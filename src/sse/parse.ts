/**
 * A Server-Sent Events parser that follows the WHATWG HTML standard, section "Server-sent events",
 * "Interpreting an event stream": it works on bytes (UTF-8, decoded across chunk boundaries), strips
 * one leading BOM, accepts CR, LF and CRLF line endings (also a CR at the end of one chunk and an LF
 * at the start of the next), and dispatches events exactly as `EventSource` would.
 *
 * @module
 */

import { typeOrRangeError, unknownOptionError } from "../utils/validate.ts";

/** One dispatched event, as `EventSource` would deliver it. */
export interface SSEMessage {
  /** The event type: the last `event:` field of the block, or `"message"`. */
  event: string;
  /** The `data:` lines of the block joined with LF (the trailing LF removed). */
  data: string;
  /** The last event ID when the event was dispatched (it persists across events, `""` if none). */
  lastEventId: string;
}

/** Options for {@linkcode SSEParser} and {@linkcode SSEParserStream}. */
export interface SSEParserOptions {
  /**
   * The last event ID to start from (a resumed connection starts with the ID it resumed from,
   * as browsers do), so events without an `id:` field carry it.
   * @default {""}
   */
  lastEventId?: string;
  /**
   * Called with the reconnection time of each valid `retry:` field (only ASCII digits).
   */
  onRetry?: (ms: number) => void;
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const BOM = 0xfeff;

const PARSER_KEYS = ["lastEventId", "onRetry"];

/**
 * An incremental SSE parser: `push()` byte chunks as they arrive, `end()` at the end of the stream.
 * Events are handed to `onMessage` synchronously, in order, during `push()`.
 *
 * @example
 * ```ts
 * import { SSEParser } from "@antflow/antflow/client";
 * const parser = new SSEParser((message) => console.log(message.event, message.data));
 * const bytes = new TextEncoder().encode("event: greet\ndata: hello\r\n\r");
 * parser.push(bytes.subarray(0, 9));
 * parser.push(bytes.subarray(9));
 * parser.end(); // logs "greet hello"
 * ```
 */
export class SSEParser {
  #onMessage: (message: SSEMessage) => void;
  #onRetry: ((ms: number) => void) | undefined;
  // The BOM is stripped here, not by the decoder: some decoders (Deno 2.9) also strip a U+FEFF
  // that starts a later chunk in streaming mode.
  #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  #started = false;
  /** The incomplete line carried over from the previous chunk. */
  #partial = "";
  /** The previous chunk ended with CR: an LF at the start of the next one belongs to it. */
  #skipLF = false;
  #data = "";
  #hasData = false;
  #eventType = "";
  #lastEventIdBuffer: string;
  #lastEventId: string;
  #ended = false;

  /**
   * Creates a parser.
   *
   * @param onMessage Receives every dispatched event.
   * @param options The initial last event ID and a `retry:` handler.
   * @throws {TypeError} For an unknown option.
   */
  constructor(onMessage: (message: SSEMessage) => void, options: SSEParserOptions = {}) {
    const unknown = unknownOptionError("SSEParser", options, PARSER_KEYS, typeOrRangeError);
    if (unknown !== undefined) throw unknown;
    this.#onMessage = onMessage;
    this.#onRetry = options.onRetry;
    this.#lastEventIdBuffer = this.#lastEventId = options.lastEventId ?? "";
  }

  /**
   * The last event ID string: what the last dispatched block (with or without data) set, the
   * value to send back as `Last-Event-ID` when reconnecting.
   */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /**
   * Parses the next chunk of the stream.
   *
   * @param chunk Bytes (UTF-8; a multi-byte character may be split across chunks).
   * @throws {TypeError} If called after `end()`.
   */
  push(chunk: Uint8Array): void {
    if (this.#ended) throw new TypeError("SSEParser: push() was called after end()");
    this.#feed(this.#decoder.decode(chunk, { stream: true }));
  }

  /**
   * Ends the stream: flushes the decoder, then discards an incomplete line and an event that was
   * not terminated by a blank line (as the standard requires). Idempotent.
   */
  end(): void {
    if (this.#ended) return;
    this.#feed(this.#decoder.decode());
    this.#ended = true;
    this.#partial = "";
    this.#data = "";
    this.#hasData = false;
    this.#eventType = "";
  }

  #feed(text: string): void {
    if (text.length === 0) return;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    const length = text.length;
    if (length === 0) return;
    let start = 0;
    if (this.#skipLF) {
      this.#skipLF = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    for (let i = start; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code !== LF && code !== CR) continue;
      let line = text.slice(start, i);
      if (this.#partial !== "") {
        line = this.#partial + line;
        this.#partial = "";
      }
      if (code === CR) {
        if (i + 1 === length) this.#skipLF = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
      this.#line(line);
    }
    if (start < length) this.#partial += text.slice(start);
  }

  #line(line: string): void {
    if (line === "") {
      this.#dispatch();
      return;
    }
    const colon = line.indexOf(":");
    if (colon === 0) return; // a comment
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = "";
    } else {
      field = line.slice(0, colon);
      const from = line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
      value = line.slice(from);
    }
    switch (field) {
      case "event":
        this.#eventType = value;
        break;
      case "data":
        this.#data = this.#hasData ? this.#data + "\n" + value : value;
        this.#hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) this.#lastEventIdBuffer = value;
        break;
      case "retry":
        if (isAsciiDigits(value)) this.#onRetry?.(Number(value));
        break;
        // any other field is ignored
    }
  }

  #dispatch(): void {
    this.#lastEventId = this.#lastEventIdBuffer;
    const hasData = this.#hasData;
    const data = this.#data;
    const event = this.#eventType === "" ? "message" : this.#eventType;
    this.#data = "";
    this.#hasData = false;
    this.#eventType = "";
    if (!hasData) return;
    this.#onMessage({ event, data, lastEventId: this.#lastEventId });
  }
}

function isAsciiDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * The {@linkcode SSEParser} as a `TransformStream` from bytes to {@linkcode SSEMessage}s, for
 * `response.body.pipeThrough(new SSEParserStream())`.
 *
 * @example
 * ```ts
 * import { SSEParserStream } from "@antflow/antflow/client";
 * const body = new Response("data: one\n\ndata: two\n\n").body!;
 * for await (const message of body.pipeThrough(new SSEParserStream())) {
 *   console.log(message.data); // "one", then "two"
 * }
 * ```
 */
export class SSEParserStream extends TransformStream<Uint8Array, SSEMessage> {
  #parser: SSEParser;

  /**
   * Creates the stream.
   *
   * @param options The initial last event ID and a `retry:` handler.
   */
  constructor(options: SSEParserOptions = {}) {
    let enqueue: (message: SSEMessage) => void = () => {};
    const parser = new SSEParser((message) => enqueue(message), options);
    super({
      start(controller) {
        enqueue = (message) => controller.enqueue(message);
      },
      transform(chunk) {
        parser.push(chunk);
      },
      flush() {
        parser.end();
      },
    });
    this.#parser = parser;
  }

  /** The parser's last event ID string (see {@linkcode SSEParser.lastEventId}). */
  get lastEventId(): string {
    return this.#parser.lastEventId;
  }
}
