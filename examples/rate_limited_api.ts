/**
 * Limits on the calls a task makes, per stage, separate from the number of workers:
 *
 * - `callRate` + `callRatePeriodMs` + `ctx.rateLimit(fn)`: at most `callRate` calls start in any
 *   window of `callRatePeriodMs` (a strict sliding window, first come first served). Search may
 *   make 5 calls per 100 ms, whatever its 6 workers want.
 * - `callConcurrency` + `ctx.concurrencyLimit(fn)`: at most that many calls at once. Download has 6
 *   workers, but only 2 downloads run at a time; the rest of each task is not limited.
 * - `ctx.hasRateCapacity()`: check before calling, and use a fallback instead of waiting. Enrich
 *   calls a premium API (3 calls per 100 ms) when it has room, and a cheap local guess otherwise.
 *
 * Run: deno run examples/rate_limited_api.ts [--items N]
 *      node examples/rate_limited_api.ts      (Node >= 22.18)
 *      bun examples/rate_limited_api.ts
 */
import process from "node:process";
import { delay, Pipeline, Stage, type TaskContext } from "../mod.ts";

const count = numberArg("--items", 30);
const WINDOW_MS = 100;
const SEARCH_RATE = 5;
const DOWNLOAD_SLOTS = 2;
const PREMIUM_RATE = 3;

const startedAt = performance.now();
const now = (): number => performance.now() - startedAt;

/**
 * Call start times of one API, to count calls per window: windows are counted from the first
 * request (taken before the limiter could delay it), starts are taken inside the limited function.
 */
interface CallLog {
  firstRequest: number | undefined;
  starts: number[];
}

// --- Search: rate limited.
const searchCalls: CallLog = { firstRequest: undefined, starts: [] };
function search(query: string, ctx: TaskContext): Promise<string> {
  searchCalls.firstRequest ??= now();
  return ctx.rateLimit(async () => {
    searchCalls.starts.push(now());
    await delay(10, { signal: ctx.signal });
    return `https://example.com/${query}`;
  });
}

// --- Download: concurrency limited. Only the download itself holds a slot; parsing does not.
let downloading = 0;
let peakDownloading = 0;
let peakBusyWorkers = 0;
async function download(url: string, ctx: TaskContext): Promise<string> {
  const body = await ctx.concurrencyLimit(async () => {
    peakDownloading = Math.max(peakDownloading, ++downloading);
    try {
      await delay(20, { signal: ctx.signal });
      return `<html>${url}</html>`;
    } finally {
      downloading--;
    }
  });
  await delay(5, { signal: ctx.signal }); // parsing: outside the limit
  return body.replace(/<\/?html>/g, "");
}

// --- Enrich: premium API when the rate allows, a fallback otherwise.
const premiumCalls: CallLog = { firstRequest: undefined, starts: [] };
let fallbacks = 0;
async function enrich(page: string, ctx: TaskContext): Promise<string> {
  if (ctx.hasRateCapacity()) {
    premiumCalls.firstRequest ??= now();
    return ctx.rateLimit(async () => {
      premiumCalls.starts.push(now());
      await delay(5, { signal: ctx.signal });
      return `${page} (premium)`;
    });
  }
  fallbacks++;
  return `${page} (fallback)`;
}

const pipeline = new Pipeline({
  stages: [
    new Stage({
      name: "Search",
      workers: 6,
      tasks: [search],
      callRate: SEARCH_RATE,
      callRatePeriodMs: WINDOW_MS,
    }),
    new Stage({
      name: "Download",
      workers: 6,
      tasks: [download],
      callConcurrency: DOWNLOAD_SLOTS,
    }),
    new Stage({
      name: "Enrich",
      workers: 4,
      tasks: [enrich],
      callRate: PREMIUM_RATE,
      callRatePeriodMs: WINDOW_MS,
    }),
  ],
});

// Watch how many Download workers are busy at once (they outnumber the download slots).
const watch = setInterval(() => {
  const busy = Object.values(pipeline.getWorkerStates())
    .filter((w) => w.stage === "Download" && w.status === "busy").length;
  peakBusyWorkers = Math.max(peakBusyWorkers, busy);
}, 5);
const queries = Array.from({ length: count }, (_, i) => `q${i}`);
const results = await pipeline.run(queries);
clearInterval(watch);

console.log(`${results.length} of ${count} items done in ${now().toFixed(0)} ms`);
const searchWindows = perWindow(searchCalls);
console.log(
  `Search: ${searchCalls.starts.length} calls; per ${WINDOW_MS} ms window: ${
    searchWindows.join(" ")
  }` +
    ` (max ${Math.max(...searchWindows)}, callRate ${SEARCH_RATE})`,
);
console.log(
  `Download: at most ${peakDownloading} downloads at once (callConcurrency ${DOWNLOAD_SLOTS}),` +
    ` with up to ${peakBusyWorkers} of 6 workers busy`,
);
const premiumWindows = perWindow(premiumCalls);
console.log(
  `Enrich: ${premiumCalls.starts.length} premium calls, ${fallbacks} fallbacks; premium calls per ${WINDOW_MS} ms` +
    ` window: ${premiumWindows.join(" ")} (max ${
      Math.max(...premiumWindows)
    }, callRate ${PREMIUM_RATE})`,
);
console.log(`Example result: ${results[0]?.value}`);

/** How many calls started in each window of WINDOW_MS, from the first request on. */
function perWindow(log: CallLog): number[] {
  const counts: number[] = [];
  for (const t of log.starts) {
    const index = Math.floor((t - log.firstRequest!) / WINDOW_MS);
    while (counts.length <= index) counts.push(0);
    counts[index]++;
  }
  return counts;
}

/** Reads `--name N` from the command line (Deno, Node and Bun all provide `process.argv`). */
function numberArg(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be an integer >= 1`);
  }
  return value;
}
