import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage, StatusTracker } from "../mod.ts";
import { antflowRoutes } from "../src/hono/mod.ts";
import { SSEParser } from "../src/sse/parse.ts";

/**
 * A million events on Deno (~3 s here); on Node and Bun, where parsing them in the same process
 * as the run takes 4–11 s, a tenth of that, through the same code.
 */
const MILLION = "Deno" in globalThis;
/** One stage, one task: 5 events per item (queued, in_progress, taskstart, taskcomplete, completed). */
const ITEMS = MILLION ? 200_000 : 20_000;
const EVENTS = ITEMS * 5 + 2; // and runstart, runend
const NAME = MILLION
  ? "a client reading a 1 000 000-event run sees every id exactly once, in order"
  : "a client reading a 100 000-event run sees every id exactly once, in order (1 000 000 on " +
    "Deno; reading them in one process takes 4-11 s on Node and Bun)";

describe("GET /events at full speed", () => {
  it(NAME, async () => {
    const tracker = new StatusTracker({ maxItems: 1000 });
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 8, tasks: [async (x: number) => x + 1] })],
      statusTracker: tracker,
    });
    // Generous but bounded: the reader parses every message in this same process.
    const app = antflowRoutes({ tracker, pipeline, maxBufferedEvents: 200_000 });
    const reader = (await app.request("/events")).body!.getReader();
    let next = 1;
    let outOfOrder = 0;
    let runEnded = false;
    let chunks = 0;
    const parser = new SSEParser((message) => {
      if (message.event === "snapshot") return;
      if (Number(message.lastEventId) !== next) outOfOrder++;
      next = Number(message.lastEventId) + 1;
      if (message.event === "runend") runEnded = true;
    });
    const reading = (async () => {
      while (!runEnded) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`the stream ended after id ${next - 1}`);
        chunks++;
        parser.push(value);
      }
    })();
    let results = 0;
    for await (const _ of pipeline.stream(Array.from({ length: ITEMS }, (_, i) => i))) results++;
    await reading;
    await reader.cancel();
    assert.equal(results, ITEMS);
    assert.equal(outOfOrder, 0, "every id follows the one before it");
    assert.equal(next - 1, EVENTS, "and the last is the run's last event");
    assert.ok(chunks < EVENTS / 100, `${chunks} chunks: messages are written in batches`);
  });
});
