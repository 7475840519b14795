import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { antflowRoutes } from "../src/hono/mod.ts";
import { DASHBOARD_SCRIPT } from "../src/hono/dashboard_script.ts";
import { makeFixture, range } from "./support/hono_fixture.ts";

// What the dashboard page needs from the server, on every runtime: the latency and runs data,
// and a page that is self-contained. The page itself is exercised in Chromium
// (tests/hono_dashboard_test.ts, tests/hono_dashboard_load_test.ts).

function mount(options: Parameters<typeof antflowRoutes>[0]): Hono {
  const app = new Hono();
  app.route("/antflow", antflowRoutes(options));
  return app;
}

async function getJSON(app: Hono, path: string): Promise<Record<string, unknown>> {
  const response = await app.request(path);
  assert.equal(response.status, 200, path);
  assert.equal(response.headers.get("cache-control"), "no-store");
  return await response.json();
}

describe("the dashboard's data", () => {
  it("GET /latency is tracker.getLatency(): p50/p95/p99 per stage and per task", async () => {
    const { tracker, pipeline } = makeFixture(); // it listens to task events: task durations too
    await pipeline.run(range(200));
    const app = mount({ tracker, pipeline });
    const latency = await getJSON(app, "/antflow/latency") as unknown as ReturnType<
      typeof tracker.getLatency
    >;
    assert.equal(latency.windowMs, 60_000);
    assert.deepEqual(Object.keys(latency.stages), ["Fetch", "Parse", "Save"]);
    assert.deepEqual(Object.keys(latency.tasks), ["Fetch", "Parse", "Save"]);
    assert.deepEqual(Object.keys(latency.tasks.Parse), ["parse", "check"]);
    const fetch = latency.stages.Fetch;
    assert.equal(fetch.count, 200, "every item's visit of Fetch, the failed ones included");
    for (const key of ["p50", "p95", "p99", "max", "mean"] as const) {
      assert.equal(typeof fetch[key], "number", key);
      assert.equal(typeof fetch.recent[key], "number", `recent.${key}`);
    }
    assert.ok(fetch.p50! <= fetch.p95! && fetch.p95! <= fetch.p99! && fetch.p99! <= fetch.max!);
    const now = tracker.getLatency();
    assert.deepEqual(latency.stages.Save.count, now.stages.Save.count);
  });

  it("the snapshot carries the runs and the latency, in GET /snapshot and in the summary stream", async () => {
    const { tracker, pipeline } = makeFixture({ delays: false });
    await pipeline.run(range(30));
    const app = mount({ tracker, pipeline });
    const snapshot = await getJSON(app, "/antflow/snapshot");
    assert.deepEqual(snapshot.runs, tracker.getRuns());
    assert.equal(
      (snapshot.latency as { stages: { Save: { count: number } } }).stages.Save.count,
      tracker.getLatency().stages.Save.count,
    );
    const abort = new AbortController();
    const response = await app.request("/antflow/events?mode=summary", { signal: abort.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n\n")) text += (await reader.read()).value;
    await reader.cancel();
    abort.abort();
    const data = JSON.parse(/^data: (.*)$/m.exec(text)![1]);
    assert.deepEqual(data.runs, tracker.getRuns());
    assert.ok(data.latency.stages.Fetch.count > 0);
  });

  it("before any run: no runs, empty latency", async () => {
    const { tracker, pipeline } = makeFixture();
    const snapshot = await getJSON(mount({ tracker, pipeline }), "/antflow/snapshot");
    assert.deepEqual(snapshot.runs, []);
    assert.deepEqual(snapshot.latency, { windowMs: 60_000, stages: {}, tasks: {} });
  });
});

describe("the dashboard page", () => {
  it("is self-contained: no external URL, stylesheet or script", async () => {
    const { tracker } = makeFixture();
    const html = await (await mount({ tracker }).request("/antflow")).text();
    // (url(#…) is an SVG clip path inside the page; the SVG namespace is a name, not a fetch.)
    for (
      const external of [
        /\b(src|href)\s*=/i,
        /@import|url\((?!#)/i,
        /https?:\/\/(?!www\.w3\.org\/2000\/svg")/,
      ]
    ) {
      assert.equal(external.exec(html)?.[0], undefined, String(external));
    }
    assert.equal(html.match(/<script\b/g)!.length, 1);
    assert.equal(html.match(/<\/script/gi)!.length, 1, "nothing in the script can end it early");
  });

  it("its script is one valid strict-mode program", () => {
    assert.doesNotThrow(() => new Function(DASHBOARD_SCRIPT));
    assert.ok(DASHBOARD_SCRIPT.startsWith('"use strict";'));
    assert.doesNotMatch(DASHBOARD_SCRIPT, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
