import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { Pipeline, type RunEvent, RunEventSchema, Stage, StatusTracker } from "../mod.ts";
import { antflowRoutes } from "../src/hono/mod.ts";
import { range } from "./support/hono_fixture.ts";
import { openSSE, type SSEClient } from "./support/hono_sse_client.ts";

const BASE = "http://antflow.test/antflow";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A one-stage pipeline where item 3 fails, served in-process. */
function mount() {
  const tracker = new StatusTracker();
  const pipeline = new Pipeline({
    stages: [
      new Stage({
        name: "Work",
        workers: 2,
        taskAttempts: 1,
        tasks: [(n: number) => {
          if (n === 3) throw new RangeError(`item ${n} is bad`);
          return n;
        }],
      }),
    ],
    statusTracker: tracker,
  });
  const app = new Hono();
  app.route("/antflow", antflowRoutes({ tracker, pipeline }));
  return { app, tracker, pipeline };
}

async function open(app: Hono, query = "", headers?: Record<string, string>): Promise<SSEClient> {
  const client = await openSSE(`${BASE}/events${query}`, {
    headers,
    fetch: (request) => app.fetch(request),
  });
  cleanups.push(() => client.close());
  await client.waitFor(() => client.messages().some((m) => m.type === "snapshot"), "a snapshot");
  return client;
}

const runEvents = (client: SSEClient) =>
  client.events().filter((m) => m.type === "runstart" || m.type === "runend");

const hasRunEnd = (client: SSEClient) => () => client.events().some((m) => m.type === "runend");

describe("GET /events: run lifecycle events", () => {
  it("streams runstart and runend with the RunEvent JSON, numbered in the same sequence as the item events", async () => {
    const { app, tracker, pipeline } = mount();
    const client = await open(app);
    await pipeline.run(range(10));
    await client.waitFor(hasRunEnd(client), "runend");
    const events = client.events();
    assert.deepEqual(
      events.map((m) => Number(m.id)),
      range(events.length).map((i) => i + 1),
      "one id sequence, no gap",
    );
    assert.equal(events[0].type, "runstart", "runstart comes before the run's first status");
    assert.equal(events.at(-1)!.type, "runend", "runend comes after the run's last status");
    const [start, end] = runEvents(client).map((m) => RunEventSchema.parse(JSON.parse(m.data)));
    assert.equal(start.runId, end.runId);
    assert.equal(start.endedAt, undefined);
    assert.deepEqual(start.counts, { completed: 0, failed: 0, skipped: 0, cancelled: 0 });
    assert.deepEqual(end.counts, { completed: 9, failed: 1, skipped: 0, cancelled: 0 });
    assert.ok(end.endedAt! >= end.startedAt);
    assert.deepEqual(end, tracker.getRuns().at(-1), "the tracker's own record of the run");
  });

  it("a client resuming with Last-Event-ID gets the run events it missed, from the ring buffer", async () => {
    const { app, pipeline } = mount();
    const first = await open(app);
    await pipeline.run(range(4));
    await first.waitFor(hasRunEnd(first), "the first runend");
    const lastId = first.events().at(-1)!.id!;
    await first.close();
    await pipeline.run(range(6)); // nobody connected: the hub still records (its linger time)
    const resumed = await open(app, "", { "Last-Event-ID": lastId });
    await resumed.waitFor(hasRunEnd(resumed), "the missed runend");
    assert.ok(!resumed.messages().some((m) => m.type === "reset"), "no reset");
    const events = resumed.events();
    assert.equal(Number(events[0].id), Number(lastId) + 1, "exactly the events after lastId");
    assert.equal(events[0].type, "runstart");
    assert.equal(events.at(-1)!.type, "runend");
    const [start, end] = runEvents(resumed).map((m) => JSON.parse(m.data) as RunEvent);
    assert.equal(start.runId, end.runId);
    assert.equal(end.counts.completed, 5);
  });

  it("types selects them; stage, status and item filters let them through", async () => {
    const { app, pipeline } = mount();
    const queries = {
      runOnly: "?types=runstart,runend",
      statusOnly: "?types=status",
      otherStage: "?stage=Elsewhere",
      failed: "?status=failed",
      item: "?item=3",
      endOnly: "?types=runend&stage=Work",
    };
    const clients: Record<string, SSEClient> = {};
    for (const [name, query] of Object.entries(queries)) clients[name] = await open(app, query);
    await pipeline.run(range(10));
    const reference = await open(app, "", { "Last-Event-ID": "0" });
    await reference.waitFor(hasRunEnd(reference), "runend (reference)");
    const all = reference.events();
    const last = all.at(-1)!.id;
    // Every filtered stream is complete once the last event went out (it is runend or filtered).
    const typesOf = async (name: string) => {
      const client = clients[name];
      await client.waitFor(
        () => client.events().some((m) => m.id === last) || client.events().length === 0,
        `${name} to catch up`,
      );
      return client.events().map((m) => m.type);
    };
    assert.deepEqual(await typesOf("runOnly"), ["runstart", "runend"]);
    assert.deepEqual(await typesOf("otherStage"), ["runstart", "runend"]);
    assert.deepEqual(await typesOf("endOnly"), ["runend"]);
    assert.deepEqual(await typesOf("failed"), ["runstart", "status", "runend"]);
    const item = await typesOf("item");
    assert.equal(item[0], "runstart");
    assert.equal(item.at(-1), "runend");
    assert.ok(item.includes("status") && item.includes("taskfail"), item.join());
    const statusOnly = clients.statusOnly;
    const statuses = all.filter((m) => m.type === "status").length;
    await statusOnly.waitFor(() => statusOnly.events().length === statuses, "every status");
    assert.ok(statusOnly.events().every((m) => m.type === "status"));
  });

  it("a bad types value answers 400 listing the run event types among the allowed ones", async () => {
    const { app } = mount();
    const response = await app.request("/antflow/events?types=runstart,runover");
    assert.equal(response.status, 400);
    const body = await response.json() as { error: string };
    assert.match(body.error, /types must be a comma-separated list of .*runstart, runend/);
    assert.match(body.error, /got "runstart,runover"/);
  });
});
