import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { StatusEvent, StatusTracker } from "../mod.ts";
import { antflowRoutes } from "../src/hono/mod.ts";
import { tapCount } from "../src/tracker/status_tracker.ts";
import { EVENT_TYPES, expectedFailures, makeFixture, range } from "./support/hono_fixture.ts";
import { openSSE, type SSEClient } from "./support/hono_sse_client.ts";
import { currentRuntime, type RunningServer, startServer } from "./support/hono_servers.ts";
import type { ParsedMessage } from "./support/hono_sse_parser.ts";
import { openSilentClient } from "./support/hono_raw_client.ts";

const runtime = currentRuntime();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serveApp(app: Hono): Promise<RunningServer> {
  const server = await startServer(app.fetch);
  cleanups.push(() => server.close());
  return server;
}

async function connect(url: string, headers?: Record<string, string>): Promise<SSEClient> {
  const client = await openSSE(url, { headers });
  cleanups.push(() => client.close());
  return client;
}

function hasSnapshot(client: SSEClient): () => boolean {
  return () => client.messages().some((m) => m.type === "snapshot");
}

function ids(events: ParsedMessage[]): number[] {
  return events.map((m) => Number(m.id));
}

describe(`antflowRoutes on a real ${runtime} server`, () => {
  it("streams every event of a 500-item run with retries and failures to two clients, in order, ids 1..N without gaps", async () => {
    const fixture = makeFixture();
    const app = new Hono();
    app.route("/antflow", antflowRoutes({ tracker: fixture.tracker, pipeline: fixture.pipeline }));
    const server = await serveApp(app);
    const clients = [
      await connect(`${server.url}/antflow/events`),
      await connect(`${server.url}/antflow/events`),
    ];
    for (const client of clients) await client.waitFor(hasSnapshot(client), "the first snapshot");

    const results = await fixture.pipeline.run(range(500));
    const record = fixture.record;
    assert.equal(results.length, 500 - expectedFailures(500));
    assert.ok(record.some((r) => r.type === "taskretry"), "the run has per_task retries");
    assert.ok(record.some((r) => r.type === "taskfail"), "the run has failures");
    assert.ok(record.filter((r) => r.type === "status").length > 2000);

    for (const client of clients) {
      await client.waitFor(() => client.events().length >= record.length, "every event");
      const events = client.events();
      assert.deepEqual(ids(events), range(record.length).map((i) => i + 1));
      assert.deepEqual(
        events.map((m) => ({ type: m.type, data: m.data })),
        record,
        "same events, same order, same JSON as the tracker dispatched",
      );
      const first = client.items.slice(0, 2);
      assert.deepEqual(first[0], { kind: "retry", ms: 3000 }, "retry: comes with the snapshot");
      assert.equal(first[1].kind === "message" && first[1].message.type, "snapshot");
      assert.equal(client.response.headers.get("content-type"), "text/event-stream");
    }
  });

  it("a client that reconnects with Last-Event-ID mid-run gets exactly the events it missed", async () => {
    let release!: () => void;
    const gate = { item: 450, open: new Promise<void>((resolve) => (release = resolve)) };
    const fixture = makeFixture({ gate });
    const app = new Hono();
    // A ring that holds the whole run: how far the run gets while the client is away is up to
    // the scheduler. (The ring's bound and `reset` are tested in-process.)
    const routes = antflowRoutes({
      tracker: fixture.tracker,
      pipeline: fixture.pipeline,
      replay: 50_000,
    });
    app.route("/antflow", routes);
    const server = await serveApp(app);
    const reference = await connect(`${server.url}/antflow/events`);
    const first = await connect(`${server.url}/antflow/events`);
    await reference.waitFor(hasSnapshot(reference), "the reference client's snapshot");
    await first.waitFor(hasSnapshot(first), "the first connection's snapshot");
    const run = fixture.pipeline.run(range(500));
    cleanups.push(() => {
      release();
      return run.then(() => {});
    });

    await first.waitFor(() => first.events().length >= 300, "300 events");
    await first.close();
    const seen = first.events();
    const lastId = Number(seen.at(-1)!.id);
    // Let the run move on without this client (the gate keeps it from finishing).
    await reference.waitFor(() => reference.events().length >= lastId + 400, "400 more events");
    assert.ok(fixture.pipeline.getStats().itemsInFlight > 0, "the run is still going");

    const second = await connect(`${server.url}/antflow/events`, {
      "Last-Event-ID": String(lastId),
    });
    const viaQuery = await connect(`${server.url}/antflow/events?lastEventId=${lastId}`);
    release();
    await run;
    const all = fixture.record.length;
    await reference.waitFor(() => reference.events().length >= all, "every event (reference)");
    for (const client of [second, viaQuery]) {
      await client.waitFor(() => lastId + client.events().length >= all, "the rest");
    }
    assert.equal(second.messages()[0].type, "snapshot", "a resumed stream starts with a snapshot");
    assert.ok(!second.messages().some((m) => m.type === "reset"));
    const expected = reference.events();
    assert.equal(expected.length, all);
    const joined = [...seen, ...second.events()];
    assert.deepEqual(ids(joined), range(all).map((i) => i + 1), "no gap, no duplicate");
    assert.deepEqual(joined.map((m) => m.data), expected.map((m) => m.data));
    assert.deepEqual(viaQuery.events().map((m) => m.data), second.events().map((m) => m.data));
  });

  it("200 connect/disconnect cycles leave no client slot, listener or timer behind", async () => {
    const tracker = new StatusTracker();
    const { pipeline } = makeFixture({ delays: false });
    const app = new Hono();
    app.route(
      "/antflow",
      antflowRoutes({
        tracker,
        pipeline,
        maxClients: 1,
        heartbeatMs: 50,
        snapshotMs: 50,
        retryMs: 10,
      }),
    );
    const server = await serveApp(app);
    const timersBefore = activeTimers();
    for (let cycle = 0; cycle < 200; cycle++) {
      // maxClients is 1: each connection is accepted only once the previous one was released.
      const client = await connectWhenFree(`${server.url}/antflow/events`);
      await client.waitFor(hasSnapshot(client), `the snapshot of cycle ${cycle}`);
      assert.equal(tapCount(tracker), 1, "one subscription, whatever the number of connections");
      await client.close();
    }
    const last = await connectWhenFree(`${server.url}/antflow/events`);
    await last.close();
    await waitUntil(() => activeTimers() <= timersBefore, "the connections' timers to be cleared");
    // The hub keeps listening for max(1000, 3 × retryMs) ms after the last client, then the next
    // event unsubscribes it: the tracker is back to no subscription and zero listeners.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    tracker.dispatchEvent(
      new CustomEvent("status", {
        detail: new StatusEvent({ itemId: 1, stage: "S", status: "queued" }),
      }),
    );
    assert.equal(tapCount(tracker), 0, "the hub's subscription is gone");
    for (const type of [...EVENT_TYPES, "error"] as const) {
      assert.equal(tracker.listenerCount(type), 0, `listeners left for ${type}`);
    }
  });

  it("cuts off a client that never reads once maxBufferedEvents messages wait, and keeps serving a reader", async () => {
    const tracker = new StatusTracker();
    const app = new Hono();
    app.route("/antflow", antflowRoutes({ tracker, maxBufferedEvents: 20, maxClients: 2 }));
    const server = await serveApp(app);
    const reader = await connect(`${server.url}/antflow/events`);
    await reader.waitFor(hasSnapshot(reader), "the reader's snapshot");
    const silent = await openSilentClient(`${server.url}/antflow/events`);
    cleanups.push(() => silent.destroy());
    const big = "x".repeat(16 * 1024);
    let sent = 0;
    let cut = false;
    // Up to 4000 × 16 KiB = 64 MiB, 5 events per tick (well under the bound, so a client that
    // reads keeps up); the silent client's socket buffers hold a few MiB at most.
    while (!cut && sent < 4000) {
      for (let i = 0; i < 5; i++, sent++) {
        const event = new StatusEvent({
          itemId: sent,
          stage: "S",
          status: "in_progress",
          worker: "S-W0",
          timestamp: Date.now(),
          metadata: { error: big },
        });
        tracker.dispatchEvent(new CustomEvent("status", { detail: event }));
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (sent % 100 === 0) {
        // maxClients is 2: a third stream is accepted once the silent client lost its slot.
        const probe = await fetch(`${server.url}/antflow/events`);
        cut = probe.status === 200;
        await probe.body?.cancel();
      }
    }
    assert.ok(cut, `the silent client still held its slot after ${sent} events`);
    const sentAtCut = sent;
    for (let i = 0; i < 300; i++, sent++) {
      const event = new StatusEvent({
        itemId: sent,
        stage: "S",
        status: "in_progress",
        worker: "S-W0",
        timestamp: Date.now(),
        metadata: { error: big },
      });
      tracker.dispatchEvent(new CustomEvent("status", { detail: event }));
      if (i % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const received = await silent.drain();
    assert.ok(
      received <= sentAtCut * (big.length + 200) + 64 * 1024,
      `it got ${received} bytes, more than the ${sentAtCut} events sent before the cut`,
    );
    await reader.waitFor(() => reader.events().length === sent, "every event at the reader");
    assert.deepEqual(ids(reader.events()), range(sent).map((i) => i + 1));
  });

  it("works behind Hono's bearerAuth: 401 without the token, the stream with it", async () => {
    const tracker = new StatusTracker();
    const app = new Hono();
    app.use("/antflow/*", bearerAuth({ token: "s3cret" }));
    app.route("/antflow", antflowRoutes({ tracker }));
    const server = await serveApp(app);
    const denied = await fetch(`${server.url}/antflow/events`);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    for (const path of ["/antflow/stats", "/antflow", "/antflow/items/1"]) {
      const deniedOther = await fetch(`${server.url}${path}`);
      assert.equal(deniedOther.status, 401, path);
      await deniedOther.body?.cancel();
    }
    const client = await connect(`${server.url}/antflow/events`, {
      Authorization: "Bearer s3cret",
    });
    await client.waitFor(hasSnapshot(client), "the snapshot");
    tracker.dispatchEvent(
      new CustomEvent("status", {
        detail: new StatusEvent({ itemId: "a", stage: "S", status: "queued" }),
      }),
    );
    await client.waitFor(() => client.events().length === 1, "the event");
    assert.equal(JSON.parse(client.events()[0].data).itemId, "a");
  });
});

describe("antflowRoutes on Bun.serve", () => {
  const skip = runtime === "bun"
    ? false
    : `Bun's idle timeout only applies on Bun (this is ${runtime})`;
  it("keeps a quiet stream open past Bun's idleTimeout (the route raises it for the request)", {
    skip,
  }, async () => {
    const tracker = new StatusTracker();
    const app = new Hono();
    app.route("/antflow", antflowRoutes({ tracker }));
    const server = await startServer(app.fetch, { bunIdleTimeout: 1 });
    cleanups.push(() => server.close());
    const client = await connect(`${server.url}/antflow/events`);
    await client.waitFor(hasSnapshot(client), "the snapshot");
    const ended = await Promise.race([
      client.ended.then(() => true),
      // Bun checks idle sockets every few seconds: with idleTimeout 1 it cuts at ~4 s.
      new Promise((resolve) => setTimeout(() => resolve(false), 6500)),
    ]);
    assert.equal(ended, false, "the stream was closed while idle");
    tracker.dispatchEvent(
      new CustomEvent("status", {
        detail: new StatusEvent({ itemId: 1, stage: "S", status: "queued" }),
      }),
    );
    await client.waitFor(() => client.events().length === 1, "an event after the quiet time");
  });
});

async function connectWhenFree(url: string): Promise<SSEClient> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await openSSE(url);
    } catch (error) {
      if (!String(error).includes("status 503") || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Pending timers, where the runtime can tell (0 elsewhere, making the check vacuous there). */
function activeTimers(): number {
  // deno-lint-ignore no-explicit-any
  const info = (globalThis as any).process?.getActiveResourcesInfo?.() as string[] | undefined;
  return info?.filter((name) => name === "Timeout").length ?? 0;
}
