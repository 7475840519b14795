import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import type { BrowserContext, Page } from "playwright-core";
import { antflowRoutes } from "../src/hono/mod.ts";
import {
  demoFailures,
  demoPipeline,
  openPage,
  screenshotDir,
} from "./support/hono_dashboard_page.ts";
import { currentRuntime, startServer } from "./support/hono_servers.ts";
import { chromiumMissing, launchChromium } from "./support/sandboxes.ts";

// A real browser (Debian's chromium, driven by playwright-core) against the dashboard, under Node
// only: one browser run proves the page; the server side is tested on every runtime elsewhere.
// The page functions below run in the browser; Deno's type check has no DOM library.
// deno-lint-ignore no-explicit-any
declare const document: any;
// deno-lint-ignore no-explicit-any
type Element = any;
declare const scrollTo: (x: number, y: number) => void;
const runtime = currentRuntime();
const skip = runtime !== "node"
  ? `the browser test runs under the Node test run (this is ${runtime})`
  : chromiumMissing();
const test = skip === undefined ? it : it.skip;
const why = skip === undefined ? "" : ` (skipped: ${skip})`;

const ITEMS = 2400;

/** The number an element shows ("1,234" → 1234). */
function numberIn(page: Page, selector: string): Promise<number> {
  return page.$eval(
    selector,
    (node: { textContent: string }) => Number(node.textContent.replace(/,/g, "")),
  );
}

describe("the dashboard in headless Chromium", () => {
  let dir: string;
  let context: BrowserContext;
  before(async () => {
    if (skip !== undefined) return;
    dir = mkdtempSync(join(tmpdir(), "antflow-dashboard-"));
    context = await launchChromium(join(dir, "profile"));
  });
  after(async () => {
    await context?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test(`shows a run live: a moving chart, p95 per stage, error groups, the run, an item's history${why}`, async () => {
    let release!: () => void;
    const last = ITEMS - 1;
    const gate = { item: last, open: new Promise<void>((resolve) => (release = resolve)) };
    const { tracker, pipeline } = demoPipeline({ gate, timeTasks: true });
    const app = new Hono();
    app.route("/antflow", antflowRoutes({ tracker, pipeline }));
    const server = await startServer(app.fetch);
    const shots = screenshotDir(dir);
    let run: Promise<unknown> | undefined;
    try {
      const { page, problems } = await openPage(context, `${server.url}/antflow`);
      // Before the first run: live, and saying that nothing ran yet.
      await page.waitForSelector("#conn[data-state=live]");
      await page.waitForSelector("#empty", { state: "visible" });
      run = pipeline.run(Array.from({ length: ITEMS }, (_, i) => i));
      await page.waitForSelector("#empty", { state: "hidden" });
      await page.waitForSelector("#runs li.running.current");

      // The chart moves while the run goes on (the last item is held until release()).
      await page.waitForSelector('#rate-chart path[data-series="total"]');
      const path = () =>
        page.$eval('#rate-chart path[data-series="total"]', (p: Element) => p.getAttribute("d"));
      const first = await path();
      await page.waitForFunction(
        (before: string) =>
          document.querySelector('#rate-chart path[data-series="total"]').getAttribute("d") !==
            before,
        first,
      );
      assert.equal(tracker.getRuns().at(-1)!.endedAt, undefined, "the run was still going");

      // p95 per stage, as numbers and as a chart.
      await page.waitForFunction(() =>
        [...document.querySelectorAll('#latency tr[data-kind="stage"]')].length === 3 &&
        [...document.querySelectorAll('#latency tr[data-kind="stage"] td.p95')]
          .every((td: { textContent: string }) => /\d/.test(td.textContent))
      );
      const latency = await page.$$eval(
        '#latency tr[data-kind="stage"]',
        (rows: Element[]) =>
          rows.map((tr) => ({
            stage: tr.getAttribute("data-stage"),
            p95: tr.querySelector("td.p95")!.textContent,
            bars: tr.querySelectorAll("svg.range rect").length,
          })),
      );
      assert.deepEqual(latency.map((r) => r.stage), ["Fetch", "Parse", "Save"]);
      assert.ok(
        latency.every((r) => /^\d+(\.\d+)? (µs|ms|s)$/.test(r.p95!) && r.bars === 1),
        JSON.stringify(latency),
      );
      await page.waitForFunction(() =>
        document.querySelectorAll("#latency tr.task-row").length === 4
      );

      // Let a few seconds of throughput build up, then keep a picture of the page mid-run.
      await page.waitForFunction(
        (n: number) => Number(document.getElementById("done").textContent.replace(/,/g, "")) >= n,
        ITEMS * 0.6,
        { timeout: 30_000 },
      );
      await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });

      release();
      await run;
      await page.waitForFunction(
        (n: string) =>
          document.getElementById("done").textContent === n &&
          document.getElementById("total").textContent === n,
        ITEMS.toLocaleString("en-US"),
        { timeout: 15_000 },
      );

      // Error groups add up to the failed count.
      const failed = demoFailures(ITEMS);
      assert.equal(tracker.getStats().failed, failed);
      await page.waitForFunction(
        (n: number) =>
          [...document.querySelectorAll("#groups [data-count]")]
            .reduce((sum: number, b: Element) => sum + Number(b.getAttribute("data-count")), 0) ===
            n,
        failed,
      );
      assert.equal(await numberIn(page, "#failed"), failed);
      const groups = await page.$$eval(
        "#groups button.group",
        (buttons: Element[]) =>
          buttons.map((
            b,
          ) => [
            b.querySelector(".etype")!.textContent,
            b.querySelector(".stage-tag")!.textContent,
          ]),
      );
      assert.deepEqual(groups.sort(), [["RangeError", "Parse"], ["TypeError", "Fetch"]]);
      // Clicking a group lists its items.
      await page.click('#groups button.group[data-group^="TypeError"]');
      const listed = await page.$$eval(
        ".group-items [data-item]",
        (links: Element[]) => links.map((a) => a.textContent),
      );
      assert.equal(listed.length, Math.ceil((ITEMS - 13) / 97));
      assert.ok(
        listed.includes("13") && listed.includes(String(ITEMS - 1 - ((ITEMS - 1 - 13) % 97))),
      );

      // The run list shows the finished run, highlighted.
      const [ran] = tracker.getRuns();
      const runText = await page.$eval(`#runs li[data-run="${ran.runId}"]`, (li: Element) => ({
        cls: li.className,
        text: li.textContent,
      }));
      assert.match(runText.cls, /\bcurrent\b/);
      assert.match(runText.cls, /\bended\b/);
      assert.ok(
        runText.text!.includes(
          `${(ITEMS - failed).toLocaleString("en-US")} completed, ${failed} failed`,
        ),
        runText.text!,
      );
      await page.waitForSelector("#run:text-matches('ended')");

      await (await page.$("#errors-card"))!.screenshot({
        path: join(shots, "dashboard-errors.png"),
      });

      // Looking up a finished item (failed in Fetch after two attempts) shows its history.
      await page.click('.group-items [data-item="13"]');
      await page.waitForSelector("#lookup-body table.events");
      const history = tracker.getHistory(13).map((e) => e.toJSON());
      const shown = await page.$$eval(
        "#lookup-body table.events tbody tr",
        (rows: Element[]) => rows.map((tr) => [...tr.children].map((td) => td.textContent)),
      );
      assert.deepEqual(
        shown.map((cells) => cells[3]),
        history.map((e) => e.status.replace("_", " ")),
      );
      assert.deepEqual(shown.map((cells) => cells[2]), history.map((e) => e.stage));
      assert.equal(shown.at(-1)![6], "TypeError: GET /pages/13: 404 Not Found");
      assert.equal(shown.at(-1)![5], "2");
      assert.equal(await page.$eval("#q", (input: { value: string }) => input.value), "13");
      assert.equal(await page.locator("#lookup-card svg.gantt rect").count() >= 2, true);
      // A completed item, typed into the search box.
      await page.fill("#q", "1200");
      await page.waitForFunction(() =>
        document.getElementById("lookup-title").textContent === "1200" &&
        document.querySelectorAll("#lookup-body table.events tbody tr").length > 0
      );
      await page.waitForFunction(
        (n: number) => document.querySelectorAll("#lookup-body table.events tbody tr").length === n,
        tracker.getHistory(1200).length,
      );
      assert.equal(await page.locator("#lookup-card svg.gantt .glabel").count(), 3);
      // Item 5 failed once in Fetch (retried), then went through: the picture for the README.
      await page.fill("#q", "5");
      await page.waitForFunction(
        (n: number) =>
          document.getElementById("lookup-title").textContent === "5" &&
          document.querySelectorAll("#lookup-body table.events tbody tr").length === n,
        tracker.getHistory(5).length,
      );
      assert.equal(await page.locator("#lookup-card svg.gantt line.retry").count(), 1);
      // At the top of the page, the card is below the sticky header, not under it.
      await page.evaluate(() => scrollTo(0, 0));
      await (await page.$("#lookup-card"))!.screenshot({ path: join(shots, "dashboard-item.png") });
      assert.deepEqual(problems, [], "no console errors or CSP violations");
      // An unknown one (the browser logs the 404 itself).
      await page.fill("#q", "no such item");
      await page.waitForSelector("#lookup-body .notfound");
      assert.ok((problems as string[]).every((p) => p.includes("404")), problems.join("\n"));

      for (const name of ["dashboard.png", "dashboard-errors.png", "dashboard-item.png"]) {
        assert.ok(statSync(join(shots, name)).size > 10_000, name);
      }
    } finally {
      release();
      await run?.catch(() => {});
      await server.close();
    }
  });
});
