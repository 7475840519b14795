import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, type RunEvent, Stage } from "../mod.ts";
import { type ClientMessage, RemoteTracker, subscribe } from "../src/client/mod.ts";
import { tapCount } from "../src/tracker/status_tracker.ts";
import { collect, routesInMemory, until } from "./support/client_fixtures.ts";

const items = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const ZERO = { completed: 0, failed: 0, skipped: 0, cancelled: 0 };
const STATS = '{"queued":0,"in_progress":0,"completed":0,"failed":0,"retrying":0,' +
  '"skipped":0,"cancelled":0}';

/** A fetch answering one event stream with `body`, then 204 (the stream ends). */
function onceFetch(body: string) {
  let calls = 0;
  return () =>
    Promise.resolve(
      calls++ === 0
        ? new Response(body, { headers: { "content-type": "text/event-stream" } })
        : new Response(null, { status: 204 }),
    );
}

describe("subscribe(): run lifecycle messages", () => {
  it("yields typed runstart and runend messages, selectable with types", async () => {
    const s = routesInMemory();
    const requested: string[] = [];
    const fetch = (input: string | URL | Request, init?: RequestInit) => {
      requested.push(String(input));
      return s.fetch(input, init);
    };
    const stream = subscribe(s.url, { fetch, types: ["runstart", "runend"] });
    const run = (async () => {
      await until(() => tapCount(s.tracker) > 0, 5000, "the connection");
      await s.pipeline.run(items(12));
    })();
    const messages = await collect(stream, (m) => m.some((x) => x.type === "runend"));
    await run;
    assert.match(requested[0], /\?types=runstart%2Crunend$/);
    const runs = messages.filter((m) => m.type !== "snapshot");
    assert.deepEqual(runs.map((m) => m.type), ["runstart", "runend"]);
    const [start, end] = runs as Extract<ClientMessage, { type: "runstart" | "runend" }>[];
    assert.equal(start.event.runId, end.event.runId);
    assert.deepEqual(start.event.counts, ZERO);
    assert.equal(start.event.endedAt, undefined);
    assert.equal(typeof end.event.endedAt, "number");
    assert.equal(end.event.counts.completed + end.event.counts.failed, 12);
    assert.ok(Number(end.id) > Number(start.id), "ids from the tracker events' sequence");
    assert.deepEqual(end.event, s.tracker.getRuns().at(-1));
  });

  it("turns a run event with a bad shape into an error message (validated by RunEventSchema)", async () => {
    const body = `event: snapshot\ndata: {"stats":${STATS},"pipeline":null,"lastEventId":0}\n\n` +
      'event: runend\nid: 1\ndata: {"runId":"r","startedAt":1,"counts":{"completed":-1}}\n\n' +
      'event: runstart\nid: 2\ndata: {"runId":"r2","startedAt":5,' +
      '"counts":{"completed":0,"failed":0,"skipped":0,"cancelled":0}}\n\n';
    const messages = await collect(
      subscribe("http://x.test/e", { fetch: onceFetch(body), retryMs: 1 }),
      () => false,
    );
    assert.deepEqual(messages.map((m) => m.type), ["snapshot", "error", "runstart"]);
    const error = messages[1] as Extract<ClientMessage, { type: "error" }>;
    assert.equal(error.event, "runend");
    assert.match(error.error.message, /a "runend" message has a bad shape at counts/);
    assert.deepEqual(messages[2], {
      type: "runstart",
      id: "2",
      event: { runId: "r2", startedAt: 5, counts: ZERO },
    });
  });
});

describe("RemoteTracker: run lifecycle", () => {
  it("re-dispatches runstart and runend, calls onRunStart and onRunEnd, and getRuns() matches the server", async () => {
    const s = routesInMemory();
    const calls: string[] = [];
    const remote = new RemoteTracker(s.url, {
      fetch: s.fetch,
      onRunStart: (run) => {
        calls.push(`onRunStart ${run.runId}`);
      },
      onRunEnd: async (run) => {
        await Promise.resolve();
        calls.push(`onRunEnd ${run.runId}`);
      },
    });
    const events: string[] = [];
    const doneAtRunEnd: number[] = [];
    remote.addEventListener("runstart", (e) => events.push(`runstart ${e.detail.runId}`));
    remote.addEventListener("runend", (e) => {
      events.push(`runend ${e.detail.runId}`);
      const stats = remote.getStats();
      doneAtRunEnd.push(stats.completed + stats.failed);
    });
    try {
      await remote.ready;
      await s.pipeline.run(items(10));
      await s.pipeline.run(items(5));
      await until(() => calls.length === 4, 5000, "both runs' callbacks");
      const [first, second] = s.tracker.getRuns().map((run: RunEvent) => run.runId);
      const expected = [`runstart ${first}`, `runend ${first}`, `runstart ${second}`];
      assert.deepEqual(events, [...expected, `runend ${second}`]);
      assert.deepEqual(calls, [...expected, `runend ${second}`].map((c) => `on${cap(c)}`));
      assert.deepEqual(remote.getRuns(), s.tracker.getRuns());
      // runend comes after the run's last status event: the remote's counts are final by then.
      assert.deepEqual(doneAtRunEnd, [10, 15]);
    } finally {
      await remote.close();
    }
  });

  it("connected mid-run, it still learns when the run ends", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => release = resolve);
    const s = routesInMemory({
      pipeline: (tracker) =>
        new Pipeline({
          stages: [
            new Stage({ name: "S", workers: 2, tasks: [async (n: number) => (await gate, n)] }),
          ],
          statusTracker: tracker,
        }),
    });
    const run = s.pipeline.run(items(8));
    await until(() => s.tracker.getRuns().length === 1, 5000, "the run to start");
    const ended: RunEvent[] = [];
    const remote = new RemoteTracker(s.url, {
      fetch: s.fetch,
      onRunEnd: (r) => void ended.push(r),
    });
    try {
      await remote.ready; // after runstart: that one is not replayed to a new client
      release();
      await run;
      await until(() => ended.length === 1, 5000, "runend");
      assert.deepEqual(ended[0], s.tracker.getRuns()[0]);
      assert.deepEqual(ended[0].counts, { ...ZERO, completed: 8 });
      assert.deepEqual(remote.getRuns(), s.tracker.getRuns());
    } finally {
      release();
      await remote.close();
    }
  });
});

function cap(text: string): string {
  const name = text.startsWith("runstart") ? "RunStart" : "RunEnd";
  return name + text.slice(text.indexOf(" "));
}
