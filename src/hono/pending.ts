const ENCODER = new TextEncoder();

/**
 * Node 24 encodes a string built by thousands of concatenations at 3–5× the cost per byte of the
 * same text in pieces of some kilobytes (a 165-byte status message: ~720 ns in a 1 MB string,
 * ~250 ns in 16 Ki pieces, ~320 ns one by one); on Node the text is encoded every 16 Ki code units
 * into one buffer. Deno and Bun encode a group's whole pending text (at most ~64 Ki, see
 * `groups.ts`) as fast, and then need no copy: their text is encoded once, when taken.
 */
const IS_NODE = !("Deno" in globalThis) && !("Bun" in globalThis) &&
  typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions
      ?.node === "string";
const ENCODE_AT = IS_NODE ? 16 * 1024 : Infinity;

/** A buffer larger than this is dropped once taken. */
const KEEP_BYTES = 256 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * Whole SSE messages waiting to go out as one chunk: `add()` them, `take()` the UTF-8 bytes.
 * Messages are concatenated into a string, encoded when taken or, on Node, into one growing
 * buffer once it holds about {@linkcode ENCODE_AT} code units.
 *
 * @internal
 */
export class PendingChunk {
  /** How many messages wait. */
  messages = 0;
  /** How many UTF-16 code units wait (about the bytes, for bounding a burst). */
  size = 0;
  #text = "";
  #bytes = EMPTY;
  #used = 0;

  /** Adds one message (or several: `messages` of them). */
  add(text: string, messages = 1): void {
    this.messages += messages;
    this.size += text.length;
    this.#text += text;
    if (this.#text.length >= ENCODE_AT) this.#encode();
  }

  /** The waiting messages as UTF-8; empty again afterwards. */
  take(): Uint8Array {
    let out: Uint8Array;
    if (this.#used === 0) {
      out = ENCODER.encode(this.#text);
    } else {
      if (this.#text.length > 0) this.#encode();
      // Not `slice()`: on Deno 2.9 it copies 65 KB in ~40 µs, a new array and `set()` in ~11 µs.
      out = new Uint8Array(this.#used);
      out.set(this.#bytes.subarray(0, this.#used));
      // A burst's buffer is not kept: what waits is bounded by the hub, what stays is not.
      if (this.#bytes.length > KEEP_BYTES) this.#bytes = EMPTY;
    }
    this.#text = "";
    this.#used = 0;
    this.messages = 0;
    this.size = 0;
    return out;
  }

  /** Drops what waits. */
  clear(): void {
    this.#text = "";
    this.#used = 0;
    this.#bytes = EMPTY;
    this.messages = 0;
    this.size = 0;
  }

  #encode(): void {
    const text = this.#text;
    this.#text = "";
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const need = this.#used + text.length * 3;
    if (need > this.#bytes.length) {
      let capacity = Math.max(this.#bytes.length * 2, 64 * 1024);
      while (capacity < need) capacity *= 2;
      const bigger = new Uint8Array(capacity);
      bigger.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = bigger;
    }
    this.#used += ENCODER.encodeInto(text, this.#bytes.subarray(this.#used)).written;
  }
}
