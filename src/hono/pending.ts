const ENCODER = new TextEncoder();

/**
 * Node's `TextEncoder` writes a freshly built string of some kilobytes at ~6 ns a byte (measured on
 * Node 24: `encode` and `encodeInto` alike, joined or concatenated), but a message-sized one at
 * under 1 ns a byte; Deno and Bun encode a whole batch at 0.2–0.3 ns a byte and pay more per call.
 * So on Node each message is encoded as it is added, elsewhere the batch at once.
 */
const ENCODE_EACH = !("Deno" in globalThis) && !("Bun" in globalThis) &&
  typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions
      ?.node === "string";

/**
 * Whole SSE messages waiting to go out as one chunk: `add()` them, `take()` the UTF-8 bytes.
 *
 * @internal
 */
export class PendingChunk {
  /** How many messages wait. */
  messages = 0;
  /** How many UTF-16 code units wait (about the bytes, for bounding a burst). */
  size = 0;
  #text = "";
  #bytes: Uint8Array | undefined = ENCODE_EACH ? new Uint8Array(16 * 1024) : undefined;
  #used = 0;

  /** Adds one message (or several: `messages` of them). */
  add(text: string, messages = 1): void {
    this.messages += messages;
    this.size += text.length;
    if (this.#bytes === undefined) {
      this.#text += text;
      return;
    }
    this.#reserve(text.length * 3);
    this.#used += ENCODER.encodeInto(text, this.#bytes.subarray(this.#used)).written;
  }

  /** The waiting messages as UTF-8; empty again afterwards. */
  take(): Uint8Array {
    let out: Uint8Array;
    if (this.#bytes === undefined) {
      out = ENCODER.encode(this.#text);
      this.#text = "";
    } else {
      out = this.#bytes.slice(0, this.#used);
      this.#used = 0;
    }
    this.messages = 0;
    this.size = 0;
    return out;
  }

  /** Drops what waits. */
  clear(): void {
    this.#text = "";
    this.#used = 0;
    this.messages = 0;
    this.size = 0;
  }

  #reserve(n: number): void {
    const bytes = this.#bytes!;
    if (this.#used + n <= bytes.length) return;
    let capacity = bytes.length * 2;
    while (capacity < this.#used + n) capacity *= 2;
    const bigger = new Uint8Array(capacity);
    bigger.set(bytes.subarray(0, this.#used));
    this.#bytes = bigger;
  }
}
