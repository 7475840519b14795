/**
 * Child process of scenario 7: streams N items through three stages of 8 workers (results read and
 * dropped), samples this process's RSS while it runs, and prints one JSON line with the peak.
 *
 * Usage: <runtime> bench/memory_child.ts <idle|plain|tracker> <items>
 * `idle` imports everything and samples for a moment without running anything (the baseline).
 */
import process from "node:process";
import { Pipeline, Stage, StatusTracker } from "../mod.ts";
import { peakResidentSetSize, residentSetSize } from "./runtime.ts";
import { inc } from "./tasks.ts";

const SAMPLE_EVERY_RESULTS = 1024;
const SAMPLE_EVERY_MS = 10;

const mode = process.argv[2] ?? "plain";
const items = Number(process.argv[3] ?? 1_000_000);
if (!["idle", "plain", "tracker"].includes(mode) || !Number.isInteger(items) || items < 0) {
  throw new TypeError(`memory_child: expected <idle|plain|tracker> <items>, got ${mode} ${items}`);
}

let peak = 0;
let samples = 0;
function sample(): void {
  const rss = residentSetSize();
  samples++;
  if (rss > peak) peak = rss;
}

/** The input, generated lazily so that no million-element array sits in memory. */
function* integers(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}

const startRss = residentSetSize();
sample();
// A timer samples too, in case results stop arriving for a while (it only fires when the event
// loop turns, so the per-result sampling below is what sees a busy run).
const timer = setInterval(sample, SAMPLE_EVERY_MS);
const started = performance.now();
let count = 0;
if (mode === "idle") {
  await new Promise((resolve) => setTimeout(resolve, 200));
} else {
  let statusEvents = 0;
  let statusTracker: StatusTracker | undefined;
  if (mode === "tracker") {
    statusTracker = new StatusTracker({ maxItems: 10_000 });
    statusTracker.addEventListener("status", () => statusEvents++);
  }
  const pipeline = new Pipeline({
    stages: ["S1", "S2", "S3"].map((name) => new Stage({ name, workers: 8, tasks: [inc] })),
    statusTracker,
  });
  for await (const _ of pipeline.stream(integers(items))) {
    if (++count % SAMPLE_EVERY_RESULTS === 0) sample();
  }
  if (mode === "tracker" && statusEvents === 0 && items > 0) {
    throw new Error("memory_child: the status listener saw no event");
  }
}
const seconds = (performance.now() - started) / 1000;
sample();
clearInterval(timer);
console.log(JSON.stringify({
  mode,
  items: count,
  peakRss: peak,
  startRss,
  hwm: peakResidentSetSize(),
  samples,
  seconds,
}));
