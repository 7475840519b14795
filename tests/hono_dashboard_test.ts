import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { antflowRoutes } from "../src/hono/mod.ts";
import { expectedFailures, makeFixture, range } from "./support/hono_fixture.ts";
import { currentRuntime, startServer } from "./support/hono_servers.ts";
import { chromiumMissing, launchChromium } from "./support/sandboxes.ts";

// A real browser (Debian's chromium, driven by playwright-core) against the dashboard, under Node
// only: one browser run proves the page; the server side is tested on every runtime elsewhere.
// The page functions below run in the browser; Deno's type check has no DOM library.
// deno-lint-ignore no-explicit-any
declare const document: any;
const runtime = currentRuntime();
const skip = runtime !== "node"
  ? `the browser test runs under the Node test run (this is ${runtime})`
  : chromiumMissing() ?? false;

describe("the dashboard in headless Chromium", { skip }, () => {
  it("shows a run live, with workers, stages and failures, until done reaches the total", async () => {
    let release!: () => void;
    const gate = { item: 300, open: new Promise<void>((resolve) => (release = resolve)) };
    const { tracker, pipeline } = makeFixture({ gate });
    const app = new Hono();
    app.route("/antflow", antflowRoutes({ tracker, pipeline, snapshotMs: 100 }));
    const server = await startServer(app.fetch);
    const dir = mkdtempSync(join(tmpdir(), "antflow-dashboard-"));
    const context = await launchChromium(join(dir, "profile"));
    const run = pipeline.run(range(500));
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(String(e)));
      await page.goto(`${server.url}/antflow`);
      await page.waitForFunction(() => document.getElementById("conn")?.textContent === "live");
      // Mid-run: item 300 is held at the gate.
      await page.waitForFunction(() => {
        const text = (id: string) =>
          Number(document.getElementById(id)!.textContent!.replace(/,/g, ""));
        return text("total") > 0 && text("done") > 0;
      });
      const mid = await page.evaluate(() => ({
        done: document.getElementById("done")!.textContent,
        workers: document.querySelectorAll("#workers tr").length,
        busy: document.querySelectorAll("#workers td.busy").length,
        stages: document.querySelectorAll("#stages tr").length,
      }));
      assert.equal(mid.workers, 9);
      assert.equal(mid.stages, 3);
      assert.notEqual(mid.done, "500", "the page was loaded during the run");
      release();
      await run;
      await page.waitForFunction(
        () =>
          document.getElementById("done")!.textContent === "500" &&
          document.getElementById("total")!.textContent === "500",
        undefined,
        { timeout: 15_000 },
      );
      const final = await page.evaluate(() => ({
        failed: document.getElementById("failed")!.textContent,
        succeeded: document.getElementById("succeeded")!.textContent,
        failures: [...document.querySelectorAll("#failures tr")].map((tr) => tr.textContent),
        retries: document.getElementById("retries")!.textContent,
        statuses: document.getElementById("statuses")!.textContent,
      }));
      // The run started before the page connected: its runend still shows how it ended.
      const [ran] = tracker.getRuns();
      await page.waitForFunction(
        (id) => document.getElementById("run")!.textContent!.startsWith(`run ${id} ended `),
        ran.runId.slice(0, 8),
      );
      const runText = await page.evaluate(() => document.getElementById("run")!.textContent);
      assert.match(
        runText!,
        new RegExp(`: ${ran.counts.completed} completed, ${ran.counts.failed} failed$`),
      );
      assert.equal(final.failed, String(expectedFailures(500)));
      assert.equal(final.succeeded, String(500 - expectedFailures(500)));
      assert.ok(final.failures.length > 0 && final.failures.length <= 20);
      assert.ok(final.failures.every((row) => row?.includes("gone for good")), final.failures[0]!);
      assert.ok(Number(final.retries) > 0, "retries were seen live");
      const shot = join(dir, "dashboard.png");
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(statSync(shot).size > 10_000);
      assert.deepEqual(problems, [], "no console errors or CSP violations");
    } finally {
      release();
      await run.catch(() => {});
      await context.close();
      await server.close();
      if (!process.env.KEEP_SCREENSHOT) rmSync(dir, { recursive: true, force: true });
      else console.log(`screenshot kept in ${dir}`);
    }
  });
});
