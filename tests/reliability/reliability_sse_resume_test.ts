import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { StatusEvent, StatusTracker } from "../../mod.ts";
import { antflowRoutes } from "../../src/hono/mod.ts";
import { currentRuntime, startServer } from "../support/hono_servers.ts";
import { openSSE } from "../support/hono_sse_client.ts";
import { openParsedRawStream, type ParsedRawStream } from "./support/reliability_sse_sinks.ts";

const runtime = currentRuntime();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** `Last-Event-ID` values that are not a resumable id, and the `reset` reason each must get. */
const MALFORMED: [string, string][] = [
  ["abc", "malformed"],
  ["-1", "malformed"],
  ["99999999999999999999", "malformed"], // 20 digits
  ["9007199254740993", "malformed"], // 16 digits, above Number.MAX_SAFE_INTEGER
  ["7".repeat(1000), "malformed"],
  ["1.5", "malformed"],
  ["2.0", "malformed"],
  ["1e3", "malformed"],
  ["0x2", "malformed"],
  ["+1", "malformed"],
  ["NaN", "malformed"],
  ["Infinity", "malformed"],
  ["1 2", "malformed"],
  ["1\t2", "malformed"],
  ["1, 2", "malformed"],
  ["٣", "malformed"], // ARABIC-INDIC DIGIT THREE
  ["３", "malformed"], // FULLWIDTH DIGIT THREE
  ["𝟑", "malformed"], // MATHEMATICAL BOLD DIGIT THREE (outside the BMP)
  ["2😀", "malformed"],
  ["999999999999999", "unknown"], // well formed, but newer than the newest id
];

/** Only a query string can carry these (HTTP trims header values and forbids CR, LF and NUL). */
const QUERY_ONLY: string[] = [" 2", "2 ", "\t2", "\n2", "2\r\n", "2\0", "\u00a02", "\u20282"];

function tick(tracker: StatusTracker, itemId: number): void {
  tracker.dispatchEvent(
    new CustomEvent("status", {
      detail: new StatusEvent({ itemId, stage: "S", status: "queued" }),
    }),
  );
}

describe(`malformed Last-Event-ID on a real ${runtime} server`, () => {
  it("header or ?lastEventId= query: always 200 with reset + snapshot, then live events only — no exception, no 500, no hang", async () => {
    const tracker = new StatusTracker();
    const app = new Hono();
    app.route("/antflow", antflowRoutes({ tracker, maxClients: 200 }));
    const server = await startServer(app.fetch);
    cleanups.push(() => server.close());
    const url = `${server.url}/antflow/events`;
    // A client that keeps the hub listening, so the first events are numbered 1, 2, 3.
    const anchor = await openSSE(url);
    cleanups.push(() => anchor.close());
    await anchor.waitFor(() => anchor.messages().length > 0, "the anchor's snapshot");
    for (let i = 0; i < 3; i++) tick(tracker, i);
    await anchor.waitFor(() => anchor.events().length === 3, "3 events");

    const cases: { what: string; reason: string; stream: ParsedRawStream }[] = [];
    const open = (what: string, reason: string, path: string, headerLines: string[]) => {
      const stream = openParsedRawStream(`${url}${path}`, headerLines);
      cleanups.push(() => stream.stream.destroy());
      cases.push({ what, reason, stream });
    };
    for (const [value, reason] of MALFORMED) {
      // Raw bytes on the wire: fetch() would refuse non-ASCII header values.
      open(`header ${JSON.stringify(value)}`, reason, "", [`Last-Event-ID: ${value}`]);
      open(
        `query ${JSON.stringify(value)}`,
        reason,
        `?lastEventId=${encodeURIComponent(value)}`,
        [],
      );
    }
    for (const value of QUERY_ONLY) {
      open(
        `query ${JSON.stringify(value)}`,
        "malformed",
        `?lastEventId=${encodeURIComponent(value)}`,
        [],
      );
    }
    open("the header twice", "malformed", "", ["Last-Event-ID: 1", "Last-Event-ID: 2"]);
    open("a bad header and a good query (the header wins)", "malformed", "?lastEventId=1", [
      "Last-Event-ID: x",
    ]);

    for (const { what, reason, stream } of cases) {
      const head = await stream.stream.head;
      assert.equal(head.status, 200, `${what}: status`);
      assert.equal(head.headers.get("content-type"), "text/event-stream", what);
      await stream.waitFor(() => stream.messages.length >= 2, `${what}: reset + snapshot`);
      const [reset, snapshot] = stream.messages;
      assert.equal(reset.type, "reset", `${what}: the first message`);
      assert.deepEqual(JSON.parse(reset.data), { reason, lastEventId: 3 }, what);
      assert.equal(snapshot.type, "snapshot", `${what}: the second message`);
      assert.equal(JSON.parse(snapshot.data).lastEventId, 3, what);
    }

    // Then live events, and no replay of 1..3.
    tick(tracker, 3);
    tick(tracker, 4);
    for (const { what, stream } of cases) {
      const events = () => stream.messages.filter((m) => m.id !== undefined);
      await stream.waitFor(() => events().length === 2, `${what}: the live events`);
      assert.deepEqual(events().map((m) => m.id), ["4", "5"], what);
      assert.equal(stream.messages.length, 4, `${what}: nothing else`);
    }
    const stats = await fetch(`${server.url}/antflow/stats`);
    assert.equal(stats.status, 200, "the server still answers");
    assert.equal(typeof (await stats.json()).queued, "number");
  });
});
