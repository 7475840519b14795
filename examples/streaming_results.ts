/**
 * Streaming: `pipeline.stream(items)` yields every item's result as soon as it finishes
 * (completion order), failures included (`result.error`), and feeds items only as fast as you
 * read. `highWaterMark` is how many finished results may wait for you before the workers wait too.
 *
 * Breaking out of the `for await` loop cancels the run: no more items are taken from the input,
 * the running tasks' `ctx.signal` aborts, and every item still in the pipeline ends `cancelled`.
 *
 * Run: deno run examples/streaming_results.ts [--items N] [--stop-after K]
 *      node examples/streaming_results.ts      (Node >= 22.18)
 *      bun examples/streaming_results.ts
 */
import process from "node:process";
import { delay, Pipeline, Stage, type TaskContext } from "../mod.ts";

const count = numberArg("--items", 200);
const stopAfter = numberArg("--stop-after", 25);

// Item n takes 5–20 ms; every item whose number ends in 7 fails (no retries, to keep it short).
async function lookUp(n: number, ctx: TaskContext): Promise<number> {
  await delay(5 + (n * 7) % 16, { signal: ctx.signal });
  if (n % 10 === 7) throw new Error(`no data for ${n}`);
  return n * n;
}
function describe(square: number): string {
  return `square ${square}`;
}

const pipeline = new Pipeline({
  stages: [
    // queueCapacity bounds how far the pipeline reads ahead of the workers.
    new Stage({ name: "LookUp", workers: 4, tasks: [lookUp], taskAttempts: 1, queueCapacity: 8 }),
    new Stage({ name: "Describe", workers: 1, tasks: [describe] }),
  ],
});

let received = 0;
let failures = 0;
// Items are an (endless-capable) generator: the pipeline pulls from it only as needed.
function* numbers(): Generator<number> {
  for (let n = 0; n < count; n++) yield n;
}
for await (const result of pipeline.stream(numbers(), { highWaterMark: 4 })) {
  received++;
  if (result.error !== undefined) {
    failures++;
    console.log(`#${received} item ${result.id} FAILED: ${(result.error as Error).message}`);
  } else {
    console.log(`#${received} item ${result.id} -> ${result.value}`);
  }
  if (received === stopAfter) {
    console.log(`Got ${stopAfter} results, stopping early.`);
    break; // cancels the stream, and with it the run
  }
}

const stats = pipeline.getStats();
const fed = stats.itemsProcessed + stats.itemsFailed + stats.itemsCancelled;
console.log(`Received ${received} results, ${failures} of them failures`);
console.log(
  `Stats: processed ${stats.itemsProcessed}, failed ${stats.itemsFailed}, cancelled ${stats.itemsCancelled}, in flight ${stats.itemsInFlight}`,
);
console.log(`Taken from the input: ${fed} of ${count}; the other ${count - fed} were never read`);

/** Reads `--name N` from the command line (Deno, Node and Bun all provide `process.argv`). */
function numberArg(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be an integer >= 1`);
  }
  return value;
}
