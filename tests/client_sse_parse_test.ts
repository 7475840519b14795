import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type SSEMessage, SSEParser, SSEParserStream } from "../src/client/mod.ts";

const utf8 = new TextEncoder();

function parse(
  chunks: (string | Uint8Array)[],
  options: { lastEventId?: string } = {},
): { messages: SSEMessage[]; retries: number[]; lastEventId: string } {
  const messages: SSEMessage[] = [];
  const retries: number[] = [];
  const parser = new SSEParser((m) => messages.push(m), {
    ...options,
    onRetry: (ms) => retries.push(ms),
  });
  for (const chunk of chunks) parser.push(typeof chunk === "string" ? utf8.encode(chunk) : chunk);
  parser.end();
  return { messages, retries, lastEventId: parser.lastEventId };
}

function datas(chunks: (string | Uint8Array)[]): string[] {
  return parse(chunks).messages.map((m) => m.data);
}

describe("SSEParser: fields and dispatch", () => {
  it("dispatches a block on a blank line, with type message by default", () => {
    assert.deepEqual(parse(["data: hello\n\n"]).messages, [
      { event: "message", data: "hello", lastEventId: "" },
    ]);
  });

  it("uses the event field as the type, and resets it after each dispatch", () => {
    const { messages } = parse(["event: greet\ndata: a\n\ndata: b\n\n"]);
    assert.deepEqual(messages.map((m) => m.event), ["greet", "message"]);
  });

  it("an empty event field means message", () => {
    assert.equal(parse(["event:\ndata: x\n\n"]).messages[0].event, "message");
  });

  it("joins multi-line data with LF and removes only the trailing LF", () => {
    assert.deepEqual(datas(["data: a\ndata: b\n\n"]), ["a\nb"]);
    assert.deepEqual(datas(["data: a\ndata:\n\n"]), ["a\n"]);
    assert.deepEqual(datas(["data:\ndata:\n\n"]), ["\n"]);
  });

  it("dispatches no event when the data buffer is empty", () => {
    assert.deepEqual(parse(["event: x\n\n", "id: 3\n\n", "\n\n\n"]).messages, []);
  });

  it("an empty data field still dispatches an event with empty data", () => {
    assert.deepEqual(datas(["data:\n\n"]), [""]);
    assert.deepEqual(datas(["data\n\n"]), [""]);
  });

  it("a field line without a colon is the field name with an empty value", () => {
    const { messages } = parse(["data\nevent\ndata\n\n"]);
    assert.deepEqual(messages, [{ event: "message", data: "\n", lastEventId: "" }]);
  });

  it("strips exactly one leading space after the colon", () => {
    assert.deepEqual(datas(["data:  two\n\n", "data:none\n\n", "data: a: b\n\n"]), [
      " two",
      "none",
      "a: b",
    ]);
  });

  it("ignores comments, unknown fields and wrongly cased field names", () => {
    const text = ": comment\n:\nfoo: bar\nData: no\nDATA: no\ndata: yes\n: after\n\n";
    assert.deepEqual(datas([text]), ["yes"]);
  });

  it("keeps NUL and other control characters in data", () => {
    assert.deepEqual(datas(["data: a\0b\x01\n\n"]), ["a\0b\x01"]);
  });
});

describe("SSEParser: line endings", () => {
  it("accepts LF, CR and CRLF, mixed", () => {
    assert.deepEqual(datas(["data: a\r\rdata: b\r\n\r\ndata: c\n\ndata: d\r\ndata: e\r\r"]), [
      "a",
      "b",
      "c",
      "d\ne",
    ]);
  });

  it("treats a CR at the end of a chunk and an LF at the start of the next as one line ending", () => {
    assert.deepEqual(datas(["data: a\r", "\ndata: b\r", "\n\r", "\n"]), ["a\nb"]);
  });

  it("a lone CR at the end of a chunk followed by another line still ends the line", () => {
    assert.deepEqual(datas(["data: a\r", "data: b\r", "\r"]), ["a\nb"]);
  });

  it("keeps waiting for the LF across an empty chunk", () => {
    assert.deepEqual(datas(["data: a\r", "", "\n", "\n"]), ["a"]);
  });

  it("a line split across many chunks is reassembled", () => {
    assert.deepEqual(datas(["da", "ta", ": he", "llo", "\n", "\n"]), ["hello"]);
  });
});

describe("SSEParser: bytes and UTF-8", () => {
  it("strips one leading BOM, even when its bytes are split across chunks", () => {
    const bytes = utf8.encode("\uFEFFdata: a\n\n");
    assert.deepEqual(datas([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]), ["a"]);
  });

  it("strips only the first BOM (a second one is part of the field name)", () => {
    assert.deepEqual(datas(["\uFEFF\uFEFFdata: a\n\ndata: b\n\n"]), ["b"]);
  });

  it("does not strip a BOM that is not at the start of the stream", () => {
    assert.deepEqual(datas(["data: \uFEFFa\n\n"]), ["\uFEFFa"]);
  });

  it("does not strip a BOM that starts a later chunk", () => {
    assert.deepEqual(datas(["data: ", "\uFEFFa\n\n"]), ["\uFEFFa"]);
    const bytes = utf8.encode("data: \uFEFFb\n\n");
    assert.deepEqual(datas([bytes.subarray(0, 7), bytes.subarray(7)]), ["\uFEFFb"]);
  });

  it("decodes multi-byte characters cut at every byte position", () => {
    const text = "data: é€😀 ok\n\n";
    const bytes = utf8.encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const got = datas([bytes.subarray(0, cut), bytes.subarray(cut)]);
      assert.deepEqual(got, ["é€😀 ok"], `cut at ${cut}`);
    }
  });

  it("replaces invalid UTF-8 with U+FFFD", () => {
    assert.deepEqual(datas([new Uint8Array([100, 97, 116, 97, 58, 0xff, 10, 10])]), ["\uFFFD"]);
  });
});

describe("SSEParser: id and retry", () => {
  it("the last event ID persists across events until changed", () => {
    const { messages, lastEventId } = parse([
      "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid\ndata: d\n\n",
    ]);
    assert.deepEqual(messages.map((m) => m.lastEventId), ["1", "1", "2", ""]);
    assert.equal(lastEventId, "");
  });

  it("ignores an id that contains NUL", () => {
    const { messages } = parse(["id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n"]);
    assert.deepEqual(messages.map((m) => m.lastEventId), ["1", "1"]);
  });

  it("a block with an id and no data sets the last event ID without an event", () => {
    const { messages, lastEventId } = parse(["id: 7\n\n"]);
    assert.deepEqual(messages, []);
    assert.equal(lastEventId, "7");
  });

  it("an id in a block that is never terminated does not become the last event ID", () => {
    assert.equal(parse(["id: 1\ndata: a\n\nid: 2\ndata: b\n"]).lastEventId, "1");
  });

  it("starts from the lastEventId option", () => {
    const { messages } = parse(["data: a\n\n"], { lastEventId: "41" });
    assert.equal(messages[0].lastEventId, "41");
  });

  it("reports retry only when the value is all ASCII digits", () => {
    const { retries } = parse([
      "retry: 1500\nretry: 0\nretry:\nretry: 10a\nretry: -1\nretry: 1.5\nretry:  20\nretry: ٣\n\n",
    ]);
    assert.deepEqual(retries, [1500, 0]);
  });
});

describe("SSEParser: end of stream", () => {
  it("discards an event without the trailing blank line", () => {
    assert.deepEqual(datas(["data: a\n\ndata: b\n"]), ["a"]);
    assert.deepEqual(datas(["data: a\n\ndata: b"]), ["a"]);
  });

  it("end() is idempotent and push() after it throws a TypeError", () => {
    const parser = new SSEParser(() => {});
    parser.end();
    parser.end();
    assert.throws(() => parser.push(new Uint8Array([10])), TypeError);
  });
});

describe("SSEParserStream", () => {
  it("transforms a byte stream into messages", async () => {
    const body = new Response("retry: 5\nid: 9\nevent: x\ndata: one\n\ndata: two\n\ndata: cut")
      .body!;
    const stream = new SSEParserStream();
    const out: SSEMessage[] = [];
    for await (const message of body.pipeThrough(stream)) out.push(message);
    assert.deepEqual(out, [
      { event: "x", data: "one", lastEventId: "9" },
      { event: "message", data: "two", lastEventId: "9" },
    ]);
    assert.equal(stream.lastEventId, "9");
  });

  it("passes retry values to onRetry", async () => {
    const retries: number[] = [];
    const body = new Response("retry: 250\n\n").body!;
    const reader = body.pipeThrough(new SSEParserStream({ onRetry: (ms) => retries.push(ms) }))
      .getReader();
    assert.equal((await reader.read()).done, true);
    assert.deepEqual(retries, [250]);
  });
});
