import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { BrowserContext, Page } from "playwright-core";
import { Pipeline, Stage, StatusTracker } from "../mod.ts";
import { antflowRoutes } from "../src/hono/mod.ts";
import { demoFailures, demoPipeline, openPage } from "./support/hono_dashboard_page.ts";
import { currentRuntime, startServer } from "./support/hono_servers.ts";
import { chromiumMissing, launchChromium } from "./support/sandboxes.ts";

// The dashboard under load, under other mount paths, behind bearerAuth, and fed hostile strings,
// in Debian's headless Chromium (Node only, like tests/hono_dashboard_test.ts).
// deno-lint-ignore no-explicit-any
declare const document: any;
// deno-lint-ignore no-explicit-any
type Element = any;
// deno-lint-ignore no-explicit-any
declare const window: any;
declare const requestAnimationFrame: (callback: () => void) => number;
const runtime = currentRuntime();
const skip = runtime !== "node"
  ? `the browser test runs under the Node test run (this is ${runtime})`
  : chromiumMissing();
const test = skip === undefined ? it : it.skip;
const why = skip === undefined ? "" : ` (skipped: ${skip})`;

function doneIs(page: Page, n: number): Promise<unknown> {
  return page.waitForFunction(
    (text: string) => document.getElementById("done").textContent === text,
    n.toLocaleString("en-US"),
    { timeout: 20_000 },
  );
}

describe("the dashboard in headless Chromium, at scale and in odd places", () => {
  let dir: string;
  let context: BrowserContext;
  before(async () => {
    if (skip !== undefined) return;
    dir = mkdtempSync(join(tmpdir(), "antflow-dashboard-load-"));
    context = await launchChromium(join(dir, "profile"));
  });
  after(async () => {
    await context?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test(`stays responsive at 10 000+ events/s: a frame follows a click within 100 ms${why}`, async () => {
    const tracker = new StatusTracker();
    const work = (n: number) => {
      if (n % 500 === 7) throw new TypeError(`item ${n} is bad`);
      return n + 1;
    };
    const stages = ["Read", "Transform", "Write"].map((name) =>
      new Stage({ name, workers: 8, taskAttempts: 1, tasks: [work] })
    );
    const pipeline = new Pipeline({ stages, statusTracker: tracker, collectResults: false });
    const app = new Hono();
    app.route("/antflow", antflowRoutes({ tracker, pipeline }));
    const server = await startServer(app.fetch);
    const abort = new AbortController();
    let run: Promise<unknown> | undefined;
    try {
      const { page, problems } = await openPage(context, `${server.url}/antflow`);
      await page.waitForSelector("#conn[data-state=live]");
      await page.evaluate(() => {
        window.__frames = [];
        document.addEventListener("click", (e: { timeStamp: number }) => {
          requestAnimationFrame(() => window.__frames.push(performance.now() - e.timeStamp));
        }, true);
      });
      let events = 0;
      const count = () => events++;
      for (const type of ["status", "taskstart", "taskcomplete", "taskfail"] as const) {
        tracker.addEventListener(type, count);
      }
      run = pipeline.run(
        (function* () {
          for (let i = 0; i < 100_000_000; i++) yield i;
        })(),
        { signal: abort.signal },
      );
      await page.waitForSelector('#series button[data-key="Write"]');
      // Where to click, found once: page.mouse sends real input in three messages, where
      // page.click() would make more round trips to a test process the pipeline keeps busy.
      const targets = await page.$$eval(
        "#series button",
        (buttons: Element[]) =>
          buttons.slice(0, 4).map((b) => {
            const box = b.getBoundingClientRect();
            return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
          }),
      );
      const started = { at: performance.now(), events, done: await doneCount(page) };
      for (let i = 0; i < 7; i++) {
        await page.mouse.click(targets[i % 4].x, targets[i % 4].y);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const seconds = (performance.now() - started.at) / 1000;
      const rate = (events - started.events) / seconds;
      const frames: number[] = await page.evaluate(() => window.__frames);
      await page.waitForFunction(
        (n: number) => Number(document.getElementById("done").textContent.replace(/,/g, "")) > n,
        started.done,
      );
      abort.abort();
      await run.catch(() => {});
      assert.ok(rate >= 10_000, `the pipeline emitted ${Math.round(rate)} events/s`);
      assert.equal(frames.length, 7);
      // The clicks hit the toggles: total and Read twice, Transform twice, Write once.
      const pressed = await page.$$eval(
        "#series button",
        (buttons: Element[]) =>
          buttons.map((b) => `${b.getAttribute("data-key")}=${b.getAttribute("aria-pressed")}`),
      );
      assert.deepEqual(pressed.slice(0, 4), [
        "total=true",
        "Read=false",
        "Transform=false",
        "Write=true",
      ]);
      const sorted = [...frames].sort((a, b) => a - b);
      const median = sorted[3];
      assert.ok(
        median <= 100,
        `median click-to-frame ${median.toFixed(0)} ms (${sorted.map(Math.round)})`,
      );
      assert.ok(sorted[6] <= 500, `slowest click-to-frame ${sorted[6].toFixed(0)} ms`);
      // The failures streamed at that rate are grouped and add up.
      const failed = tracker.getStats().failed;
      await page.waitForFunction(
        (n: number) =>
          [...document.querySelectorAll("#groups [data-count]")]
            .reduce(
              (sum: number, b: Element) => sum + Number(b.getAttribute("data-count")),
              0,
            ) ===
            n,
        failed,
      );
      assert.deepEqual(problems, []);
      console.log(
        `# ${Math.round(rate)} events/s; click-to-frame ms: ${sorted.map(Math.round).join(" ")}`,
      );
    } finally {
      abort.abort();
      await run?.catch(() => {});
      await server.close();
    }
  });

  test(`works at /antflow/, at /x/y/antflow, and behind bearerAuth with the token the user gives${why}`, async () => {
    const { tracker, pipeline } = demoPipeline({ spread: 3 });
    const app = new Hono();
    app.route("/antflow", antflowRoutes({ tracker, pipeline }));
    app.route("/x/y/antflow", antflowRoutes({ tracker, pipeline }));
    const auth = bearerAuth({ token: "s3cret" });
    // The page itself holds no data: browsers may load it; everything it fetches needs the token.
    app.use(
      "/secure/*",
      (c, next) => (/^\/secure\/?$/.test(c.req.path) ? next() : auth(c, next)),
    );
    app.route("/secure", antflowRoutes({ tracker, pipeline }));
    app.route("/tracker", antflowRoutes({ tracker })); // no pipeline: the tracker's counts only
    const server = await startServer(app.fetch);
    try {
      const pages = [
        await openPage(context, `${server.url}/antflow/`),
        await openPage(context, `${server.url}/x/y/antflow`),
        await openPage(context, `${server.url}/secure/#token=s3cret`),
        await openPage(context, `${server.url}/tracker`),
      ];
      const locked = await openPage(context, `${server.url}/secure`);
      for (const { page } of pages) await page.waitForSelector("#conn[data-state=live]");
      await locked.page.waitForSelector("#conn[data-state=unauthorized]");
      await locked.page.waitForSelector("#auth", { state: "visible" });
      // The token left the address bar (it stays in this tab's sessionStorage).
      assert.equal(await pages[2].page.evaluate(() => location.hash), "");

      await pipeline.run(Array.from({ length: 120 }, (_, i) => i));
      for (const { page } of pages) {
        await doneIs(page, 120);
        await page.fill("#q", "7");
        await page.waitForFunction(() =>
          document.querySelectorAll("#lookup-body table.events tbody tr").length > 0
        );
        await page.waitForSelector("#runs li.ended.current");
      }
      assert.ok(await pages[3].page.isVisible("#stages-empty"), "no pipeline: said so");
      // Nobody listens to task events: stage durations only, and the page says why.
      await pages[0].page.waitForSelector("#latency-tasks-note", { state: "visible" });
      assert.equal(await pages[0].page.locator("#latency tr.task-row").count(), 0);
      await locked.page.fill("#token", "s3cret");
      await locked.page.click("#auth button");
      await locked.page.waitForSelector("#conn[data-state=live]");
      await doneIs(locked.page, 120);
      assert.equal(await locked.page.isVisible("#auth"), false);
      for (const { problems } of pages) assert.deepEqual(problems, []);
      assert.ok(locked.problems.every((p) => p.includes("401")), locked.problems.join("\n"));
      assert.equal(demoFailures(120), tracker.getStats().failed);
    } finally {
      await server.close();
    }
  });

  test(`says reconnecting while the server is away, then reset when it came back without our events${why}`, async () => {
    const { tracker, pipeline } = demoPipeline({ spread: 2 });
    const { serve } = await import("@hono/node-server");
    type NodeServer = ReturnType<typeof serve>;
    const listen = (port: number) =>
      new Promise<{ port: number; server: NodeServer }>((resolve) => {
        const app = new Hono(); // a fresh antflowRoutes(): a restarted server, same tracker
        app.route("/antflow", antflowRoutes({ tracker, pipeline, retryMs: 200 }));
        const server = serve(
          { fetch: app.fetch, port, hostname: "127.0.0.1" },
          (info) => resolve({ port: info.port, server }),
        );
      });
    const stop = (server: NodeServer) =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
        server.close(() => resolve());
      });
    let { port, server } = await listen(0);
    try {
      const { page, problems } = await openPage(context, `http://127.0.0.1:${port}/antflow`);
      await page.waitForSelector("#conn[data-state=live]");
      await pipeline.run(Array.from({ length: 50 }, (_, i) => i));
      await doneIs(page, 50);
      await stop(server);
      await page.waitForSelector("#conn[data-state=reconnecting]");
      assert.equal(await page.getAttribute("#updated", "class"), "stale");
      ({ server } = await listen(port));
      await page.waitForSelector("#conn[data-state=reset]", { timeout: 10_000 });
      await pipeline.run(Array.from({ length: 30 }, (_, i) => 50 + i));
      await doneIs(page, 80);
      await page.waitForSelector("#conn[data-state=live]", { timeout: 10_000 });
      assert.ok(
        problems.every((p) =>
          /net::ERR_(CONNECTION_REFUSED|INCOMPLETE_CHUNKED_ENCODING|EMPTY_RESPONSE)/.test(p)
        ),
        problems.join("\n"),
      );
    } finally {
      await stop(server);
    }
  });

  test(`shows hostile item ids, stage names and error messages as text, never as HTML${why}`, async () => {
    const hostile = [
      `<img src=x onerror="window.__pwned=1">`,
      `</script><script>window.__pwned=2</script>`,
      `"><svg onload=window.__pwned=3>`,
      `&lt;b&gt;entity&lt;/b&gt; <i>italic</i>`,
    ];
    const stageName = `<i>Parse</i> & "quote"`;
    const tracker = new StatusTracker();
    const pipeline = new Pipeline({
      statusTracker: tracker,
      stages: [
        new Stage({
          name: stageName,
          workers: 2,
          taskAttempts: 1,
          tasks: [function parse(value: string) {
            if (value.includes("img") || value.includes("svg")) {
              const error = new Error(
                `bad value ${value} <img src=x onerror="window.__pwned=4">`,
              );
              error.name = `<b onmouseover="window.__pwned=5">Hostile</b>Error`;
              throw error;
            }
            return value;
          }],
        }),
      ],
    });
    const app = new Hono();
    app.route("/antflow", antflowRoutes({ tracker, pipeline }));
    const server = await startServer(app.fetch);
    try {
      const { page, problems } = await openPage(context, `${server.url}/antflow`);
      await page.waitForSelector("#conn[data-state=live]");
      await pipeline.run(hostile, { idOf: (value) => value });
      await doneIs(page, hostile.length);
      await page.click("#groups button.group");
      await page.waitForSelector(".group-items [data-item]");
      await page.click(`.group-items [data-item="${hostile[0].replace(/"/g, '\\"')}"]`);
      await page.waitForFunction(() =>
        document.querySelectorAll("#lookup-body table.events tbody tr").length === 3
      );
      await page.fill("#q", hostile[1]);
      await page.waitForFunction(
        (id: string) =>
          document.getElementById("lookup-title").textContent === id &&
          document.querySelectorAll("#lookup-body table.events tbody tr").length === 3,
        hostile[1],
      );
      const found = await page.evaluate(() => ({
        pwned: window.__pwned,
        imgs: document.querySelectorAll("img").length,
        scripts: document.querySelectorAll("script").length,
        injected:
          document.querySelectorAll("main b[onmouseover], main i:not([class]), main svg[onload]")
            .length,
        text: document.body.textContent,
        stageTitle: document.querySelector("#stages [data-stage] .stage-top b").textContent,
        errorType: document.querySelector("#groups .etype").textContent,
      }));
      assert.equal(found.pwned, undefined);
      assert.equal(found.imgs, 0);
      assert.equal(found.scripts, 1, "only the page's own script");
      assert.equal(found.injected, 0);
      assert.equal(found.stageTitle, stageName);
      assert.equal(found.errorType, `<b onmouseover="window.__pwned=5">Hostile</b>Error`);
      assert.ok(found.text.includes(`bad value ${hostile[0]}`));
      assert.ok(found.text.includes(hostile[1]), "the looked-up id, as text");
      assert.deepEqual(problems, []);
    } finally {
      await server.close();
    }
  });
});

function doneCount(page: Page): Promise<number> {
  return page.$eval(
    "#done",
    (node: { textContent: string }) => Number(node.textContent.replace(/,/g, "")),
  );
}
