import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type SSEMessage, SSEParser } from "../src/client/mod.ts";
// The encoder under test: the server's (what antflowRoutes sends).
import { encodeSSE as encode } from "../src/sse/encode.ts";

interface Generated {
  event?: string;
  data?: string;
  id?: string;
  retry?: number;
  /** A comment block written before the message (not through the encoder). */
  comment?: string;
}

const piece = fc.oneof(
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom("\r", "\n", "\r\n", "\n\r", " ", ":", ": ", "\uFEFF", "\0", "data: x", "é€😀"),
);
const text = fc.array(piece, { maxLength: 5 }).map((pieces) => pieces.join(""));

// Ids never hold NUL here: encoders may strip it or not (the parser's NUL rule has unit tests).
const id = text.map((value) => value.replaceAll("\0", ""));

const message: fc.Arbitrary<Generated> = fc.record({
  event: text,
  data: text,
  id,
  retry: fc.nat({ max: 100_000 }),
  comment: text,
}, { requiredKeys: [] });

const BREAKS = /\r\n|\r|\n/;

/** What an `EventSource` would see for these messages, given the wire format's encoding rules. */
function expected(messages: Generated[]): { events: SSEMessage[]; retries: number[] } {
  const events: SSEMessage[] = [];
  const retries: number[] = [];
  let lastEventId = "";
  for (const m of messages) {
    if (m.retry !== undefined) retries.push(m.retry);
    if (m.id !== undefined) lastEventId = m.id.replace(/[\r\n]/g, "");
    if (m.data === undefined) continue;
    const event = m.event?.replace(/[\r\n]/g, "") || "message";
    events.push({ event, data: m.data.split(BREAKS).join("\n"), lastEventId });
  }
  return { events, retries };
}

function serialise(messages: Generated[], eol: string, bom: boolean): Uint8Array {
  let out = bom ? "\uFEFF" : "";
  for (const { comment, ...fields } of messages) {
    if (comment !== undefined) {
      for (const line of comment.split(BREAKS)) out += `:${line}\n`;
    }
    out += encode(fields);
  }
  // Every LF in the encoded text is a line ending (data never holds a raw CR or LF), so the
  // whole stream can be rewritten to CR or CRLF endings.
  return new TextEncoder().encode(eol === "\n" ? out : out.replaceAll("\n", eol));
}

function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const at of sorted) {
    chunks.push(bytes.subarray(from, at));
    from = at;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function run(chunks: Uint8Array[]): { events: SSEMessage[]; retries: number[] } {
  const events: SSEMessage[] = [];
  const retries: number[] = [];
  const parser = new SSEParser((m) => events.push(m), { onRetry: (ms) => retries.push(ms) });
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { events, retries };
}

describe("SSEParser round trip (property)", () => {
  it("gets back every encoded event exactly, whatever the chunking, line endings and BOM", () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 12 }),
        fc.constantFrom("\n", "\r", "\r\n"),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, eol, bom, points) => {
          const chunks = cut(serialise(messages, eol, bom), points);
          assert.deepEqual(run(chunks), expected(messages));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("one byte at a time gives the same events as one chunk", () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 6 }), (messages) => {
        const bytes = serialise(messages, "\r\n", true);
        const single = run([bytes]);
        const bytewise = run([...bytes].map((b) => new Uint8Array([b])));
        assert.deepEqual(bytewise, single);
        assert.deepEqual(single, expected(messages));
      }),
      { numRuns: 100 },
    );
  });

  it("a stream cut short never yields the unterminated last event", () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (messages, drop) => {
          const full = serialise(messages, "\n", false);
          const { comment: _, ...fields } = messages.at(-1)!;
          const last = new TextEncoder().encode(encode(fields)).length;
          // An empty last message puts no bytes on the wire: cutting would cut the one before.
          fc.pre(last > 0);
          // Keep everything up to somewhere inside the last block, minus its final blank line.
          const keep = full.length - 1 - (drop % Math.max(1, last));
          const truncated = expected(messages.slice(0, -1)).events;
          const got = run([full.subarray(0, keep)]).events;
          assert.deepEqual(got, truncated);
        },
      ),
      { numRuns: 200 },
    );
  });
});
