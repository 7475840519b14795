import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { Pipeline, Stage, StatusEvent, StatusTracker } from "../mod.ts";
import { antflowRoutes, type AntflowRoutesOptions } from "../src/hono/mod.ts";
import { trackerSink } from "../src/tracker/status_tracker.ts";
import { expectedFailures, makeFixture, range } from "./support/hono_fixture.ts";

function mount(options: AntflowRoutesOptions, at = "/antflow"): Hono {
  const app = new Hono();
  app.route(at, antflowRoutes(options));
  return app;
}

async function getJSON(app: Hono, path: string, status = 200): Promise<unknown> {
  const response = await app.request(path);
  assert.equal(response.status, status, path);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal(response.headers.get("cache-control"), "no-store");
  return await response.json();
}

describe("antflowRoutes() options", () => {
  const tracker = new StatusTracker();
  const cases: [Record<string, unknown>, ErrorConstructor, RegExp][] = [
    [{}, TypeError, /antflowRoutes: tracker must be a StatusTracker, got undefined/],
    [{ tracker: {} }, TypeError, /tracker must be a StatusTracker, got \{\}/],
    [{ tracker, pipeline: {} }, TypeError, /pipeline must be a Pipeline .*got \{\}/],
    [{ tracker, replay: 0 }, RangeError, /replay must be an integer >= 1, got 0/],
    [{ tracker, replay: "5" }, TypeError, /replay must be an integer >= 1, got "5"/],
    [
      { tracker, heartbeatMs: 49 },
      RangeError,
      /heartbeatMs must be a number of ms in \[50, .*got 49/,
    ],
    [{ tracker, snapshotMs: NaN }, RangeError, /snapshotMs .*got NaN/],
    [{ tracker, retryMs: -1 }, RangeError, /retryMs must be an integer >= 0, got -1/],
    [{ tracker, maxBufferedEvents: 1.5 }, RangeError, /maxBufferedEvents must be an integer >= 1/],
    [{ tracker, maxClients: 0 }, RangeError, /maxClients must be an integer >= 1, got 0/],
    [{ tracker, exposeValues: "yes" }, TypeError, /exposeValues must be a boolean, got "yes"/],
  ];
  for (const [options, type, message] of cases) {
    it(`rejects ${JSON.stringify(options, (k, v) => k === "tracker" ? "<tracker>" : Number.isNaN(v) ? "NaN" : v)}`, () => {
      assert.throws(() => antflowRoutes(options as unknown as AntflowRoutesOptions), (error) => {
        assert.ok(error instanceof type, `${error} is a ${type.name}`);
        assert.match((error as Error).message, message);
        return true;
      });
    });
  }

  it("accepts the smallest values (heartbeatMs and snapshotMs 50, replay 1)", () => {
    const options = { tracker, heartbeatMs: 50, snapshotMs: 50, replay: 1, retryMs: 0 };
    assert.ok(antflowRoutes(options) instanceof Hono);
  });
});

describe("antflowRoutes() JSON endpoints", () => {
  it("GET /snapshot, /stats, /workers and /errors describe a finished run", async () => {
    const { tracker, pipeline } = makeFixture({ delays: false });
    await pipeline.run(range(120));
    const app = mount({ tracker, pipeline });
    const snapshot = await getJSON(app, "/antflow/snapshot") as Record<string, never>;
    assert.deepEqual(Object.keys(snapshot), [
      "stats",
      "pipeline",
      "lastEventId",
      "errors",
      "runs",
      "latency",
    ]);
    assert.deepEqual(snapshot.stats, tracker.getStats());
    assert.equal(snapshot.lastEventId, 0);
    const pipelineJSON = snapshot.pipeline as Record<string, Record<string, unknown>>;
    assert.equal(pipelineJSON.pipelineStats.itemsProcessed, 120 - expectedFailures(120));
    assert.deepEqual(await getJSON(app, "/antflow/stats"), tracker.getStats());
    const workers = await getJSON(app, "/antflow/workers") as Record<string, { status: string }>;
    assert.deepEqual(Object.keys(workers), Object.keys(pipeline.getWorkerStates()));
    assert.ok(Object.values(workers).every((w) => w.status === "idle"));
    const errors = await getJSON(app, "/antflow/errors") as Record<string, unknown>;
    const summary = tracker.getErrorSummary();
    assert.deepEqual(
      errors,
      JSON.parse(JSON.stringify({
        totalFailed: summary.totalFailed,
        errorsByType: summary.errorsByType,
        errorsByStage: summary.errorsByStage,
        failedItems: summary.failedItems,
      })),
    );
    assert.equal(errors.totalFailed, expectedFailures(120));
    assert.deepEqual(snapshot.errors, errors, "the snapshot carries the same error summary");
  });

  it("without a pipeline: snapshot.pipeline is null and /workers is {}", async () => {
    const app = mount({ tracker: new StatusTracker() });
    assert.equal((await getJSON(app, "/antflow/snapshot") as { pipeline: null }).pipeline, null);
    assert.deepEqual(await getJSON(app, "/antflow/workers"), {});
  });

  it("GET /items/:id matches String(itemId) for number and string ids, else 404 JSON", async () => {
    const tracker = new StatusTracker();
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: string | number) => x] })],
      statusTracker: tracker,
    });
    await pipeline.run(["a", "b"], { idOf: (x: string) => `id-${x}` });
    await pipeline.run([1], { idOf: () => 7 });
    await pipeline.run(["x y"], { idOf: () => "x y/z" });
    const byNumber = await getJSON(app(), "/antflow/items/7") as { status: string }[];
    assert.ok(Array.isArray(byNumber), "the body is the history itself");
    assert.deepEqual(byNumber.map((e) => e.status), ["queued", "in_progress", "completed"]);
    assert.deepEqual(byNumber, JSON.parse(JSON.stringify(tracker.getHistory(7))));
    const byString = await getJSON(app(), "/antflow/items/id-b") as { itemId: string }[];
    assert.deepEqual(byString.map((e) => e.itemId), ["id-b", "id-b", "id-b"]);
    const encoded = await getJSON(app(), `/antflow/items/${encodeURIComponent("x y/z")}`);
    assert.equal((encoded as { itemId: string }[])[0].itemId, "x y/z");
    for (const unknown of ["8", "07", "7.0", "id-c"]) {
      const body = await getJSON(app(), `/antflow/items/${unknown}`, 404) as { error: string };
      assert.match(body.error, new RegExp(`no tracked item has id ${unknown}`));
    }

    function app(): Hono {
      return mount({ tracker, pipeline });
    }
  });

  it("GET /items/:id hides metadata beyond error, errorType and attempt unless exposeValues", async () => {
    const metadata = { error: "e", errorType: "Error", attempt: 1, value: "secret" };
    for (const exposeValues of [false, true]) {
      const tracker = new StatusTracker();
      // A producer other than the engine (e.g. a remote tracker) may attach more metadata.
      await trackerSink(tracker).ingestStatus(
        new StatusEvent({
          itemId: 1,
          stage: "S",
          status: "failed",
          worker: "W",
          timestamp: 5,
          metadata,
        }),
        true,
      );
      const app = mount({ tracker, exposeValues });
      const history = await getJSON(app, "/antflow/items/1") as { metadata: unknown }[];
      const expected = exposeValues ? metadata : { error: "e", errorType: "Error", attempt: 1 };
      assert.deepEqual(history[0].metadata, expected);
    }
  });
});

describe("antflowRoutes() dashboard", () => {
  it("GET / is a self-contained HTML page with a per-response CSP nonce", async () => {
    const app = mount({ tracker: new StatusTracker() });
    const first = await app.request("/antflow");
    const second = await app.request("/antflow");
    for (const response of [first, second]) {
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    }
    const html = await first.text();
    const csp = first.headers.get("content-security-policy")!;
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1];
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    assert.ok(html.includes(`<script nonce="${nonce}">`));
    assert.ok(html.includes(`<style nonce="${nonce}">`));
    assert.notEqual(second.headers.get("content-security-policy"), csp, "a new nonce each time");
    assert.doesNotMatch(html, /\b(src|href)=/, "no external assets");
    assert.doesNotMatch(html, /innerHTML|insertAdjacentHTML|document\.write/, "text only");
    assert.match(html, /var FEED_PATH = "events\?mode=summary";/, "the summary stream");
    assert.match(html, /fetch\(base \+ FEED_PATH/, "its URL is relative to the page");
  });

  it("serves under any mount path, root included", async () => {
    for (const at of ["/", "/a/b/antflow"]) {
      const app = mount({ tracker: new StatusTracker() }, at);
      assert.equal((await app.request(at)).status, 200, at);
      assert.equal((await app.request(`${at === "/" ? "" : at}/stats`)).status, 200, at);
    }
  });

  it("serves the dashboard at <mount>/ too, redirects other paths' slash, leaves the rest alone", async () => {
    const app = mount({ tracker: new StatusTracker() });
    app.get("/antflow/custom", (c) => c.text("mine"));
    const slash = await app.request("/antflow/?x=1");
    assert.equal(slash.status, 200);
    assert.match(await slash.text(), /<title>AntFlow dashboard<\/title>/);
    const nested = mount({ tracker: new StatusTracker() }, "/a/b");
    assert.equal((await nested.request("/a/b/")).status, 200);
    assert.equal((await nested.request("/a/")).status, 404);
    assert.equal((await app.request("/antflow/stats/")).headers.get("location"), "../stats");
    assert.equal(await (await app.request("/antflow/custom")).text(), "mine");
    assert.equal((await app.request("/antflow/nope")).status, 404);
  });
});
