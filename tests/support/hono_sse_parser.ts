/**
 * A small event-stream parser for the tests, written from the WHATWG HTML spec ("Interpreting an
 * event stream") independently of the adapter's encoder. It takes raw bytes in arbitrary chunks
 * and walks them byte by byte: CR, LF and CRLF end a line, and each line's bytes are decoded as
 * UTF-8 once complete.
 */

/** One dispatched message, plus what the spec's algorithm does not keep but tests check. */
export interface ParsedMessage {
  /** The event type ("message" when no `event:` field). */
  type: string;
  /** The data buffer, without its last LF. */
  data: string;
  /** The stream's last event id after this message (the spec's value). */
  lastEventId: string;
  /** The `id:` field of this very message, if it had one. */
  id: string | undefined;
}

/** What the parser reports: messages, comments and `retry:` values, in stream order. */
export type ParsedItem =
  | { kind: "message"; message: ParsedMessage }
  | { kind: "comment"; text: string }
  | { kind: "retry"; ms: number };

const CR = 0x0d;
const LF = 0x0a;

/** Incremental parser: `push(bytes)` returns everything completed by those bytes. */
export class SSETestParser {
  #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  #line: number[] = [];
  #afterCR = false;
  #first = true;
  #data = "";
  #type = "";
  #idField: string | undefined;
  #lastEventId = "";
  #out: ParsedItem[] = [];

  push(bytes: Uint8Array): ParsedItem[] {
    for (const byte of bytes) {
      if (this.#afterCR) {
        this.#afterCR = false;
        if (byte === LF) continue; // CRLF: the CR already ended the line
      }
      if (byte === CR) {
        this.#afterCR = true;
        this.#endLine();
      } else if (byte === LF) {
        this.#endLine();
      } else {
        this.#line.push(byte);
      }
    }
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #endLine(): void {
    let line = this.#decoder.decode(new Uint8Array(this.#line));
    this.#line = [];
    if (this.#first) {
      this.#first = false;
      if (line.startsWith("\uFEFF")) line = line.slice(1);
    }
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) {
      this.#out.push({ kind: "comment", text: line.slice(1).replace(/^ /, "") });
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.#type = value;
        break;
      case "data":
        this.#data += value + "\n";
        break;
      case "id":
        if (!value.includes("\0")) {
          this.#lastEventId = value;
          this.#idField = value;
        }
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) this.#out.push({ kind: "retry", ms: Number(value) });
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  #dispatch(): void {
    const id = this.#idField;
    this.#idField = undefined;
    if (this.#data === "") {
      this.#type = "";
      return;
    }
    const data = this.#data.endsWith("\n") ? this.#data.slice(0, -1) : this.#data;
    const type = this.#type === "" ? "message" : this.#type;
    this.#data = "";
    this.#type = "";
    this.#out.push({
      kind: "message",
      message: { type, data, lastEventId: this.#lastEventId, id },
    });
  }
}
