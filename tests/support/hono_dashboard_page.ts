/**
 * For the dashboard's browser tests: a demo-like pipeline (three stages, a few ms per item, retries
 * and two kinds of permanent failure), and a page that records console errors and CSP violations.
 */
import { mkdirSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { delay, Pipeline, Stage, StatusTracker } from "../../mod.ts";

/** Items whose id % 97 === 13 fail every attempt in Fetch with a TypeError. */
export function goneForGood(n: number): boolean {
  return n % 97 === 13;
}
/** Items whose id % 89 === 7 fail both stage attempts in Parse with a RangeError. */
export function unparseable(n: number): boolean {
  return n % 89 === 7;
}
/** How many of `0..n-1` end `failed`. */
export function demoFailures(n: number): number {
  let failed = 0;
  for (let i = 0; i < n; i++) if (goneForGood(i) || unparseable(i)) failed++;
  return failed;
}

/** A few ms, varying with the item and attempt (deterministic). */
function pause(n: number, attempt: number, spread: number): Promise<void> {
  return delay(1 + ((n * 7919 + attempt * 104729) % spread));
}

/**
 * The demo-like pipeline: Fetch (6 workers, per_task retries), Parse (3 workers, per_stage), Save
 * (2 workers). With `gate`, item `gate.item` waits in Fetch until `gate.open` resolves. With
 * `timeTasks`, the tracker has task event listeners, so task durations are recorded.
 */
export function demoPipeline(
  options: { gate?: { item: number; open: Promise<void> }; spread?: number; timeTasks?: boolean } =
    {},
): { tracker: StatusTracker; pipeline: Pipeline } {
  const spread = options.spread ?? 12;
  const gate = options.gate;
  const tracker = new StatusTracker();
  if (options.timeTasks) {
    for (const type of ["taskcomplete", "taskretry", "taskfail"] as const) {
      tracker.addEventListener(type, () => {});
    }
  }
  const pipeline = new Pipeline({
    statusTracker: tracker,
    stages: [
      new Stage({
        name: "Fetch",
        workers: 6,
        taskAttempts: 2,
        taskWaitMs: 5,
        tasks: [async function download(n: number, ctx) {
          await pause(n, ctx.attempt, spread);
          if (gate !== undefined && n === gate.item) await gate.open;
          if (goneForGood(n)) throw new TypeError(`GET /pages/${n}: 404 Not Found`);
          if (n % 13 === 5 && ctx.attempt === 1) throw new Error(`GET /pages/${n}: 503`);
          return n;
        }],
      }),
      new Stage({
        name: "Parse",
        workers: 3,
        retry: "per_stage",
        stageAttempts: 2,
        taskWaitMs: 5,
        tasks: [async function decode(n: number, ctx) {
          await pause(n, ctx.attempt + 1, Math.ceil(spread / 3));
          if (unparseable(n)) {
            throw new RangeError(`page ${n}: unexpected byte 0x${n.toString(16)}`);
          }
          return n;
        }, function extract(n: number) {
          return n * 2;
        }],
      }),
      new Stage({
        name: "Save",
        workers: 2,
        tasks: [async function store(n: number, ctx) {
          ctx.setStatus(`writing row ${n}`);
          await pause(n, 1, Math.ceil(spread / 4));
          return n;
        }],
      }),
    ],
  });
  return { tracker, pipeline };
}

/** A page that collects console errors, page errors and CSP violations. */
export async function openPage(
  context: BrowserContext,
  url: string,
  viewport = { width: 1360, height: 900 },
): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(url);
  return { page, problems };
}

/**
 * Where screenshots go: `docs/` with `UPDATE_SCREENSHOTS=1` (they are committed for the README),
 * else the test's temporary directory.
 */
export function screenshotDir(temporary: string): string {
  if (process.env.UPDATE_SCREENSHOTS !== "1") return temporary;
  const docs = fileURLToPath(new URL("../../docs/", import.meta.url));
  mkdirSync(docs, { recursive: true });
  return docs;
}
