/**
 * Extract → transform → load, with a worker pool per stage, retries with exponential backoff, a
 * terminal progress bar, and a StatusTracker summary at the end.
 *
 * - Extract (4 workers) reads from a flaky source: every 5th record fails once and succeeds on the
 *   retry; record 16 (and every 17th after it) is gone for good and fails after 3 attempts.
 * - Transform (2 workers) validates: records 0, 13, 26, … are invalid. `retryIf` fails them at once,
 *   since retrying a validation error cannot help.
 * - Load (2 workers) writes to an in-memory "warehouse".
 *
 * The progress bar goes to stderr: it redraws in place on a terminal and prints plain lines
 * otherwise (e.g. when piped to a file), then a summary.
 *
 * Run: deno run examples/multi_stage_etl.ts [--items N]
 *      node examples/multi_stage_etl.ts      (Node >= 22.18)
 *      bun examples/multi_stage_etl.ts
 */
import process from "node:process";
import { delay, Pipeline, Stage, StatusTracker, type TaskContext } from "../mod.ts";
import { progressBar } from "../src/terminal/mod.ts";

const count = numberArg("--items", 60);

interface RawRecord {
  id: number;
  payload: string;
}
interface CleanRecord {
  id: number;
  name: string;
  score: number;
}

/** A validation error: the record is bad, retrying will not fix it. */
class ValidationError extends Error {
  override name = "ValidationError";
}

// --- Extract: a flaky source. ---
async function extract(id: number, ctx: TaskContext): Promise<RawRecord> {
  await delay(10 + (id % 4) * 5, { signal: ctx.signal });
  if (id % 17 === 16) throw new Error(`source: record ${id} is gone`);
  if (id % 5 === 3 && ctx.attempt === 1) throw new Error(`source: timeout reading record ${id}`);
  return { id, payload: `name=item-${id};score=${(id * 37) % 100}` };
}

// --- Transform: parse and validate (two tasks, run in order for each record). ---
function parse(raw: RawRecord): CleanRecord {
  const fields = Object.fromEntries(raw.payload.split(";").map((kv) => kv.split("=")));
  return { id: raw.id, name: fields.name, score: Number(fields.score) };
}
function validate(record: CleanRecord): CleanRecord {
  if (record.id % 13 === 0) throw new ValidationError(`record ${record.id}: score out of range`);
  return record;
}

// --- Load: write to the warehouse. ---
const warehouse = new Map<number, CleanRecord>();
async function load(record: CleanRecord, ctx: TaskContext): Promise<number> {
  await delay(5, { signal: ctx.signal });
  warehouse.set(record.id, record);
  return record.id;
}

// The tracker sees every event; count the retries as they happen.
const tracker = new StatusTracker();
let retries = 0;
tracker.addEventListener("taskretry", () => retries++);

const pipeline = new Pipeline({
  stages: [
    new Stage({
      name: "Extract",
      workers: 4,
      tasks: [extract],
      taskAttempts: 3, // total tries per task
      taskWaitMs: 20, // wait 20 ms, then 40 ms (× 2 each time), capped at 100 ms
      backoff: { multiplier: 2, maxWaitMs: 100 },
    }),
    new Stage({
      name: "Transform",
      workers: 2,
      tasks: [parse, validate],
      retryIf: (error) => !(error instanceof ValidationError),
    }),
    new Stage({ name: "Load", workers: 2, tasks: [load] }),
  ],
  statusTracker: tracker,
});

const ids = Array.from({ length: count }, (_, i) => i);
const results = await pipeline.run(ids, {
  dashboard: progressBar({ plainIntervalMs: 1000 }),
  dashboardIntervalMs: 100,
});

// --- Summary. ---
const stats = tracker.getStats();
console.log(
  `Loaded ${results.length} of ${count} records into the warehouse (${warehouse.size} rows)`,
);
console.log(`Retries: ${retries}`);
console.log(
  `Tracker: completed ${stats.completed}, failed ${stats.failed}, cancelled ${stats.cancelled}`,
);
for (const [stage, s] of Object.entries(pipeline.getStats().stageStats)) {
  console.log(`  ${stage}: ${s.completedItems} passed, ${s.failedItems} failed`);
}
const summary = pipeline.getErrorSummary();
console.log(String(summary));
for (const failed of summary.failedItems) {
  console.log(
    `  item ${failed.itemId}: ${failed.errorType} in ${failed.stage} after ${failed.attempts} attempt(s): ${failed.error}`,
  );
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
