import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { expectedFailures, range } from "./support/hono_fixture.ts";
import { openSSE } from "./support/hono_sse_client.ts";
import { currentRuntime } from "./support/hono_servers.ts";
import { startWorkerd } from "./support/sandboxes.ts";

// Cloudflare's workerd, through Miniflare, with the worker bundled by esbuild. Node only: the
// other runtimes run the same routes on their own servers (hono_runtime_test.ts), and starting
// workerd from each of them would only repeat this test more slowly.
const runtime = currentRuntime();
const skip = runtime !== "node"
  ? `workerd runs under the Node test run (this is ${runtime})`
  : false;

interface Worker {
  url: URL;
  dispose(): Promise<void>;
}

async function startWorker(): Promise<Worker> {
  return await startWorkerd("tests/support/hono_worker_entry.ts", "2025-01-01");
}

describe("antflowRoutes on Cloudflare workerd (Miniflare)", { skip }, () => {
  let worker: Worker;
  before(async () => {
    worker = await startWorker();
  });
  after(async () => {
    await worker?.dispose();
  });

  it("streams every event of a 500-item run with retries and failures, in order, ids 1..N without gaps", async () => {
    const client = await openSSE(new URL("/antflow/events", worker.url));
    try {
      await client.waitFor(() => client.messages().length > 0, "the snapshot");
      assert.equal(client.messages()[0].type, "snapshot");
      const started = await fetch(new URL("/run?n=500", worker.url), { method: "POST" });
      assert.deepEqual(await started.json(), { started: 500 });
      const done = await (await fetch(new URL("/done", worker.url))).json();
      assert.equal(done.stats.failed, expectedFailures(500));
      assert.equal(done.stats.completed, 500 - expectedFailures(500));
      await client.waitFor(() => client.events().length >= done.events, `${done.events} events`);
      const record = await (await fetch(new URL("/record", worker.url))).json();
      const events = client.events();
      assert.equal(record.length, done.events);
      assert.deepEqual(events.map((m) => Number(m.id)), range(record.length).map((i) => i + 1));
      assert.deepEqual(events.map((m) => ({ type: m.type, data: m.data })), record);
      assert.ok(
        events.some((m) => m.type === "taskretry") && events.some((m) => m.type === "taskfail"),
      );
    } finally {
      await client.close();
    }
  });

  it("resumes from Last-Event-ID with exactly the missed events, and serves the JSON routes", async () => {
    const snapshot = await (await fetch(new URL("/antflow/snapshot", worker.url))).json();
    const last = snapshot.lastEventId;
    assert.ok(last > 100);
    const client = await openSSE(new URL("/antflow/events", worker.url), {
      headers: { "Last-Event-ID": String(last - 100) },
    });
    try {
      await client.waitFor(() => client.events().length >= 100, "100 replayed events");
      assert.equal(client.messages()[0].type, "snapshot");
      assert.deepEqual(
        client.events().map((m) => Number(m.id)),
        range(100).map((i) => last - 99 + i),
      );
    } finally {
      await client.close();
    }
    const item = await fetch(new URL("/antflow/items/13", worker.url));
    assert.equal((await item.json()).at(-1).status, "failed");
    const bad = await fetch(new URL("/antflow/events?types=nope", worker.url));
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /types/);
    const page = await fetch(new URL("/antflow", worker.url));
    assert.match(await page.text(), /<title>AntFlow dashboard<\/title>/);
  });
});
