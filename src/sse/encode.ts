/**
 * The Server-Sent Events message encoder (WHATWG HTML, "Server-sent events"): one message in, the
 * exact text of one event-stream block out.
 *
 * @module
 */

/** The fields of one outgoing Server-Sent Events message. Every field is optional; an empty message encodes to `""`. */
export interface SSEFields {
  /** `: <text>` comment lines (heartbeats); ignored by clients. Split on CR, LF and CRLF. */
  comment?: string;
  /** The `event:` type. CR and LF are removed (they would end the field). */
  event?: string;
  /** The `id:`. CR, LF and NUL are removed (a NUL makes clients ignore the id). */
  id?: string | number;
  /** The reconnection time, `retry: <ms>`; must be an integer >= 0. */
  retry?: number;
  /** The payload; split on CR, LF and CRLF into one `data:` line each. */
  data?: string;
}

const LINE_BREAK = /\r\n|\r|\n/;
const FIELD_BREAKS = /[\r\n]/g;
const ID_BREAKS = /[\r\n\0]/g;

/**
 * Encodes one message as event-stream text: `event:`, `id:`, `retry:`, then the `data:` lines,
 * then the blank line that dispatches it. Comments come first. LF line endings throughout.
 *
 * @param message The fields to send.
 * @returns The block's text, ending with `"\n\n"` (or `""` for an empty message).
 * @throws {RangeError} If `retry` is not an integer >= 0.
 *
 * @example
 * ```ts
 * import { encodeSSE } from "./encode.ts";
 * encodeSSE({ event: "status", id: 7, data: '{"a":1}\n{"b":2}' });
 * // "event: status\nid: 7\ndata: {\"a\":1}\ndata: {\"b\":2}\n\n"
 * ```
 */
export function encodeSSE(message: SSEFields): string {
  let out = "";
  if (message.comment !== undefined) {
    for (const line of message.comment.split(LINE_BREAK)) out += `: ${line}\n`;
  }
  if (message.event !== undefined) out += `event: ${message.event.replace(FIELD_BREAKS, "")}\n`;
  if (message.id !== undefined) out += `id: ${String(message.id).replace(ID_BREAKS, "")}\n`;
  if (message.retry !== undefined) {
    const retry = message.retry;
    if (!Number.isSafeInteger(retry) || retry < 0) {
      throw new RangeError(`encodeSSE: retry must be an integer >= 0, got ${retry}`);
    }
    out += `retry: ${retry}\n`;
  }
  if (message.data !== undefined) {
    for (const line of message.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  }
  return out === "" ? "" : out + "\n";
}
