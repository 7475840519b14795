import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { delay, StatusTracker } from "../mod.ts";
import { type ClientMessage, subscribe } from "../src/client/mod.ts";
import { collect, isTrackerEvent, served, until } from "./support/client_fixtures.ts";
import { SSEHub } from "./support/client_sse_server.ts";

/** A `fetch` that answers every request with `body` (and records the requests). */
function fixedFetch(body: string | ReadableStream<Uint8Array> | null, init: ResponseInit = {}) {
  const requests: Request[] = [];
  const fetch = (input: string | URL | Request, requestInit?: RequestInit) => {
    requests.push(new Request(input, requestInit));
    return Promise.resolve(
      new Response(body, {
        headers: { "content-type": "text/event-stream" },
        ...init,
      }),
    );
  };
  return { fetch, requests };
}

const STATS = '{"queued":0,"in_progress":0,"completed":1,"failed":0,"retrying":0,' +
  '"skipped":0,"cancelled":0}';
const SNAPSHOT = `event: snapshot\ndata: {"stats":${STATS},"pipeline":null,"lastEventId":4}\n\n`;

describe("subscribe(): options", () => {
  it("rejects bad options with TypeError/RangeError naming the field and value", () => {
    const url = "http://127.0.0.1:1/events";
    assert.throws(() => subscribe(url, { types: ["status", "nope" as "status"] }), {
      name: "TypeError",
      message: /subscribe\(\): types must be one or an array of .*, got \["status","nope"\]/,
    });
    assert.throws(() => subscribe(url, { retryMs: -1 }), {
      name: "RangeError",
      message: /retryMs must be a finite number >= 0, got -1/,
    });
    assert.throws(() => subscribe(url, { maxRetries: 1.5 }), RangeError);
    assert.throws(() => subscribe(url, { idleTimeoutMs: 0 }), /idleTimeoutMs must be a number > 0/);
    assert.throws(() => subscribe(url, { status: "done" as "failed" }), /status .* got "done"/);
    assert.throws(() => subscribe(url, { fetch: 3 as never }), /fetch must be a function, got 3/);
    assert.throws(() => subscribe(url, { signal: {} as AbortSignal }), /signal must be an/);
    assert.throws(() => subscribe(url, { lastEventId: "a\nb" }), /lastEventId/);
    assert.throws(() => subscribe(url, { headers: [["a"]] as never }), /headers/);
    assert.throws(() => subscribe("not a url"), {
      name: "TypeError",
      message: /subscribe\(\): url must be an absolute http: or https: URL, got "not a url"/,
    });
  });

  it("turns filters into query parameters and sends Accept and Last-Event-ID", async () => {
    const { fetch, requests } = fixedFetch(SNAPSHOT);
    const stream = subscribe("http://example.test/antflow/events?x=1", {
      fetch,
      types: ["status", "taskfail"],
      stage: "Save",
      status: "failed",
      item: 42,
      lastEventId: 17,
      headers: { authorization: "Bearer t" },
    });
    await collect(stream, (m) => m.length === 1);
    const request = requests[0];
    const url = new URL(request.url);
    assert.equal(url.searchParams.get("x"), "1");
    assert.equal(url.searchParams.get("types"), "status,taskfail");
    assert.equal(url.searchParams.get("stage"), "Save");
    assert.equal(url.searchParams.get("status"), "failed");
    assert.equal(url.searchParams.get("item"), "42");
    assert.equal(request.headers.get("accept"), "text/event-stream");
    assert.equal(request.headers.get("last-event-id"), "17");
    assert.equal(request.headers.get("authorization"), "Bearer t");
  });
});

describe("subscribe(): messages", () => {
  it("yields a snapshot, then every tracker event of a real run, typed and in order", async () => {
    const s = await served();
    try {
      const stream = subscribe(s.url);
      let finished = false;
      const run = (async () => {
        await until(() => s.hub.connections === 1, 5000, "the connection");
        await s.pipeline.run(Array.from({ length: 20 }, (_, i) => i));
        finished = true;
      })();
      const messages = await collect(
        stream,
        (m) => finished && m.filter(isTrackerEvent).length === s.hub.events.length,
      );
      await run;
      assert.equal(messages[0].type, "snapshot");
      const events = messages.filter(isTrackerEvent);
      assert.deepEqual(
        events.map((m) => [m.id, m.type, m.event]),
        s.hub.events.map((e) => [String(e.id), e.type, e.json]),
      );
      const types = new Set<string>(events.map((m) => m.type));
      for (const type of ["status", "taskstart", "taskcomplete", "taskretry", "taskfail"]) {
        assert.ok(types.has(type), `saw ${type}`);
      }
    } finally {
      await s.close();
    }
  });

  it("reports a malformed message as an error message with the raw text, and goes on", async () => {
    const body = SNAPSHOT +
      "event: status\nid: 5\ndata: {not json\n\n" +
      'event: status\nid: 6\ndata: {"itemId":1}\n\n' +
      'event: taskstart\nid: 7\ndata: {"itemId":1,"stage":"S","taskName":"t","worker":null,' +
      '"eventType":"fail","attempt":1,"timestamp":1}\n\n' +
      "event: snapshot\ndata: []\n\n" +
      "event: mystery\ndata: {}\n\n" +
      "data: plain message\n\n" +
      'event: status\nid: 8\ndata: {"itemId":1,"stage":"S","status":"queued","worker":null,' +
      '"timestamp":5,"metadata":{},"workerId":null}\n\n';
    const { fetch } = fixedFetch(body, { status: 200 });
    const messages = await collect(subscribe("http://x.test/e", { fetch }), (m) => m.length === 6);
    assert.deepEqual(messages.map((m) => m.type), [
      "snapshot",
      "error",
      "error",
      "error",
      "error",
      "status",
    ]);
    const [, json, shape, mismatch, snapshot] = messages as Extract<
      ClientMessage,
      { type: "error" }
    >[];
    assert.equal(json.error.name, "SyntaxError");
    assert.equal(json.raw, "{not json");
    assert.equal(json.event, "status");
    assert.equal(shape.error.name, "TypeError");
    assert.match(shape.error.message, /"status" message has a bad shape at stage/);
    assert.match(mismatch.error.message, /"taskstart" message carries a task event of type "fail"/);
    assert.equal(snapshot.raw, "[]");
    const last = messages[5] as Extract<ClientMessage, { type: "status" }>;
    assert.equal(last.id, "8");
    assert.equal(last.event.status, "queued");
  });
});

describe("subscribe(): HTTP outcomes", () => {
  it("HTTP 204 closes the stream normally and does not reconnect", async () => {
    const { fetch, requests } = fixedFetch(null, { status: 204 });
    const messages = await collect(
      subscribe("http://x.test/e", { fetch, retryMs: 1 }),
      () => false,
    );
    assert.deepEqual(messages, []);
    await delay(30);
    assert.equal(requests.length, 1);
  });

  it("HTTP 500 fails the stream with an error naming the URL and the status", async () => {
    const s = await served();
    s.hub.override = () =>
      new Response("boom", { status: 500, statusText: "Internal Server Error" });
    try {
      const reader = subscribe(s.url).getReader();
      await assert.rejects(reader.read(), (error: Error) => {
        assert.match(error.message, /subscribe\(\): http:\/\/127\.0\.0\.1:\d+\/antflow\/events/);
        assert.match(error.message, /HTTP 500 Internal Server Error/);
        return true;
      });
      assert.equal(s.hub.resumedFrom.length, 1);
    } finally {
      await s.close();
    }
  });

  it("a wrong content type fails the stream with an error naming it", async () => {
    const { fetch } = fixedFetch("{}", { headers: { "content-type": "application/json" } });
    const reader = subscribe("http://x.test/e", { fetch }).getReader();
    await assert.rejects(reader.read(), {
      name: "TypeError",
      message:
        'subscribe(): http://x.test/e answered with content type "application/json", expected text/event-stream',
    });
  });

  it("gives up after maxRetries failed connections, naming the URL and the last error", async () => {
    let calls = 0;
    const fetch = () => {
      calls++;
      return Promise.reject(new TypeError("connection refused"));
    };
    const reader = subscribe("http://x.test/e", { fetch, retryMs: 1, maxRetries: 2 }).getReader();
    await assert.rejects(reader.read(), {
      message: /http:\/\/x\.test\/e failed \(3 attempts in a row\): TypeError: connection refused/,
    });
    assert.equal(calls, 3);
  });
});

describe("subscribe(): stopping", () => {
  it("aborting the signal ends the stream and the server connection at once", async () => {
    const s = await served();
    try {
      const controller = new AbortController();
      const reader = subscribe(s.url, { signal: controller.signal }).getReader();
      assert.equal((await reader.read()).value?.type, "snapshot");
      const pending = reader.read();
      const start = performance.now();
      controller.abort();
      assert.equal((await pending).done, true);
      assert.ok(performance.now() - start < 1500);
      await until(() => s.hub.connections === 0, 3000, "the server to see the connection close");
    } finally {
      await s.close();
    }
  });

  it("cancelling the stream (a for-await break) closes the server connection", async () => {
    const s = await served();
    try {
      for await (const message of subscribe(s.url)) {
        assert.equal(message.type, "snapshot");
        break;
      }
      await until(() => s.hub.connections === 0, 3000, "the server to see the connection close");
    } finally {
      await s.close();
    }
  });

  it("an already aborted signal gives a closed stream without a request", async () => {
    const { fetch, requests } = fixedFetch(SNAPSHOT);
    const reader = subscribe("http://x.test/e", { fetch, signal: AbortSignal.abort() }).getReader();
    assert.equal((await reader.read()).done, true);
    assert.equal(requests.length, 0);
  });

  it("aborting during the reconnection wait clears the timer at once", async () => {
    const controller = new AbortController();
    let calls = 0;
    const fetch = () => {
      calls++;
      return Promise.reject(new TypeError("down"));
    };
    const reader = subscribe("http://x.test/e", {
      fetch,
      signal: controller.signal,
      retryMs: 60_000,
      maxRetryMs: 60_000,
    }).getReader();
    const pending = reader.read();
    await until(() => calls === 1, 3000, "the first attempt");
    await delay(20);
    const timersBefore = activeTimers();
    controller.abort();
    assert.equal((await pending).done, true);
    if (timersBefore !== undefined) assert.ok(activeTimers()! < timersBefore, "timer cleared");
    assert.equal(calls, 1);
  });

  it("an in-memory hub sees its stream cancelled when the subscriber aborts", async () => {
    const tracker = new StatusTracker();
    const hub = new SSEHub({ tracker });
    const controller = new AbortController();
    const reader = subscribe("http://hub.test/events", {
      fetch: hub.fetch,
      signal: controller.signal,
    })
      .getReader();
    await reader.read();
    assert.equal(hub.connections, 1);
    controller.abort();
    await until(() => hub.connections === 0, 2000, "the cancel");
    hub.close();
  });
});

/** Timers alive in this process, where the runtime tells reliably (Node); else undefined. */
function activeTimers(): number | undefined {
  const proc = (globalThis as {
    process?: { getActiveResourcesInfo?: () => string[] };
  }).process;
  const other = "Deno" in globalThis || "Bun" in globalThis;
  if (other || proc?.getActiveResourcesInfo === undefined) return undefined;
  return proc.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}
