/**
 * The workload AntFlow was built for: thousands of LLM batch jobs. Each file is uploaded, the job
 * is polled until the provider finishes it, then its results are downloaded and saved. Everything
 * here is simulated with timers, so it runs offline in about a second.
 *
 * - Upload (4 workers) respects the provider's quota with `callRate` + `ctx.rateLimit()`: 8 uploads
 *   per minute, where one simulated minute lasts 250 ms.
 * - Poll is a `pull: true` stage with 4 workers: a job enters it only when a Poll worker is free, so
 *   its workers are an exact cap on jobs being polled, and an Upload worker that finished early
 *   waits with its job in hand instead of piling jobs up in a queue. `ctx.setStatus()` shows
 *   "polling job-n (attempt n)".
 * - Download (2 workers) retries a flaky network once in a while; Save (2 workers) stores results.
 *
 * Midway, the worker states are printed (what a dashboard shows); at the end, a summary.
 *
 * Run: deno run examples/batch_api_simulation.ts [--items N]
 *      node examples/batch_api_simulation.ts      (Node >= 22.18)
 *      bun examples/batch_api_simulation.ts
 */
import process from "node:process";
import { delay, Pipeline, Stage, StatusTracker, type TaskContext } from "../mod.ts";

const count = numberArg("--items", 40);
const MINUTE_MS = 250; // one simulated minute
const UPLOADS_PER_MINUTE = 8;
const POLL_WORKERS = 4;
const POLL_INTERVAL_MS = 15;

// --- A fake batch API: jobs take 60–160 ms to finish on the "server". ---
const startedAt = performance.now();
const elapsed = (): number => performance.now() - startedAt;
const jobs = new Map<string, { file: string; readyAt: number }>();
const uploadTimes: number[] = [];
let firstUploadRequest: number | undefined;
let downloadCalls = 0;

async function apiUpload(file: string, signal: AbortSignal): Promise<string> {
  uploadTimes.push(elapsed());
  await delay(8, { signal });
  const jobId = `job-${jobs.size + 1}`;
  jobs.set(jobId, { file, readyAt: elapsed() + 60 + ((jobs.size * 37) % 11) * 10 });
  return jobId;
}
async function apiStatus(jobId: string, signal: AbortSignal): Promise<"running" | "completed"> {
  await delay(2, { signal });
  return elapsed() >= jobs.get(jobId)!.readyAt ? "completed" : "running";
}
async function apiDownload(jobId: string, signal: AbortSignal): Promise<string> {
  await delay(10, { signal });
  if (++downloadCalls % 7 === 0) throw new Error(`network reset while downloading ${jobId}`);
  return `results of ${jobs.get(jobId)!.file}`;
}

// --- The tasks. ---
let waitingForPoll = 0; // uploaded, not yet taken by a Poll worker
let peakWaitingForPoll = 0;
let polling = 0;
let peakPolling = 0;
let totalPolls = 0;
let statesShown = false;

async function upload(file: string, ctx: TaskContext): Promise<string> {
  ctx.setStatus(`waiting for quota (${file})`);
  firstUploadRequest ??= elapsed();
  const jobId = await ctx.rateLimit(() => {
    ctx.setStatus(`uploading ${file}`);
    return apiUpload(file, ctx.signal);
  });
  peakWaitingForPoll = Math.max(peakWaitingForPoll, ++waitingForPoll);
  ctx.setStatus(`uploaded ${jobId}, waiting for a Poll worker`);
  return jobId;
}

async function poll(jobId: string, ctx: TaskContext): Promise<string> {
  waitingForPoll--;
  peakPolling = Math.max(peakPolling, ++polling);
  try {
    for (let attempt = 1;; attempt++) {
      ctx.setStatus(`polling ${jobId} (attempt ${attempt})`);
      totalPolls++;
      if (await apiStatus(jobId, ctx.signal) === "completed") return jobId;
      if (attempt === 3 && !statesShown) {
        statesShown = true;
        showWorkerStates();
      }
      await delay(POLL_INTERVAL_MS, { signal: ctx.signal });
    }
  } finally {
    polling--;
  }
}

function download(jobId: string, ctx: TaskContext): Promise<string> {
  ctx.setStatus(`downloading ${jobId}`);
  return apiDownload(jobId, ctx.signal);
}

const saved = new Map<number | string, string>();
async function save(results: string, ctx: TaskContext): Promise<number> {
  await delay(3, { signal: ctx.signal });
  saved.set(ctx.itemId, results);
  return results.length;
}

// --- The pipeline. ---
const tracker = new StatusTracker();
let retries = 0;
tracker.addEventListener("taskretry", () => retries++);

const pipeline = new Pipeline({
  stages: [
    new Stage({
      name: "Upload",
      workers: 4,
      tasks: [upload],
      callRate: UPLOADS_PER_MINUTE,
      callRatePeriodMs: MINUTE_MS,
    }),
    new Stage({ name: "Poll", workers: POLL_WORKERS, pull: true, tasks: [poll] }),
    new Stage({ name: "Download", workers: 2, tasks: [download], taskWaitMs: 20 }),
    new Stage({ name: "Save", workers: 2, tasks: [save] }),
  ],
  statusTracker: tracker,
});

function showWorkerStates(): void {
  console.log(`--- worker states at ${elapsed().toFixed(0)} ms ---`);
  for (const [name, state] of Object.entries(pipeline.getWorkerStates())) {
    const what = state.status === "busy" ? `item ${state.currentItemId}: ${state.currentTask}` : "";
    console.log(`${name.padEnd(12)} ${state.status.padEnd(5)} ${what}`.trimEnd());
  }
  const { queueSizes } = pipeline.getStats();
  console.log(`queues: ${Object.entries(queueSizes).map(([s, n]) => `${s} ${n}`).join(", ")}`);
  console.log("---");
}

const files = Array.from({ length: count }, (_, i) => `batch-${String(i).padStart(4, "0")}.jsonl`);
const results = await pipeline.run(files);

// --- Summary. ---
// Uploads per simulated minute, counted from the first upload request.
const perMinute: number[] = [];
for (const t of uploadTimes) {
  const minute = Math.floor((t - firstUploadRequest!) / MINUTE_MS);
  while (perMinute.length <= minute) perMinute.push(0);
  perMinute[minute]++;
}
console.log(
  `Saved ${saved.size} of ${count} batches (${results.length} results) in ${
    elapsed().toFixed(0)
  } ms`,
);
console.log(`Uploads per simulated minute: ${perMinute.join(" ")} (quota ${UPLOADS_PER_MINUTE})`);
console.log(`Max jobs polled at once: ${peakPolling} (Poll workers: ${POLL_WORKERS})`);
console.log(`Max jobs uploaded and waiting for a Poll worker: ${peakWaitingForPoll}`);
console.log(`Status checks: ${totalPolls} (${(totalPolls / count).toFixed(1)} per job)`);
console.log(`Download retries: ${retries}`);
console.log(String(pipeline.getErrorSummary()));

/** Reads `--name N` from the command line (Deno, Node and Bun all provide `process.argv`). */
function numberArg(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be an integer >= 1`);
  }
  return value;
}
