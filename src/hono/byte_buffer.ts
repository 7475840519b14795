const ENCODER = new TextEncoder();

/**
 * A growable byte buffer for writing SSE text straight as UTF-8: ASCII pieces byte by byte,
 * cached byte strings copied, integers as digits, anything else through `encodeInto`. `take()`
 * hands out a copy of what was written and starts again, keeping the memory.
 *
 * @internal
 */
export class ByteBuffer {
  #bytes: Uint8Array;
  length = 0;

  constructor(capacity = 16 * 1024) {
    this.#bytes = new Uint8Array(capacity);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const needed = this.length + n;
    if (needed <= this.#bytes.length) return;
    let capacity = this.#bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const bigger = new Uint8Array(capacity);
    bigger.set(this.#bytes.subarray(0, this.length));
    this.#bytes = bigger;
  }

  /** Appends bytes (short ones are copied in a loop: cheaper than `set` for a few bytes). */
  raw(piece: Uint8Array): void {
    const n = piece.length;
    this.reserve(n);
    const bytes = this.#bytes;
    const at = this.length;
    if (n > 32) bytes.set(piece, at);
    else for (let i = 0; i < n; i++) bytes[at + i] = piece[i];
    this.length = at + n;
  }

  /** Appends a string known to be ASCII (digits, JSON number text). */
  ascii(text: string): void {
    const n = text.length;
    this.reserve(n);
    const bytes = this.#bytes;
    const at = this.length;
    for (let i = 0; i < n; i++) bytes[at + i] = text.charCodeAt(i);
    this.length = at + n;
  }

  /** Appends any string as UTF-8. */
  utf8(text: string): void {
    this.reserve(text.length * 3);
    this.length += ENCODER.encodeInto(text, this.#bytes.subarray(this.length)).written;
  }

  /** Appends a non-negative safe integer in decimal. */
  uint(value: number): void {
    let digits = 1;
    for (let power = 10; power <= value; power *= 10) digits++; // powers of 10 are exact
    this.reserve(digits);
    const bytes = this.#bytes;
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    do {
      const digit = rest % 10;
      bytes[--at] = 48 + digit;
      rest = (rest - digit) / 10; // exact: a multiple of 10 divided by 10
    } while (rest > 0);
  }

  /** A copy of what was written; the buffer is empty again (its memory is kept). */
  take(): Uint8Array {
    const out = this.#bytes.slice(0, this.length);
    this.length = 0;
    return out;
  }

  /** Forgets what was written. */
  clear(): void {
    this.length = 0;
  }
}

/** The UTF-8 bytes of a string (for the constant pieces of the wire text). */
export function utf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}
