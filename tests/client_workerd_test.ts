import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { StatusTracker } from "../mod.ts";
import { startWorkerd } from "./support/sandboxes.ts";
import { makePipeline, until } from "./support/client_fixtures.ts";
import { runtime, serve } from "./support/client_http.ts";
import { SSEHub } from "./support/client_sse_server.ts";

const skipReason = runtime !== "node" ? "the workerd test runs under Node only (miniflare)" : "";
const test = skipReason === "" ? it : it.skip;
const skipped = skipReason === "" ? "" : ` (skipped: ${skipReason})`;

interface Watched {
  types: string[];
  ids: number[];
  stats: Record<string, number>;
  statusEvents: number;
}

async function startWorker() {
  return (await startWorkerd("tests/support/client_worker_entry.ts")).mf;
}

describe("the client inside workerd (miniflare)", () => {
  test(`subscribe() and RemoteTracker follow a live run across a dropped connection${skipped}`, async () => {
    const tracker = new StatusTracker();
    const pipeline = makePipeline(tracker, 4);
    const hub = new SSEHub({ tracker, pipeline, retryMs: 5 });
    const server = await serve((request) => hub.handle(request));
    const mf = await startWorker();
    try {
      const target = `${server.origin}/antflow/events`;
      const pending = mf.dispatchFetch(`http://worker.test/?url=${encodeURIComponent(target)}`);
      await until(() => hub.connections === 2, 10_000, "the worker's two connections");
      const run = pipeline.run(Array.from({ length: 30 }, (_, i) => i));
      await until(() => hub.events.length > 20, 10_000, "the run to be under way");
      assert.equal(hub.dropAll(), 2);
      await run;
      await until(
        () => hub.resumedFrom.length === 4 && hub.connections === 2,
        10_000,
        "both reconnections",
      );
      // End both subscriptions the way a server would: close the streams (every event sent so far
      // is still delivered), then answer the reconnections with 204.
      hub.override = () => new Response(null, { status: 204 });
      hub.dropAll();
      const response = await pending;
      assert.equal(response.status, 200, await response.clone().text());
      const watched = await response.json() as Watched;
      assert.deepEqual(watched.ids, hub.events.map((e) => e.id));
      assert.equal(watched.types.filter((t) => t === "snapshot").length, 2);
      assert.deepEqual(watched.stats, tracker.getStats());
      assert.equal(watched.statusEvents, hub.events.filter((e) => e.type === "status").length);
    } finally {
      await mf.dispose();
      hub.close();
      await server.close();
    }
  });

  test(`subscribe() parses a stream built in the worker through an injected fetch${skipped}`, async () => {
    const mf = await startWorker();
    try {
      const response = await mf.dispatchFetch("http://worker.test/in-worker");
      const { messages, headers } = await response.json() as {
        messages: { type: string; raw?: string; id?: string; event?: { itemId: string } }[];
        headers: string[];
      };
      assert.deepEqual(messages.map((m) => m.type), ["snapshot", "error", "status"]);
      assert.equal(messages[1].raw, "{broken");
      assert.equal(messages[2].id, "2");
      assert.equal(messages[2].event?.itemId, "é");
      assert.deepEqual(headers, ["", "2"], "the reconnection resumed from id 2");
    } finally {
      await mf.dispose();
    }
  });
});
