import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { StatusEvent, StatusTracker, TaskEvent } from "../mod.ts";
import { antflowRoutes, type AntflowRoutesOptions } from "../src/hono/mod.ts";
import { trackerSink } from "../src/tracker/status_tracker.ts";
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

/** Records a status change in the tracker (as a remote tracker does), which dispatches it. */
function status(tracker: StatusTracker, id: number, value: string, stage = "S"): void {
  const event = new StatusEvent({
    itemId: id,
    stage,
    status: value as StatusEvent["status"],
    worker: null,
  });
  trackerSink(tracker).ingestStatus(event, false);
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
    status(tracker, 0, "failed"); // id 1: only what the stream sends is numbered
    status(tracker, 1, "retrying");
    status(tracker, 1, "completed");
    tracker.dispatchEvent(
      new CustomEvent("runend", {
        detail: { runId: "r", startedAt: 1, endedAt: 2, counts: { completed: 1, failed: 1 } },
      }),
    ); // id 2
    await client.waitFor(() => client.events().length === 2, "2 events");
    assert.deepEqual(client.events().map((m) => [m.type, m.id]), [["status", "1"], [
      "runend",
      "2",
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
    assert.equal(second.lastEventId, 2, "only the two failures are numbered");
    assert.deepEqual(second.changes, {
      sinceEventId: 0,
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
    assert.equal(third.lastEventId, 2);
    assert.equal(third.changes!.sinceEventId, 2);
    assert.deepEqual(Object.values(third.changes!.statuses), [0, 0, 1, 0, 0, 0, 0]);
  });

  it("sends at most 4 snapshots per second under a steady flow of events, each saying what changed", async () => {
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
    let total = 0;
    for (const summary of summaries) {
      assert.ok(summary.changes!.statuses.queued > 0, "each one says what changed");
      total += summary.changes!.statuses.queued;
    }
    assert.equal(total, id, "the changes add up to every status change");
    assert.equal(summaries.at(-1)!.stats.queued, id, "the last snapshot is up to date");
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
    for (const id of range(6)) status(tracker, id, id % 3 === 0 ? "failed" : "queued"); // ids 1, 2
    const resumed = await open(app, "/events?mode=summary", { "Last-Event-ID": "1" });
    const summary = await open(app, "/events?mode=summary&lastEventId=0&stage=B");
    status(tracker, 9, "failed", "B"); // id 3
    await resumed.waitFor(() => resumed.events().length === 2, "the replayed and the live failure");
    assert.deepEqual(resumed.events().map((m) => m.id), ["2", "3"]);
    await summary.waitFor(() => summary.events().length === 1, "the stage's failure");
    assert.deepEqual(summary.events().map((m) => m.id), ["3"]);
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

  it("takes every event only while a full client is connected (and a grace after), failures otherwise", async () => {
    const { app, tracker } = mount({ retryMs: 0 }); // lingers max(1000, 3 × retryMs) = 1000 ms
    const sink = trackerSink(tracker);
    const summary = await open(app);
    assert.equal(sink.taskMask(), 0, "summary clients alone: no task events are built");
    status(tracker, 0, "queued");
    status(tracker, 0, "failed"); // id 1
    const full = await open(app, "/events");
    assert.notEqual(sink.taskMask(), 0, "a full client: every event");
    const early = await open(app, "/events", { "Last-Event-ID": "0" });
    assert.equal(early.messages()[0].type, "reset", "no full resume from before the full stream");
    status(tracker, 1, "queued"); // id 2
    status(tracker, 1, "failed"); // id 3
    await full.waitFor(() => full.events().length === 2, "the full client's events");
    assert.deepEqual(full.events().map((m) => m.id), ["2", "3"]);
    const resumed = await open(app, "/events", { "Last-Event-ID": "1" });
    await resumed.waitFor(() => resumed.events().length === 2, "the replay");
    await summary.waitFor(() => summary.events().length === 2, "the failures");
    assert.deepEqual(summary.events().map((m) => m.id), ["1", "3"]);
    for (const client of [full, early, resumed]) await client.close();
    await sleep(1100);
    status(tracker, 2, "queued"); // after the grace: narrows to failures, not numbered
    assert.equal(sink.taskMask(), 0);
    status(tracker, 2, "failed"); // id 4
    await summary.waitFor(() => summary.events().length === 3, "the next failure");
    assert.equal(summary.events().at(-1)!.id, "4");
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
