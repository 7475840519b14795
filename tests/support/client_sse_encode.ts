/**
 * A small reference SSE encoder for the client's tests (the server's `src/sse/encode.ts` replaces
 * it after the merge). It follows the wire format: `data` is split on CR, LF and CRLF into several
 * `data:` lines, CR and LF are stripped from `event` and `id`, every block ends with a blank line.
 */

/** One block to encode. */
export interface EncodableMessage {
  /** The `event:` field (omitted when undefined). */
  event?: string;
  /** The `data:` field(s) (omitted when undefined; `""` gives one empty `data:` line). */
  data?: string;
  /** The `id:` field (omitted when undefined). */
  id?: string;
  /** The `retry:` field (omitted when undefined). */
  retry?: number;
  /** A comment line (`: text`) before the fields. */
  comment?: string;
}

/** The signature the property test expects of an encoder. */
export type Encoder = (message: EncodableMessage, eol?: string) => string;

const BREAKS = /\r\n|\r|\n/;

/** Encodes one block; `eol` is the line ending to use (LF by default, as the server does). */
export function encodeSSE(message: EncodableMessage, eol = "\n"): string {
  let out = "";
  if (message.comment !== undefined) {
    for (const line of message.comment.split(BREAKS)) out += `:${line}${eol}`;
  }
  if (message.retry !== undefined) out += `retry: ${Math.trunc(message.retry)}${eol}`;
  if (message.id !== undefined) out += `id: ${stripBreaks(message.id)}${eol}`;
  if (message.event !== undefined) out += `event: ${stripBreaks(message.event)}${eol}`;
  if (message.data !== undefined) {
    for (const line of message.data.split(BREAKS)) out += `data: ${line}${eol}`;
  }
  return out + eol;
}

function stripBreaks(value: string): string {
  return value.replace(/[\r\n]/g, "");
}
