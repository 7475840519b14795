import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { StatusEvent, StatusTracker, TaskEvent } from "../mod.ts";
import { antflowRoutes, type AntflowRoutesOptions } from "../src/hono/mod.ts";
import { alwaysFailsInFetch, makeFixture, range } from "./support/hono_fixture.ts";
import { openSSE, type SSEClient } from "./support/hono_sse_client.ts";
import type { ParsedMessage } from "./support/hono_sse_parser.ts";

const BASE = "http://antflow.test/antflow";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function mount(options: Partial<AntflowRoutesOptions> & { tracker?: StatusTracker } = {}) {
  const tracker = options.tracker ?? new StatusTracker();
  const app = new Hono();
  app.route("/antflow", antflowRoutes({ ...options, tracker }));
  return { app, tracker };
}

async function open(app: Hono, path = "/events?mode=summary", headers?: Record<string, string>) {
  const client = await openSSE(BASE + path, { headers, fetch: (request) => app.fetch(request) });
  cleanups.push(() => client.close());
  await client.waitFor(() => client.messages().some((m) => m.type === "snapshot"), "a snapshot");
  return client;
}

function status(tracker: StatusTracker, id: number, value: string, stage = "S"): void {
  const event = new StatusEvent({
    itemId: id,
    stage,
    status: value as StatusEvent["status"],
    worker: null,
  });
  tracker.dispatchEvent(new CustomEvent("status", { detail: event }));
}

function task(tracker: StatusTracker, id: number): void {
  const event = new TaskEvent({
    itemId: id,
    stage: "S",
    taskName: "t",
    worker: "S-W0",
    eventType: "start",
    attempt: 1,
    timestamp: 1,
  });
  tracker.dispatchEvent(new CustomEvent("taskstart", { detail: event }));
}

interface Summary {
  lastEventId: number;
  stats: Record<string, number>;
  changes?: Changes;
}

function snapshots(client: SSEClient): Summary[] {
  return client.messages().filter((m) => m.type === "snapshot").map((m) => JSON.parse(m.data));
}

interface Changes {
  sinceEventId: number;
  events: Record<string, number>;
  statuses: Record<string, number>;
}

function types(messages: ParsedMessage[]): string[] {
  return messages.map((m) => m.type);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("GET /events?mode=summary", () => {
  it("streams failed status events and run events with their ids, never other status changes or task events", async () => {
    const { app, tracker } = mount();
    const client = await open(app);
    status(tracker, 0, "queued");
    status(tracker, 0, "in_progress");
    task(tracker, 0);
    status(tracker, 0, "failed"); // id 4
    status(tracker, 1, "retrying");
    status(tracker, 1, "completed");
    tracker.dispatchEvent(
      new CustomEvent("runend", {
        detail: { runId: "r", startedAt: 1, endedAt: 2, counts: { completed: 1, failed: 1 } },
      }),
    ); // id 7
    await client.waitFor(() => client.events().length === 2, "2 events");
    assert.deepEqual(client.events().map((m) => [m.type, m.id]), [["status", "4"], [
      "runend",
      "7",
    ]]);
    assert.equal(JSON.parse(client.events()[0].data).status, "failed");
  });

  it("sends snapshots carrying the changes since the previous one, whose counts add up to every event", async () => {
    const { app, tracker } = mount();
    const client = await open(app);
    status(tracker, 0, "queued");
    status(tracker, 1, "queued");
    status(tracker, 0, "failed");
    task(tracker, 1);
    task(tracker, 1);
    status(tracker, 1, "failed");
    await client.waitFor(() => snapshots(client).length >= 2, "a summary snapshot");
    const [first, second] = snapshots(client);
    assert.equal(first.changes, undefined, "the first snapshot is the starting point");
    assert.equal(second.lastEventId, 6);
    assert.deepEqual(second.changes, {
      sinceEventId: 0,
      events: {
        status: 4,
        taskstart: 2,
        taskcomplete: 0,
        taskretry: 0,
        taskfail: 0,
        runstart: 0,
        runend: 0,
      },
      statuses: {
        queued: 2,
        in_progress: 0,
        completed: 0,
        failed: 2,
        retrying: 0,
        skipped: 0,
        cancelled: 0,
      },
    });
    status(tracker, 2, "completed");
    await client.waitFor(() => snapshots(client).length >= 3, "the next summary snapshot");
    const third = snapshots(client)[2];
    assert.equal(third.lastEventId, 7);
    assert.equal(third.changes!.sinceEventId, 6);
    assert.equal(third.changes!.statuses.completed, 1);
    assert.equal(third.changes!.events.status, 1);
  });

  it("sends at most 4 snapshots per second under a steady flow of events, each id range following the last", async () => {
    const { app, tracker } = mount();
    const client = await open(app);
    const started = Date.now();
    let id = 0;
    while (Date.now() - started < 1300) {
      for (let i = 0; i < 50; i++) status(tracker, id++, "queued");
      await sleep(5);
    }
    const elapsed = Date.now() - started;
    await sleep(300); // the last interval's snapshot
    const summaries = snapshots(client).slice(1);
    assert.ok(summaries.length >= 2, `summaries: ${summaries.length}`);
    // 250 ms apart at least: over the flow plus the wait, at most (elapsed + 300) / 250 of them.
    assert.ok(
      summaries.length <= Math.floor((elapsed + 300) / 250),
      `${summaries.length} snapshots in ${elapsed + 300} ms`,
    );
    let since = 0;
    let total = 0;
    for (const summary of summaries) {
      assert.equal(summary.changes!.sinceEventId, since);
      assert.ok(summary.lastEventId > since);
      total += summary.changes!.statuses.queued;
      since = summary.lastEventId;
    }
    assert.equal(total, since, "the changes add up to every event");
    assert.equal(since, id, "the last snapshot is up to date");
    assert.deepEqual(client.events(), [], "no queued event is streamed");
  });

  it("sends no summary snapshot while nothing happens without a pipeline, one every snapshotMs with one", async () => {
    const bare = mount({ heartbeatMs: 50 });
    const quiet = await open(bare.app);
    const { tracker, pipeline } = makeFixture({ delays: false });
    const withPipeline = mount({ tracker, pipeline, snapshotMs: 300 });
    const polled = await open(withPipeline.app);
    await sleep(1000);
    assert.equal(snapshots(quiet).length, 1);
    assert.ok(quiet.items.some((item) => item.kind === "comment"), "heartbeats go on");
    const count = snapshots(polled).length;
    assert.ok(count >= 2 && count <= 5, `snapshots with a pipeline: ${count}`);
    assert.ok(snapshots(polled).slice(1).every((s) => s.changes?.sinceEventId === 0));
  });

  it("resumes with Last-Event-ID: replays the failures and run events after it", async () => {
    const { app, tracker } = mount({ replay: 100 });
    await open(app);
    for (const id of range(6)) status(tracker, id, id % 3 === 0 ? "failed" : "queued");
    const resumed = await open(app, "/events?mode=summary", { "Last-Event-ID": "2" });
    const summary = await open(app, "/events?mode=summary&lastEventId=0&stage=B");
    status(tracker, 9, "failed", "B"); // id 7
    await resumed.waitFor(() => resumed.events().length === 2, "the replayed and the live failure");
    assert.deepEqual(resumed.events().map((m) => m.id), ["4", "7"]);
    await summary.waitFor(() => summary.events().length === 1, "the stage's failure");
    assert.deepEqual(summary.events().map((m) => m.id), ["7"]);
  });

  it("lets a real run's dashboard see every failure exactly once and the run's end", async () => {
    const { tracker, pipeline } = makeFixture({ delays: false });
    const { app } = mount({ tracker, pipeline });
    const client = await open(app);
    const items = range(300);
    await pipeline.run(items);
    await client.waitFor(
      () => client.events().some((m) => m.type === "runend"),
      "runend",
    );
    const failed = client.events().filter((m) => m.type === "status").map((m) =>
      JSON.parse(m.data).itemId
    );
    assert.deepEqual(failed.sort((a, b) => a - b), items.filter(alwaysFailsInFetch));
    assert.deepEqual(types(client.events()), ["runstart", ...failed.map(() => "status"), "runend"]);
    await client.waitFor(
      () => snapshots(client).at(-1)!.lastEventId === Number(client.events().at(-1)!.id),
      "a snapshot as of the end of the run",
    );
    assert.equal(snapshots(client).at(-1)!.stats.failed, failed.length);
  });

  it("answers 400 JSON naming mode for a bad or repeated value", async () => {
    const { app } = mount();
    for (const query of ["mode=fast", "mode=", "mode=summary&mode=full"]) {
      const response = await app.request(`/antflow/events?${query}`);
      assert.equal(response.status, 400, query);
      const body = await response.json();
      assert.match(body.error, /antflowRoutes \/events: mode /, query);
      assert.equal(body.issues[0].path[0], "mode");
    }
    const full = await open(app, "/events?mode=full");
    assert.equal(full.messages()[0].type, "snapshot");
  });
});
