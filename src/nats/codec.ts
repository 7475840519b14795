/**
 * How item values and stage outputs become message payloads.
 *
 * @module
 */

/**
 * Turns values into message payloads and back. It must round-trip the values your stages pass
 * (`decode(encode(v))` is what the next stage receives) and throw for a value it cannot encode:
 * the item then fails with an `ItemTransferError` naming the reason.
 *
 * @example
 * ```ts
 * import type { NatsCodec } from "@antflow/antflow/nats";
 * // Strings only, as raw UTF-8.
 * const text: NatsCodec = {
 *   name: "text",
 *   encode: (value) => {
 *     if (typeof value !== "string") throw new TypeError(`not a string: ${typeof value}`);
 *     return new TextEncoder().encode(value);
 *   },
 *   decode: (data) => new TextDecoder().decode(data),
 * };
 * console.log(text.decode(text.encode("hi"))); // hi
 * ```
 */
export interface NatsCodec {
  /** A name for messages and errors (`"json"`). */
  readonly name: string;
  /** The payload of a value; throws when the value cannot be encoded. */
  encode(value: unknown): Uint8Array;
  /** The value of a payload. */
  decode(data: Uint8Array): unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/**
 * The default codec: JSON as UTF-8. `undefined` (a task that returns nothing) is an empty payload
 * and comes back as `undefined`. Everything else follows `JSON.stringify`: a `Date` becomes its ISO
 * string, `undefined` properties disappear, a `Map` or `Set` becomes `{}`. A `BigInt`, a circular
 * structure, a function or a symbol cannot be encoded (the item fails, naming the reason).
 *
 * @example
 * ```ts
 * import { jsonCodec } from "@antflow/antflow/nats";
 * const data = jsonCodec.encode({ n: 1, tags: ["a"] });
 * console.log(jsonCodec.decode(data)); // { n: 1, tags: [ "a" ] }
 * ```
 */
export const jsonCodec: NatsCodec = {
  name: "json",
  encode(value: unknown): Uint8Array {
    if (value === undefined) return EMPTY;
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new TypeError(`a ${typeof value} cannot be encoded as JSON`);
    }
    return encoder.encode(text);
  },
  decode(data: Uint8Array): unknown {
    return data.length === 0 ? undefined : JSON.parse(decoder.decode(data));
  },
};
