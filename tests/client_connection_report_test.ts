import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { StatusTracker } from "../mod.ts";
import {
  type ConnectionErrorDetail,
  type ConnectionOpenDetail,
  RemoteTracker,
} from "../src/client/mod.ts";
import { until } from "./support/client_fixtures.ts";
import { serve } from "./support/client_http.ts";
import { SSEHub } from "./support/client_sse_server.ts";

const URL_ = "http://hub.test/antflow/events";
const REFUSED = "fetch failed: connect ECONNREFUSED 127.0.0.1:9";

/** Captures `console.error` lines while `body` runs. */
async function capturingConsole(body: (lines: string[]) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    lines.push(args.map((a) => (a instanceof Error ? a.stack : String(a))).join(" "));
  };
  try {
    await body(lines);
  } finally {
    console.error = original;
  }
  return lines;
}

/** A hub served through a fetch that can be switched off (it then rejects as a refused connection). */
function switchableHub() {
  const hub = new SSEHub({ tracker: new StatusTracker(), retryMs: 5 });
  const state = { online: false, attempts: 0 };
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    state.attempts++;
    if (state.online) return hub.fetch(input, init);
    const cause = new Error("connect ECONNREFUSED 127.0.0.1:9");
    return Promise.reject(new TypeError("fetch failed", { cause }));
  };
  return { hub, state, fetch };
}

describe("RemoteTracker: connection failures", () => {
  it("without a listener, reports each outage once on console.error, as a failure to connect, and keeps retrying", async () => {
    const { hub, state, fetch } = switchableHub();
    const lines = await capturingConsole(async (lines) => {
      const remote = new RemoteTracker(URL_, { fetch, retryMs: 5, maxRetryMs: 20 });
      try {
        await until(() => state.attempts >= 6, 5000, "six attempts");
        assert.deepEqual(lines, [
          `RemoteTracker: could not connect to ${URL_}: ${REFUSED}; retrying until it connects`,
        ]);
        state.online = true;
        await remote.ready;
        // The connection drops and cannot come back: a new outage, reported again (once).
        state.online = false;
        const before = state.attempts;
        hub.dropAll();
        await until(() => state.attempts >= before + 5, 5000, "five more attempts");
        assert.equal(lines.length, 2, lines.join("\n"));
        state.online = true;
        await until(() => hub.connections === 1, 5000, "the reconnection");
      } finally {
        await remote.close();
        hub.close();
      }
    });
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.equal(lines[1], lines[0]);
    assert.ok(!lines.some((line) => /threw|item is unaffected/.test(line)), lines.join("\n"));
  });

  it("dispatches connectionerror for every failed attempt and open when it connects, and writes nothing", async () => {
    const { hub, state, fetch } = switchableHub();
    const failures: ConnectionErrorDetail[] = [];
    const opened: ConnectionOpenDetail[] = [];
    const lines = await capturingConsole(async () => {
      const remote = new RemoteTracker(URL_, { fetch, retryMs: 5, maxRetryMs: 20 });
      remote.addEventListener("connectionerror", (e) => failures.push(e.detail));
      remote.addEventListener("open", (e) => opened.push(e.detail));
      assert.equal(remote.listenerCount("connectionerror"), 1);
      try {
        await until(() => failures.length >= 4, 5000, "four failures");
        state.online = true;
        await remote.ready;
        await until(() => opened.length === 1, 5000, "open");
      } finally {
        await remote.close();
        hub.close();
      }
    });
    assert.deepEqual(lines, []);
    const n = failures.length;
    assert.deepEqual(failures.map((f) => f.attempt), Array.from({ length: n }, (_, i) => i + 1));
    for (const failure of failures) {
      assert.equal(failure.url, URL_);
      assert.equal(failure.message, `could not connect to ${URL_}: ${REFUSED}`);
      assert.ok(failure.error instanceof TypeError);
      assert.ok(failure.retryInMs !== null && failure.retryInMs >= 0 && failure.retryInMs <= 20);
    }
    assert.deepEqual(opened, [{ url: URL_, failedAttempts: n }]);
  });

  it("a connectionerror listener added with a signal is not called once the signal aborted", async () => {
    const { hub, state, fetch } = switchableHub();
    const controller = new AbortController();
    let withSignal = 0;
    let always = 0;
    const remote = new RemoteTracker(URL_, { fetch, retryMs: 5, maxRetryMs: 10 });
    remote.addEventListener("connectionerror", () => withSignal++, { signal: controller.signal });
    remote.addEventListener("connectionerror", () => always++);
    try {
      await until(() => withSignal >= 2, 5000, "two failures");
      controller.abort();
      assert.equal(remote.listenerCount("connectionerror"), 1);
      const seen = withSignal;
      const before = state.attempts;
      await until(() => state.attempts >= before + 3 && always >= seen + 3, 5000, "three more");
      assert.equal(withSignal, seen);
    } finally {
      await remote.close();
      hub.close();
    }
  });

  it("gives up after maxRetries: the last report says so, and closed rejects", async () => {
    const { hub, fetch } = switchableHub();
    const failures: ConnectionErrorDetail[] = [];
    const withListener = new RemoteTracker(URL_, { fetch, retryMs: 1, maxRetries: 2 });
    withListener.addEventListener("connectionerror", (e) => failures.push(e.detail));
    await assert.rejects(withListener.closed, /failed \(3 attempts in a row\)/);
    assert.deepEqual(failures.map((f) => [f.attempt, f.retryInMs === null]), [
      [1, false],
      [2, false],
      [3, true],
    ]);
    const lines = await capturingConsole(async () => {
      const remote = new RemoteTracker(URL_, { fetch, retryMs: 1, maxRetries: 2 });
      await assert.rejects(remote.closed, /failed \(3 attempts in a row\)/);
    });
    assert.deepEqual(lines, [
      `RemoteTracker: could not connect to ${URL_}: ${REFUSED}; retrying until it connects`,
      `RemoteTracker: could not connect to ${URL_}: ${REFUSED}; giving up`,
    ]);
    hub.close();
  });

  it("an HTTP error is reported once, on the console without a listener, and gives up", async () => {
    const hub = new SSEHub({ tracker: new StatusTracker() });
    hub.override = () => new Response("no", { status: 503, statusText: "Service Unavailable" });
    const lines = await capturingConsole(async () => {
      const remote = new RemoteTracker(URL_, { fetch: hub.fetch });
      await assert.rejects(remote.closed, /answered HTTP 503/);
    });
    assert.deepEqual(lines, [
      `RemoteTracker: could not connect to ${URL_}: answered HTTP 503 Service Unavailable, ` +
      "expected 200; giving up",
    ]);
    hub.close();
  });

  it("a malformed message without an error listener is one console line naming the URL", async () => {
    const stats = '{"queued":0,"in_progress":0,"completed":0,"failed":0,"retrying":0,' +
      '"skipped":0,"cancelled":0}';
    const body = `event: snapshot\ndata: {"stats":${stats},"pipeline":null,"lastEventId":0}\n\n` +
      "event: status\nid: 1\ndata: oops\n\n";
    let calls = 0;
    const fetch = () =>
      Promise.resolve(
        calls++ === 0
          ? new Response(body, { headers: { "content-type": "text/event-stream" } })
          : new Response(null, { status: 204 }),
      );
    const lines = await capturingConsole(async () => {
      const remote = new RemoteTracker(URL_, { fetch, retryMs: 1 });
      await remote.closed;
    });
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0],
      /^RemoteTracker: skipped a "status" message from http:\/\/hub\.test\/antflow\/events: a "status" message is not valid JSON/,
    );
  });

  it("with the real fetch and no server, says it cannot connect within 5 s", async () => {
    const server = await serve(() => new Response("gone"));
    const url = `${server.origin}/antflow/events`;
    await server.close(); // nothing listens on that port any more
    const started = performance.now();
    const lines = await capturingConsole(async (lines) => {
      const remote = new RemoteTracker(url, { retryMs: 50, maxRetryMs: 200 });
      try {
        await until(() => lines.length > 0, 5000, "the report");
        await new Promise((resolve) => setTimeout(resolve, 600)); // several more attempts
      } finally {
        await remote.close();
      }
    });
    assert.ok(performance.now() - started < 5000 + 1000);
    assert.equal(lines.length, 1, lines.join("\n"));
    const escaped = url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    assert.match(
      lines[0],
      new RegExp(
        `^RemoteTracker: could not connect to ${escaped}: .+; retrying until it connects$`,
      ),
    );
  });
});
