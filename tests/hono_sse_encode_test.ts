import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeSSE } from "../src/sse/encode.ts";
import { type ParsedItem, SSETestParser } from "./support/hono_sse_parser.ts";

function parse(text: string, chunkSize = Infinity): ParsedItem[] {
  const bytes = new TextEncoder().encode(text);
  const parser = new SSETestParser();
  const out: ParsedItem[] = [];
  for (let i = 0; i < bytes.length; i += Math.min(chunkSize, bytes.length)) {
    out.push(...parser.push(bytes.subarray(i, i + chunkSize)));
  }
  return out;
}

/** Strings rich in line breaks, colons, spaces, NULs and multi-byte characters. */
function tricky(): fc.Arbitrary<string> {
  const piece = fc.oneof(
    fc.constantFrom("\r", "\n", "\r\n", "\n\r", ":", " ", "\0", "\uFEFF", "data: x"),
    fc.string({ unit: "grapheme" }),
  );
  return fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(""));
}

describe("encodeSSE()", () => {
  it("writes event, id, then one data: line per line, and a blank line", () => {
    assert.equal(
      encodeSSE({ event: "status", id: 7, data: '{"a":1}' }),
      'event: status\nid: 7\ndata: {"a":1}\n\n',
    );
  });

  it("splits data on LF, CR and CRLF into several data: lines", () => {
    assert.equal(encodeSSE({ data: "a\nb\rc\r\nd" }), "data: a\ndata: b\ndata: c\ndata: d\n\n");
    assert.equal(encodeSSE({ data: "" }), "data: \n\n");
    assert.equal(encodeSSE({ data: "end\n" }), "data: end\ndata: \n\n");
  });

  it("strips CR and LF from event and id, and NUL from id", () => {
    assert.equal(encodeSSE({ event: "a\r\nb\nc", id: "1\n2\r3\x004" }), "event: abc\nid: 1234\n\n");
  });

  it("writes retry: and comments, and rejects a retry that is not an integer >= 0", () => {
    assert.equal(encodeSSE({ retry: 3000 }), "retry: 3000\n\n");
    assert.equal(encodeSSE({ comment: "ping" }), ": ping\n\n");
    assert.equal(encodeSSE({ comment: "a\nb" }), ": a\n: b\n\n");
    assert.equal(encodeSSE({}), "");
    for (const bad of [-1, 1.5, NaN, Infinity]) {
      assert.throws(() => encodeSSE({ retry: bad }), RangeError);
    }
  });

  it("round-trips any event, id and data through a spec parser, in any chunking", () => {
    fc.assert(
      fc.property(
        tricky(),
        tricky(),
        tricky(),
        fc.integer({ min: 1, max: 7 }),
        (event, id, data, chunk) => {
          const text = encodeSSE({ event, id, data }) + encodeSSE({ comment: "x" });
          const items = parse(text, chunk);
          const message = items.find((i) => i.kind === "message");
          assert.ok(message && message.kind === "message");
          const expectedType = event.replace(/[\r\n]/g, "");
          assert.equal(message.message.type, expectedType === "" ? "message" : expectedType);
          assert.equal(message.message.id, id.replace(/[\r\n\0]/g, ""));
          assert.equal(message.message.data, data.replace(/\r\n|\r/g, "\n"));
          assert.deepEqual(items.at(-1), { kind: "comment", text: "x" });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the tests' SSE parser", () => {
  it("follows the spec: BOM, CR/LF/CRLF, comments, no-space values, unknown fields, empty data", () => {
    const text = "\uFEFFdata:a\r\ndata: b\rid: 5\n: note\nfoo: bar\n\nevent: x\n\ndata\n\n";
    const items = parse(text, 1);
    assert.deepEqual(items, [
      { kind: "comment", text: "note" },
      { kind: "message", message: { type: "message", data: "a\nb", lastEventId: "5", id: "5" } },
      // "event: x" with no data dispatches nothing; a bare "data" line is an empty data line.
      { kind: "message", message: { type: "message", data: "", lastEventId: "5", id: undefined } },
    ]);
  });

  it("decodes UTF-8 split across chunks", () => {
    const items = parse("data: héllo ✓ 𝄞\n\n", 1);
    assert.equal(items[0].kind === "message" && items[0].message.data, "héllo ✓ 𝄞");
  });
});
