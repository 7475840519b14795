import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { StatusEvent, StatusTracker, TaskEvent } from "../mod.ts";
import { antflowRoutes, type AntflowRoutesOptions } from "../src/hono/mod.ts";
import { tapCount } from "../src/tracker/status_tracker.ts";
import { EVENT_TYPES, ITEM_EVENT_TYPES, makeFixture, range } from "./support/hono_fixture.ts";
import { openSSE, type SSEClient } from "./support/hono_sse_client.ts";

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

async function open(app: Hono, path = "/events", headers?: Record<string, string>) {
  const client = await openSSE(BASE + path, { headers, fetch: (request) => app.fetch(request) });
  cleanups.push(() => client.close());
  await client.waitFor(() => client.messages().some((m) => m.type === "snapshot"), "a snapshot");
  return client;
}

/** Dispatches `count` status events for items `from`, `from + 1`, … */
function emit(tracker: StatusTracker, count: number, from = 0, stage = "S"): void {
  for (let i = from; i < from + count; i++) {
    const event = new StatusEvent({
      itemId: i,
      stage,
      status: i % 2 === 0 ? "queued" : "failed",
      worker: null,
    });
    tracker.dispatchEvent(new CustomEvent("status", { detail: event }));
  }
}

function idsOf(client: SSEClient): number[] {
  return client.events().map((m) => Number(m.id));
}

function from(first: number, last: number): number[] {
  return range(last - first + 1).map((i) => i + first);
}

describe("GET /events: the start of a stream", () => {
  it("sends retry: once, then a snapshot with stats, pipeline, lastEventId and errors (no id)", async () => {
    const { tracker, pipeline } = makeFixture({ delays: false });
    const { app } = mount({ tracker, pipeline, retryMs: 1234 });
    const client = await open(app);
    assert.deepEqual(client.items[0], { kind: "retry", ms: 1234 });
    assert.equal(client.items.filter((item) => item.kind === "retry").length, 1);
    const snapshot = client.messages()[0];
    assert.equal(snapshot.type, "snapshot");
    assert.equal(snapshot.id, undefined);
    const data = JSON.parse(snapshot.data);
    assert.deepEqual(Object.keys(data), [
      "stats",
      "pipeline",
      "lastEventId",
      "errors",
      "runs",
      "latency",
    ]);
    assert.deepEqual(data.errors, {
      totalFailed: 0,
      errorsByType: {},
      errorsByStage: {},
      failedItems: [],
    });
    assert.deepEqual(data.stats, tracker.getStats());
    assert.deepEqual(Object.keys(data.pipeline.workerStates).length, 9);
    assert.equal(data.lastEventId, 0);
  });

  it("starts the wire with the snapshot block, which carries the retry: field", async () => {
    const { app } = mount({ retryMs: 1500 });
    const controller = new AbortController();
    const response = await app.request("/antflow/events", { signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n\n")) text += (await reader.read()).value;
    controller.abort();
    await reader.cancel();
    const first = text.slice(0, text.indexOf("\n\n")).split("\n");
    assert.equal(first[0], "event: snapshot");
    assert.ok(first.includes("retry: 1500"), first.join(" | "));
    assert.ok(first.some((line) => line.startsWith("data: {")), first.join(" | "));
    assert.ok(!first.some((line) => line.startsWith("id:")), "a snapshot has no id");
  });

  it("clients connecting close together may share a first snapshot, but one connecting right after an event gets a fresh one", async () => {
    const { app, tracker } = mount();
    const first = async () => JSON.parse((await open(app)).messages()[0].data);
    const a = await first();
    const b = await first();
    assert.deepEqual(b, a);
    emit(tracker, 2); // within the sharing window: the snapshot must still show them
    const c = await first();
    assert.equal(c.lastEventId, a.lastEventId + 2);
    const d = await first();
    assert.deepEqual(d, c);
  });

  it("treats an empty Last-Event-ID (header or bare query) as none: no reset, just the snapshot", async () => {
    const { app } = mount();
    const byHeader = await open(app, "/events", { "Last-Event-ID": "" });
    assert.deepEqual(byHeader.messages().map((m) => m.type), ["snapshot"]);
    for (const path of ["/events?lastEventId", "/events?lastEventId="]) {
      const byQuery = await open(app, path);
      assert.deepEqual(byQuery.messages().map((m) => m.type), ["snapshot"], path);
    }
  });

  it("has the SSE headers and neither Connection nor Transfer-Encoding", async () => {
    const { app } = mount();
    const client = await open(app);
    const headers = client.response.headers;
    assert.equal(headers.get("content-type"), "text/event-stream");
    assert.equal(headers.get("cache-control"), "no-cache, no-transform");
    assert.equal(headers.get("x-accel-buffering"), "no");
    assert.equal(headers.get("connection"), null);
    assert.equal(headers.get("transfer-encoding"), null);
  });
});

describe("GET /events: live events", () => {
  it("numbers events 1, 2, … in dispatch order, with the same id for every client", async () => {
    const { app, tracker } = mount();
    const early = await open(app);
    emit(tracker, 3);
    const late = await open(app);
    assert.equal(JSON.parse(late.messages()[0].data).lastEventId, 3);
    emit(tracker, 2, 3);
    await early.waitFor(() => early.events().length === 5, "5 events");
    await late.waitFor(() => late.events().length === 2, "2 events");
    assert.deepEqual(idsOf(early), [1, 2, 3, 4, 5]);
    assert.deepEqual(idsOf(late), [4, 5]);
    assert.deepEqual(late.events().map((m) => m.data), early.events().slice(3).map((m) => m.data));
  });

  it("sends every task event type with its JSON, and never the tracker's error events", async () => {
    const { app, tracker } = mount();
    const client = await open(app);
    const task = new TaskEvent({
      itemId: 7,
      stage: "S",
      taskName: "fetch",
      worker: "S-W0",
      eventType: "fail",
      attempt: 2,
      timestamp: 1,
      error: new Error("no\nway"),
      duration: 5,
    });
    tracker.dispatchEvent(new CustomEvent("error", { detail: { error: new Error("x") } }));
    for (const type of ITEM_EVENT_TYPES.slice(1)) {
      tracker.dispatchEvent(new CustomEvent(type, { detail: task }));
    }
    await client.waitFor(() => client.events().length === 4, "4 task events");
    assert.deepEqual(client.events().map((m) => m.type), ITEM_EVENT_TYPES.slice(1));
    assert.deepEqual(JSON.parse(client.events()[0].data), JSON.parse(JSON.stringify(task)));
    assert.deepEqual(JSON.parse(client.events()[0].data).error, {
      name: "Error",
      message: "no\nway",
    });
    assert.ok(!client.messages().some((m) => m.type === "error"));
  });

  it("sends a snapshot every snapshotMs while a pipeline is attached, and a : ping every heartbeatMs", async () => {
    const { tracker, pipeline } = makeFixture({ delays: false });
    const { app } = mount({ tracker, pipeline, snapshotMs: 50, heartbeatMs: 60 });
    const client = await open(app);
    const count = (type: string) => client.messages().filter((m) => m.type === type).length;
    const pings = () =>
      client.items.filter((i) => i.kind === "comment" && i.text === "ping").length;
    await client.waitFor(() => count("snapshot") >= 4 && pings() >= 3, "snapshots and pings");
    const bare = mount({ heartbeatMs: 50 });
    const withoutPipeline = await open(bare.app);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(withoutPipeline.messages().filter((m) => m.type === "snapshot").length, 1);
    assert.ok(withoutPipeline.items.some((i) => i.kind === "comment"));
  });

  it("drops metadata beyond error, errorType and attempt unless exposeValues is true", async () => {
    const metadata = { error: "boom", errorType: "Error", attempt: 2, value: { secret: 42 } };
    const event = new StatusEvent({
      itemId: 1,
      stage: "S",
      status: "failed",
      worker: "S-W0",
      timestamp: 5,
      metadata,
    });
    for (const exposeValues of [false, true]) {
      const { app, tracker } = mount({ exposeValues });
      const client = await open(app);
      tracker.dispatchEvent(new CustomEvent("status", { detail: event }));
      await client.waitFor(() => client.events().length === 1, "the event");
      const sent = JSON.parse(client.events()[0].data).metadata;
      assert.deepEqual(
        sent,
        exposeValues ? metadata : { error: "boom", errorType: "Error", attempt: 2 },
      );
    }
  });
});

describe("GET /events: resuming with Last-Event-ID", () => {
  it("replays exactly the events after the id (header or ?lastEventId=), after a snapshot", async () => {
    const { app, tracker } = mount({ replay: 100 });
    await open(app);
    emit(tracker, 10);
    const byHeader = await open(app, "/events", { "Last-Event-ID": "6" });
    const byQuery = await open(app, "/events?lastEventId=6");
    const headerWins = await open(app, "/events?lastEventId=2", { "Last-Event-ID": "8" });
    const fromZero = await open(app, "/events", { "Last-Event-ID": "0" });
    const upToDate = await open(app, "/events", { "Last-Event-ID": "10" });
    emit(tracker, 1, 10);
    for (
      const [client, first] of [[byHeader, 7], [byQuery, 7], [headerWins, 9], [fromZero, 1], [
        upToDate,
        11,
      ]] as const
    ) {
      await client.waitFor(() => idsOf(client).at(-1) === 11, "event 11");
      assert.equal(client.messages()[0].type, "snapshot");
      assert.deepEqual(idsOf(client), from(first, 11));
    }
  });

  it("sends reset + snapshot and no replay for a malformed id", async () => {
    const { app, tracker } = mount();
    await open(app);
    emit(tracker, 3);
    const bad = ["abc", "-1", "1.5", "1e3", "99999999999999999999", "0x2"];
    const cases: [string, Record<string, string> | undefined][] = [
      ...bad.map((id): [string, Record<string, string>] => ["/events", { "Last-Event-ID": id }]),
      ...[...bad, " 2", "٣"].map((id): [string, undefined] => [
        `/events?lastEventId=${encodeURIComponent(id)}`,
        undefined,
      ]),
    ];
    for (const [path, headers] of cases) {
      const client = await open(app, path, headers);
      const [reset, snapshot] = client.messages();
      assert.equal(reset.type, "reset", `reset for ${path} ${JSON.stringify(headers)}`);
      assert.deepEqual(JSON.parse(reset.data), { reason: "malformed", lastEventId: 3 });
      assert.equal(snapshot.type, "snapshot");
      await client.close();
      assert.equal(client.events().length, 0);
    }
  });

  it("sends reset 'expired' for an id older than the ring, 'unknown' for one newer than the newest", async () => {
    const { app, tracker } = mount({ replay: 5 });
    await open(app);
    emit(tracker, 12);
    const expired = await open(app, "/events", { "Last-Event-ID": "6" });
    const oldestResumable = await open(app, "/events", { "Last-Event-ID": "7" });
    const unknown = await open(app, "/events", { "Last-Event-ID": "13" });
    assert.deepEqual(JSON.parse(expired.messages()[0].data), {
      reason: "expired",
      lastEventId: 12,
    });
    assert.deepEqual(JSON.parse(unknown.messages()[0].data), {
      reason: "unknown",
      lastEventId: 12,
    });
    await oldestResumable.waitFor(() => oldestResumable.events().length === 5, "5 replayed");
    assert.deepEqual(idsOf(oldestResumable), [8, 9, 10, 11, 12]);
    emit(tracker, 1, 12);
    for (const client of [expired, unknown]) {
      await client.waitFor(() => client.events().length === 1, "the live event");
      assert.deepEqual(idsOf(client), [13], "no partial replay after a reset");
      assert.equal(client.messages()[1].type, "snapshot");
    }
  });

  it("stops listening after the last client has been gone a while; a later resume is reset, ids keep rising", async () => {
    const { app, tracker } = mount({ retryMs: 0 }); // lingers max(1000, 3 × retryMs) = 1000 ms
    assert.equal(tapCount(tracker), 0, "no subscription before the first client");
    const first = await open(app);
    emit(tracker, 3);
    await first.waitFor(() => first.events().length === 3, "3 events");
    await first.close();
    emit(tracker, 2, 3); // within the linger: still numbered (4, 5)
    assert.equal(tapCount(tracker), 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    emit(tracker, 1, 5); // after it: unsubscribes, this event is not numbered
    assert.equal(tapCount(tracker), 0);
    for (const type of EVENT_TYPES) assert.equal(tracker.listenerCount(type), 0);
    const resumed = await open(app, "/events", { "Last-Event-ID": "5" });
    assert.equal(resumed.messages()[0].type, "reset");
    assert.equal(JSON.parse(resumed.messages()[1].data).lastEventId, 6);
    emit(tracker, 1, 6);
    await resumed.waitFor(() => resumed.events().length === 1, "a live event");
    assert.deepEqual(idsOf(resumed), [7]);
  });
});

describe("GET /events: filters", () => {
  it("types, stage, status and item apply to replayed and live events; the stream starts with a snapshot", async () => {
    const { app, tracker } = mount();
    await open(app);
    const task = (id: number, stage: string) =>
      new TaskEvent({
        itemId: id,
        stage,
        taskName: "t",
        worker: "W-W0",
        eventType: "start",
        attempt: 1,
        timestamp: 1,
      });
    const dispatch = () => {
      emit(tracker, 4, 0, "A"); // items 0 queued, 1 failed, 2 queued, 3 failed
      emit(tracker, 2, 10, "B"); // 10 queued, 11 failed
      tracker.dispatchEvent(new CustomEvent("taskstart", { detail: task(1, "A") }));
      tracker.dispatchEvent(new CustomEvent("taskstart", { detail: task(11, "B") }));
    };
    dispatch(); // ids 1..8, replayed
    const cases: [string, number[]][] = [
      ["types=taskstart", [7, 8, 15, 16]],
      ["types=status,taskfail&stage=B", [5, 6, 13, 14]],
      ["status=failed", [2, 4, 6, 10, 12, 14]],
      ["status=queued,failed&stage=A", [1, 2, 3, 4, 9, 10, 11, 12]],
      ["item=11", [6, 8, 14, 16]],
      ["item=11&types=status", [6, 14]],
    ];
    const clients: SSEClient[] = [];
    for (const [query, _] of cases) {
      clients.push(await open(app, `/events?${query}`, { "Last-Event-ID": "0" }));
    }
    dispatch(); // ids 9..16, live
    for (const [index, [query, expected]] of cases.entries()) {
      const client = clients[index];
      await client.waitFor(() => idsOf(client).at(-1) === expected.at(-1), query);
      assert.equal(client.messages()[0].type, "snapshot");
      assert.deepEqual(idsOf(client), expected, query);
    }
  });

  it("answers 400 JSON { error, issues } naming the field for a bad filter", async () => {
    const { app } = mount();
    const cases: [string, string, RegExp][] = [
      ["types=status,nope", "types", /types must be a comma-separated list of status, taskstart/],
      ["types=", "types", /types .*got ""/],
      ["status=done", "status", /status must be a comma-separated list of queued.*got "done"/],
      ["stage=", "stage", /stage must be a stage name, got ""/],
      ["item=1&item=2", "item", /item must be given once/],
    ];
    for (const [query, field, message] of cases) {
      const response = await app.request(`/antflow/events?${query}`);
      assert.equal(response.status, 400, query);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      const body = await response.json();
      assert.match(body.error, message);
      assert.ok(Array.isArray(body.issues) && body.issues.length > 0);
      assert.equal(body.issues[0].path[0], field);
    }
  });
});

describe("GET /events: limits", () => {
  it("answers 503 JSON beyond maxClients, and frees the slot when a client leaves", async () => {
    const { app } = mount({ maxClients: 2 });
    const a = await open(app);
    await open(app);
    const refused = await app.request("/antflow/events");
    assert.equal(refused.status, 503);
    assert.match((await refused.json()).error, /maxClients is 2/);
    await a.close();
    await open(app);
  });

  it("answers HEAD with the headers only, holding no client slot", async () => {
    const { app } = mount({ maxClients: 1 });
    for (let i = 0; i < 3; i++) {
      const head = await app.request("/antflow/events", { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-type"), "text/event-stream");
      assert.equal(head.body, null);
    }
    await open(app);
  });

  it("errors the stream of a client still over maxBufferedEvents unread messages after a grace", async () => {
    const { app, tracker } = mount({ maxBufferedEvents: 10 });
    const response = await app.request("/antflow/events");
    const reader = response.body!.getReader();
    emit(tracker, 10); // 1 initial chunk + 10 events: one more than the bound
    await new Promise((resolve) => setTimeout(resolve, 400)); // the grace is 250 ms
    await assert.rejects(reader.read(), /slow SSE client: more than 10 messages/);
    const fine = await app.request("/antflow/events");
    emit(tracker, 9, 10); // exactly 10 queued: kept
    const fineReader = fine.body!.getReader();
    const { value } = await fineReader.read();
    assert.ok(value !== undefined && value.length > 0);
    await fineReader.cancel();
  });

  it("keeps a client that catches up within the grace, and cuts one four times over the bound at once", async () => {
    const { app, tracker } = mount({ maxBufferedEvents: 10 });
    const catching = (await app.request("/antflow/events")).body!.getReader();
    emit(tracker, 15); // over the bound for a moment (a burst)
    let text = ""; // then it reads everything (the burst may come in one chunk or several)
    const decoder = new TextDecoder();
    while ((text.match(/^id: /gm) ?? []).length < 15) {
      text += decoder.decode((await catching.read()).value, { stream: true });
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    emit(tracker, 1, 15);
    const { done } = await catching.read();
    assert.equal(done, false, "still connected after the grace");
    await catching.cancel();
    const silent = (await app.request("/antflow/events")).body!.getReader();
    emit(tracker, 41, 16); // more than 4 x 10 unread: cut off as soon as they are written
    await new Promise((resolve) => setTimeout(resolve, 20)); // events go out on a macrotask
    await assert.rejects(silent.read(), /slow SSE client/);
  });
});
