import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type StatusEvent, StatusTracker, type TaskEvent } from "../mod.ts";
import { type ConnectionErrorDetail, RemoteTracker } from "../src/client/mod.ts";
import { makePipeline, served, until } from "./support/client_fixtures.ts";
import { SSEHub } from "./support/client_sse_server.ts";

/** A fetch that never answers, until its signal aborts. */
function hangingFetch(_input: string | URL | Request, init?: RequestInit): Promise<Response> {
  return new Promise((_, reject) => {
    init?.signal?.addEventListener("abort", () => reject(init.signal!.reason), { once: true });
  });
}

const items = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Everything the StatusTracker queries answer, as plain data. */
function queries(tracker: StatusTracker) {
  const ids = tracker.getTrackedIds();
  return {
    stats: tracker.getStats(),
    ids,
    statuses: ids.map((id) => JSON.stringify(tracker.getStatus(id))),
    histories: ids.map((id) => JSON.stringify(tracker.getHistory(id))),
    failed: tracker.getByStatus("failed").map((e) => JSON.stringify(e)),
    failedItems: tracker.getFailedItems(),
    summary: String(tracker.getErrorSummary()),
  };
}

describe("RemoteTracker mirrors a server tracker", () => {
  it("answers every query like the server's tracker after a run, and dispatches the same events", async () => {
    const s = await served();
    const remote = new RemoteTracker(s.url);
    try {
      const seen: StatusEvent[] = [];
      const failures: TaskEvent[] = [];
      let callbacks = 0;
      remote.addEventListener("status", (e) => seen.push(e.detail));
      remote.addEventListener("taskfail", (e) => failures.push(e.detail));
      remote.onStatusChange = () => {
        callbacks++;
      };
      await remote.ready;
      await s.pipeline.run(items(30));
      const statusEvents = () => s.hub.events.filter((e) => e.type === "status").length;
      await until(() => seen.length === statusEvents(), 5000, "every status event");
      assert.deepEqual(queries(remote), queries(s.tracker));
      assert.equal(callbacks, seen.length);
      assert.deepEqual(
        seen.map((e) => JSON.stringify(e)),
        s.hub.events.filter((e) => e.type === "status").map((e) => e.data),
      );
      assert.ok(failures.length > 0);
      assert.ok(failures[0].error instanceof Error);
      assert.equal((failures[0].error as Error).name, "TypeError");
      assert.match((failures[0].error as Error).message, /cannot store/);
    } finally {
      await remote.close();
      await s.close();
    }
  });

  it("keeps the same items as the server under maxItems (it knows which items finished)", async () => {
    const tracker = new StatusTracker({ maxItems: 4 });
    const s = await served({ tracker, pipeline: makePipeline(tracker) });
    const remote = new RemoteTracker(s.url, { maxItems: 4 });
    try {
      await remote.ready;
      await s.pipeline.run(items(25));
      await until(
        () => JSON.stringify(remote.getStats()) === JSON.stringify(tracker.getStats()),
        5000,
        "the stats",
      );
      assert.deepEqual(remote.getTrackedIds(), tracker.getTrackedIds());
    } finally {
      await remote.close();
      await s.close();
    }
  });

  it("ends the run with the server's stats although its connection was killed mid-run", async () => {
    const s = await served({ retryMs: 5, taskMs: 6 });
    const remote = new RemoteTracker(s.url);
    try {
      await remote.ready;
      const killer = setInterval(() => s.hub.dropAll(), 20);
      try {
        await s.pipeline.run(items(50));
        // On a loaded machine the run may end before three cycles: keep cutting until they came.
        await until(() => s.hub.resumedFrom.length > 2, 10_000, "three reconnections");
      } finally {
        clearInterval(killer);
      }
      const total = s.hub.events.filter((e) => e.type === "status").length;
      const history = () =>
        remote.getTrackedIds().reduce<number>((n, id) => n + remote.getHistory(id).length, 0);
      await until(() => history() === total, 8000, "every status event");
      assert.deepEqual(queries(remote), queries(s.tracker));
    } finally {
      await remote.close();
      await s.close();
    }
  });

  it("connected mid-run, its counts converge to the server's through the snapshots", async () => {
    const s = await served({ snapshotMs: 20, taskMs: 8 });
    const run = s.pipeline.run(items(40));
    await until(() => s.tracker.getStats().completed > 3, 5000, "the run to be under way");
    const remote = new RemoteTracker(s.url);
    try {
      await remote.ready;
      await run;
      await until(
        () => JSON.stringify(remote.getStats()) === JSON.stringify(s.tracker.getStats()),
        5000,
        "the counts to converge",
      );
      assert.ok(remote.getTrackedIds().length < 40, "items seen before it connected are unknown");
      const processed = s.pipeline.getStats().itemsProcessed;
      await until(
        () => remote.snapshot?.pipeline?.pipelineStats.itemsProcessed === processed,
        5000,
        "a snapshot taken after the run",
      );
    } finally {
      await remote.close();
      await s.close();
    }
  });

  it("after a reset it forgets its items and rebuilds its counts from the snapshot", async () => {
    const s = await served({ replay: 3, retryMs: 1 });
    let offline = false;
    const fetch = (input: string | URL | Request, init?: RequestInit) =>
      offline ? Promise.reject(new TypeError("offline")) : globalThis.fetch(input, init);
    const remote = new RemoteTracker(s.url, { fetch, retryMs: 1, maxRetryMs: 5 });
    try {
      await remote.ready;
      await s.pipeline.run(items(2));
      await until(() => remote.getTrackedIds().length === 2, 5000, "the first run");
      offline = true;
      s.hub.dropAll();
      await s.pipeline.run(items(6));
      offline = false;
      await until(() => s.hub.connections === 1, 5000, "the reconnection");
      await until(
        () => JSON.stringify(remote.getStats()) === JSON.stringify(s.tracker.getStats()),
        5000,
        "the counts",
      );
      assert.deepEqual(remote.getTrackedIds(), []);
      assert.equal(remote.getStats().completed + remote.getStats().failed, 8);
    } finally {
      await remote.close();
      await s.close();
    }
  });
});

describe("RemoteTracker lifecycle", () => {
  it("validates its options like subscribe() and StatusTracker", () => {
    assert.throws(() => new RemoteTracker("nope"), {
      name: "TypeError",
      message: /RemoteTracker: url must be an absolute http: or https: URL, got "nope"/,
    });
    assert.throws(() => new RemoteTracker("http://x.test/e", { retryMs: -5 }), {
      name: "RangeError",
      message: "RemoteTracker: retryMs must be a finite number >= 0, got -5",
    });
    assert.throws(() => new RemoteTracker("http://x.test/e", { historyLimit: -1 }), RangeError);
    assert.throws(
      () => new RemoteTracker("http://x.test/e", { autoStart: "yes" as unknown as boolean }),
      { name: "TypeError", message: 'RemoteTracker: autoStart must be a boolean, got "yes"' },
    );
  });

  it("does not connect before start() with autoStart: false, and cannot restart after close()", async () => {
    const hub = new SSEHub({ tracker: new StatusTracker() });
    const remote = new RemoteTracker("http://hub.test/events", {
      fetch: hub.fetch,
      autoStart: false,
    });
    assert.equal(hub.resumedFrom.length, 0);
    remote.start();
    remote.start();
    await remote.ready;
    assert.equal(hub.resumedFrom.length, 1);
    await remote.close();
    await remote.close();
    await remote.closed;
    assert.equal(hub.connections, 0);
    assert.throws(() => remote.start(), /RemoteTracker: start\(\) was called after close\(\)/);
    hub.close();
  });

  it("ready and closed reject on HTTP 500, reported once as a connection failure that gives up", async () => {
    const hub = new SSEHub({ tracker: new StatusTracker() });
    hub.override = () => new Response("no", { status: 500 });
    const remote = new RemoteTracker("http://hub.test/events", { fetch: hub.fetch });
    const reported: ConnectionErrorDetail[] = [];
    const callbackErrors: unknown[] = [];
    remote.addEventListener("connectionerror", (e) => reported.push(e.detail));
    remote.addEventListener("error", (e) => callbackErrors.push(e.detail.error));
    await assert.rejects(
      remote.ready,
      /RemoteTracker: http:\/\/hub\.test\/events answered HTTP 500/,
    );
    await assert.rejects(remote.closed, /HTTP 500/);
    assert.equal(reported.length, 1);
    assert.equal(
      reported[0].message,
      "could not connect to http://hub.test/events: answered HTTP 500, expected 200",
    );
    assert.equal(reported[0].retryInMs, null);
    assert.equal(reported[0].attempt, 1);
    assert.deepEqual(callbackErrors, [], "not reported as a callback error");
    hub.close();
  });

  it("closing before the first snapshot rejects ready with an AbortError", async () => {
    const remote = new RemoteTracker("http://x.test/e", { fetch: hangingFetch });
    await remote.close();
    await assert.rejects(remote.ready, { name: "AbortError" });
    await remote.closed;
  });

  it("the signal option and asyncDispose end the subscription", async () => {
    const hub = new SSEHub({ tracker: new StatusTracker() });
    const controller = new AbortController();
    const a = new RemoteTracker("http://hub.test/events", {
      fetch: hub.fetch,
      signal: controller.signal,
    });
    const b = new RemoteTracker("http://hub.test/events", { fetch: hub.fetch });
    await Promise.all([a.ready, b.ready]);
    assert.equal(hub.connections, 2);
    controller.abort();
    await a.closed;
    await b[Symbol.asyncDispose]();
    await b.closed;
    await until(() => hub.connections === 0, 2000, "both connections to close");
    hub.close();
  });

  it("reports a malformed message through the error event and keeps going", async () => {
    const stats = '{"queued":0,"in_progress":0,"completed":0,"failed":0,"retrying":0,' +
      '"skipped":0,"cancelled":0}';
    const body = `event: snapshot\ndata: {"stats":${stats},"pipeline":null,"lastEventId":0}\n\n` +
      "event: status\nid: 1\ndata: oops\n\n" +
      'event: status\nid: 2\ndata: {"itemId":"a","stage":"S","status":"failed","worker":"S-W0",' +
      '"timestamp":7,"metadata":{"error":"bad","errorType":"RangeError","attempt":2},' +
      '"workerId":0}\n\n';
    let calls = 0;
    const fetch = (input: string | URL | Request, init?: RequestInit) =>
      calls++ > 0 ? hangingFetch(input, init) : Promise.resolve(
        new Response(body, { headers: { "content-type": "text/event-stream" } }),
      );
    const remote = new RemoteTracker("http://x.test/e", { fetch, retryMs: 1 });
    const errors: { error: unknown; callback: string }[] = [];
    remote.addEventListener("error", (e) => errors.push(e.detail));
    try {
      await remote.ready;
      await until(() => remote.getStatus("a") !== undefined, 2000, "the status event");
      assert.equal(errors.length, 1);
      assert.equal(errors[0].callback, "RemoteTracker");
      assert.match(String(errors[0].error), /"status" message is not valid JSON/);
      assert.deepEqual(remote.getFailedItems(), [{
        itemId: "a",
        error: "bad",
        errorType: "RangeError",
        stage: "S",
        attempts: 2,
        timestamp: 7,
      }]);
      assert.equal(remote.getStats().failed, 1);
    } finally {
      await remote.close();
    }
  });
});
