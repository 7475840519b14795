import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { delay } from "../mod.ts";
import { type ClientMessage, subscribe } from "../src/client/mod.ts";
import {
  breakableFetch,
  collect,
  isTrackerEvent,
  served,
  until,
} from "./support/client_fixtures.ts";

const items = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("subscribe(): resuming after a dropped connection", () => {
  for (const mode of ["closed by the server", "broken on the network"] as const) {
    it(`connections ${mode} mid-run yield every event exactly once, in order`, async () => {
      const s = await served({ retryMs: 5, taskMs: 6 });
      const stop = new AbortController();
      const network = breakableFetch();
      const drop = mode === "closed by the server" ? () => s.hub.dropAll() : network.breakAll;
      try {
        const stream = subscribe(s.url, { signal: stop.signal, fetch: network.fetch });
        let drops = 0;
        let subscribed = false;
        const run = (async () => {
          // A subscriber with no id yet cannot resume: start once it has its first snapshot.
          await until(() => subscribed, 5000, "the first snapshot");
          const killer = setInterval(() => {
            drops += drop();
          }, 25);
          try {
            await s.pipeline.run(items(60));
            // On a loaded machine the run may end before three drops: keep cutting until then.
            await until(() => drops >= 3, 10_000, "three dropped connections");
          } finally {
            clearInterval(killer);
          }
        })();
        let finished = false;
        run.then(() => finished = true, () => finished = true);
        const messages = await collect(
          stream,
          (m) => {
            subscribed ||= m.length > 0;
            return finished && m.filter(isTrackerEvent).length >= s.hub.events.length;
          },
          15_000,
        );
        await run;
        assert.ok(drops >= 3, `the connection was dropped ${drops} times`);
        const events = messages.filter(isTrackerEvent);
        assert.deepEqual(
          events.map((m) => [Number(m.id), m.type, m.event]),
          s.hub.events.map((e) => [e.id, e.type, e.json]),
        );
        // Every reconnection resumed from the last id received, never with a reset.
        const resumed = s.hub.resumedFrom.slice(1);
        assert.ok(resumed.length >= drops, `${resumed.length} reconnections`);
        assert.ok(resumed.every((id) => id !== null && /^\d+$/.test(id)), resumed.join(","));
        assert.ok(!messages.some((m) => m.type === "reset"));
        const snapshots = messages.filter((m) => m.type === "snapshot").length;
        if (mode === "closed by the server") {
          assert.equal(snapshots, s.hub.resumedFrom.length, "one snapshot per connection");
        } else {
          // A connection may break before its snapshot got through.
          assert.ok(snapshots >= 2 && snapshots <= s.hub.resumedFrom.length, `${snapshots}`);
        }
      } finally {
        stop.abort();
        await s.close();
      }
    });
  }

  it("a Last-Event-ID older than the replay buffer gets a reset, a fresh snapshot, then live events", async () => {
    const s = await served({ replay: 5 });
    try {
      await s.pipeline.run(items(5));
      const newest = s.hub.lastEventId;
      assert.ok(newest > 10);
      const stream = subscribe(s.url, { lastEventId: 1 });
      const head = await collect(stream, (m) => m.length === 2);
      assert.deepEqual(head.map((m) => m.type), ["reset", "snapshot"]);
      const reset = head[0] as Extract<ClientMessage, { type: "reset" }>;
      assert.equal(reset.lastEventId, newest);
      assert.match(reset.reason, /older than the replay buffer/);
      assert.equal(s.hub.resumedFrom[0], "1");
    } finally {
      await s.close();
    }
  });

  it("resumes after a reset from the server's newest id, not the stale one", async () => {
    const s = await served({ replay: 5, retryMs: 1 });
    const stop = new AbortController();
    try {
      await s.pipeline.run(items(3));
      const newest = s.hub.lastEventId;
      const stream = subscribe(s.url, { lastEventId: 1, signal: stop.signal });
      const reader = stream.getReader();
      assert.equal((await reader.read()).value?.type, "reset");
      assert.equal((await reader.read()).value?.type, "snapshot");
      s.hub.dropAll();
      assert.equal((await reader.read()).value?.type, "snapshot");
      assert.deepEqual(s.hub.resumedFrom, ["1", String(newest)]);
      reader.releaseLock();
    } finally {
      stop.abort();
      await s.close();
    }
  });

  it("dropped right after the first snapshot, it resumes from the snapshot's lastEventId", async () => {
    const s = await served({ retryMs: 1 });
    const stop = new AbortController();
    try {
      await s.pipeline.run(items(2));
      const newest = s.hub.lastEventId;
      const reader = subscribe(s.url, { signal: stop.signal }).getReader();
      assert.equal((await reader.read()).value?.type, "snapshot");
      s.hub.dropAll();
      await s.pipeline.run(items(2));
      const messages: ClientMessage[] = [];
      while (messages.filter(isTrackerEvent).length < 4) {
        messages.push((await reader.read()).value!);
      }
      assert.equal(s.hub.resumedFrom[0], null);
      assert.equal(s.hub.resumedFrom[1], String(newest));
      const first = messages.find(isTrackerEvent)!;
      assert.equal(Number(first.id), newest + 1, "the missed events were replayed");
      reader.releaseLock();
    } finally {
      stop.abort();
      await s.close();
    }
  });
});

describe("subscribe(): reconnection timing", () => {
  it("honours the server's retry: over its own default", async () => {
    const s = await served({ retryMs: 10 });
    const stop = new AbortController();
    try {
      const reader = subscribe(s.url, { signal: stop.signal, retryMs: 60_000 }).getReader();
      await reader.read();
      const start = performance.now();
      s.hub.dropAll();
      await until(() => s.hub.connections === 1, 5000, "the reconnection");
      assert.ok(performance.now() - start < 2000);
      reader.releaseLock();
    } finally {
      stop.abort();
      await s.close();
    }
  });

  it("backs off with full jitter, capped by maxRetryMs", async () => {
    const times: number[] = [];
    const fetch = () => {
      times.push(performance.now());
      return Promise.reject(new TypeError("refused"));
    };
    const reader = subscribe("http://x.test/e", {
      fetch,
      retryMs: 10,
      maxRetryMs: 40,
      maxRetries: 9,
    }).getReader();
    await assert.rejects(reader.read(), /10 attempts in a row/);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // Uncapped, the last waits would reach 10 × 2^8 = 2560 ms.
    assert.ok(gaps.every((gap) => gap < 40 + 400), gaps.map(Math.round).join(","));
    assert.ok(new Set(gaps.map(Math.round)).size > 1, "waits vary");
  });

  it("a connection that delivered messages resets the failure count", async () => {
    let calls = 0;
    const snapshot = 'event: snapshot\ndata: {"stats":{"queued":0,"in_progress":0,"completed":0,' +
      '"failed":0,"retrying":0,"skipped":0,"cancelled":0},"pipeline":null,"lastEventId":0}\n\n';
    const fetch = () => {
      calls++;
      if (calls % 2 === 0) return Promise.reject(new TypeError("flaky"));
      return Promise.resolve(
        new Response(snapshot, { headers: { "content-type": "text/event-stream" } }),
      );
    };
    const stream = subscribe("http://x.test/e", { fetch, retryMs: 1, maxRetries: 1 });
    const messages = await collect(stream, (m) => m.length === 5);
    assert.equal(messages.length, 5);
    assert.ok(calls >= 9);
    await delay(5);
  });

  it("idleTimeoutMs reconnects a connection that went silent, but not a slow consumer", async () => {
    const snapshot = 'event: snapshot\ndata: {"stats":{"queued":0,"in_progress":0,"completed":0,' +
      '"failed":0,"retrying":0,"skipped":0,"cancelled":0},"pipeline":null,"lastEventId":0}\n\n';
    let calls = 0;
    const cancelled: number[] = [];
    const fetch = () => {
      const call = ++calls;
      // Two snapshots, then silence: the connection never closes on its own.
      const body = new ReadableStream<Uint8Array>({
        start: (c) => c.enqueue(new TextEncoder().encode(snapshot + snapshot)),
        cancel: () => {
          cancelled.push(call);
        },
      });
      return Promise.resolve(
        new Response(body, { headers: { "content-type": "text/event-stream" } }),
      );
    };
    const stop = new AbortController();
    const reader = subscribe("http://x.test/e", {
      fetch,
      signal: stop.signal,
      idleTimeoutMs: 60,
      retryMs: 1,
    }).getReader();
    await reader.read();
    await delay(300); // one message waits in the stream: nothing is read, so nothing is idle
    assert.equal(calls, 1);
    await reader.read();
    await until(() => calls >= 2, 3000, "the reconnection of the silent connection");
    assert.deepEqual(cancelled.slice(0, 1), [1], "the silent body was cancelled");
    stop.abort();
    await until(() => cancelled.includes(calls), 3000, "the last body to be cancelled");
  });
});
