import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Hono } from "hono";
import { StatusTracker } from "../../mod.ts";
import { antflowRoutes } from "../../src/hono/mod.ts";
import { encodeSSE } from "../../src/sse/encode.ts";
import { type ClientMessage, type SSEMessage, SSEParser, subscribe } from "../../src/client/mod.ts";
import { cutAt, hostileString, trackerEvent } from "./support/reliability_sse_arbitraries.ts";

const RUNS = 300;
const ENCODER = new TextEncoder();

/** What a string becomes after a UTF-8 round trip. */
function utf8(text: string): string {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(ENCODER.encode(text));
}

function parseChunks(chunks: Uint8Array[]): SSEMessage[] {
  const messages: SSEMessage[] = [];
  const parser = new SSEParser((message) => messages.push(message));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return messages;
}

describe("SSE payloads survive any string (property)", () => {
  it(`status and task events with hostile item ids, stage names, workers and error texts come back unchanged from encode → random UTF-8 chunks → SSEParser (${RUNS} runs)`, () => {
    let lines = 0;
    fc.assert(
      fc.property(
        fc.array(trackerEvent, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 24 }),
        (events, points) => {
          // Exactly what the hub does for each tracker event (ids 1, 2, …).
          const text = events.map(({ type, event }, i) =>
            encodeSSE({ event: type, id: i + 1, data: JSON.stringify(event) })
          ).join("");
          lines += text.split("\n").length;
          const messages = parseChunks(cutAt(ENCODER.encode(text), points));
          assert.equal(messages.length, events.length, "one message per event");
          for (const [i, { type, event }] of events.entries()) {
            assert.equal(messages[i].event, type);
            assert.equal(messages[i].lastEventId, String(i + 1));
            assert.deepEqual(JSON.parse(messages[i].data), JSON.parse(JSON.stringify(event)));
          }
        },
      ),
      { numRuns: RUNS },
    );
    // Every JSON text is one line: 3 lines per message plus the blank one.
    assert.ok(lines > RUNS * 4, "the encoder wrote whole messages");
  });

  it(`event: and id: values with CR, LF and NUL are stripped, and still parse to exactly one message each (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ event: hostileString, id: hostileString, data: hostileString }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.array(fc.nat(), { maxLength: 16 }),
        (fields, points) => {
          const text = fields.map((f) => encodeSSE(f)).join("");
          const messages = parseChunks(cutAt(ENCODER.encode(text), points));
          assert.equal(messages.length, fields.length, "one message per encoded block");
          for (const [i, f] of fields.entries()) {
            // The encoder changes nothing else; UTF-8 itself turns a lone surrogate into U+FFFD.
            assert.equal(messages[i].event, utf8(f.event.replace(/[\r\n]/g, "")) || "message");
            assert.equal(messages[i].lastEventId, utf8(f.id.replace(/[\r\n\0]/g, "")));
            // Data lines are split on CR, LF and CRLF and joined with LF by the parser.
            assert.equal(messages[i].data, utf8(f.data.split(/\r\n|\r|\n/).join("\n")));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("SSE payloads survive any string, end to end (property)", () => {
  it(`events dispatched into a tracker reach subscribe() through antflowRoutes (exposeValues) unchanged (200 runs)`, async () => {
    const tracker = new StatusTracker();
    const app = new Hono();
    app.route("/antflow", antflowRoutes({ tracker, exposeValues: true, replay: 10 }));
    const controller = new AbortController();
    const stream = subscribe("http://antflow.test/antflow/events", {
      fetch: async (input, init) => await app.fetch(new Request(input, init)),
      signal: controller.signal,
      maxRetries: 0,
    });
    const reader = stream.getReader();
    const next = async (): Promise<ClientMessage> => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) throw new Error("the stream ended");
        if (value.type !== "snapshot") return value;
      }
    };
    let id = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(trackerEvent, { minLength: 1, maxLength: 4 }),
          async (events) => {
            for (const { type, event } of events) {
              tracker.dispatchEvent(new CustomEvent(type, { detail: event }));
            }
            for (const { type, event } of events) {
              const message = await next();
              id++;
              if (message.type === "error") {
                assert.fail(`the client rejected a ${type} event: ${message.error.message}`);
              }
              assert.equal(message.type, type);
              assert.equal("id" in message && message.id, String(id));
              const sent = "event" in message ? message.event : undefined;
              assert.deepEqual(sent, JSON.parse(JSON.stringify(event)));
            }
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      controller.abort();
      await reader.cancel().catch(() => {});
    }
    assert.ok(id >= 200, `${id} events went through`);
  });
});
