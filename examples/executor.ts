/**
 * `AsyncExecutor`: a `concurrent.futures`-style pool for one-off tasks, when a whole pipeline is
 * more than you need. Tasks run on `maxWorkers` async workers; `submit()` hands back a future.
 *
 * Shown here: `submit` / `result` (with retries), `map` (input order), `mapIter` (input order, as
 * soon as ready), `asCompleted` (completion order), `wait` with `FIRST_COMPLETED`, a `Semaphore`
 * shared by two executors and your own code, `shutdown({ cancelFutures })`, and `await using`.
 *
 * Run: deno run examples/executor.ts
 *      node examples/executor.ts      (Node >= 22.18)
 *      bun examples/executor.ts
 */
import {
  AsyncExecutor,
  delay,
  ExecutorShutdownError,
  type ExecutorTaskContext,
  Semaphore,
  wait,
} from "../mod.ts";

/** A pretend network call that takes `ms` and honours cancellation. */
async function fetchPage(
  url: string,
  ms: number,
  { signal }: ExecutorTaskContext,
): Promise<string> {
  await delay(ms, { signal });
  return `<${url}>`;
}

const blockStart = performance.now();
{
  // `await using`: the executor is shut down (after its tasks finish) at the end of this block.
  await using executor = new AsyncExecutor({ maxWorkers: 3 });

  // 1. submit() returns a future at once; result() waits for the value.
  const home = executor.submit(fetchPage, ["home", 20]);
  console.log(`1. submit/result: ${await home.result()}`);

  // Retries: total attempts = retries + 1, waiting retryDelayMs × 2^(k-1) in between.
  const flaky = executor.submit(
    ({ attempt }: ExecutorTaskContext) => {
      if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
      return `ok on attempt ${attempt}`;
    },
    [],
    { retries: 2, retryDelayMs: 10 },
  );
  console.log(`   with retries: ${await flaky.result()}`);

  // 2. map(): every item at once (3 at a time), results in input order.
  const lengths = await executor.map(
    async (word: string, { signal }) => {
      await delay(30 - word.length * 5, { signal }); // longer words finish first
      return word.length;
    },
    ["ant", "colony", "queen", "forager"],
  );
  console.log(`2. map: ${lengths.join(", ")}`);

  // 3. mapIter(): the same order, but each result as soon as it and those before it are ready.
  const squares: number[] = [];
  for await (const square of executor.mapIter((n: number) => n * n, [1, 2, 3, 4, 5])) {
    squares.push(square);
  }
  console.log(`3. mapIter: ${squares.join(", ")}`);

  // 4. asCompleted(): the fastest first.
  const pages = [["slow", 60], ["fast", 10], ["medium", 30]] as const;
  const futures = pages.map(([url, ms]) => executor.submit(fetchPage, [url, ms]));
  const finished: string[] = [];
  for await (const future of executor.asCompleted(futures, { timeoutMs: 5_000 })) {
    finished.push(await future.result());
  }
  console.log(`4. asCompleted: ${finished.join(", ")}`);

  // 5. wait(FIRST_COMPLETED): ask two mirrors, take the first answer, cancel the other.
  const mirrors = [
    executor.submit(fetchPage, ["mirror-eu", 15]),
    executor.submit(fetchPage, ["mirror-us", 2_000]),
  ];
  const { done, pending } = await wait(mirrors, { returnWhen: "FIRST_COMPLETED" });
  const [winner] = done;
  for (const loser of pending) loser.cancel(); // its ctx.signal aborts; the delay stops at once
  const reasons = [...pending].map((loser) => loser.exception()?.name);
  console.log(
    `5. wait(FIRST_COMPLETED): ${await winner.result()}; cancelled: ${reasons.join(", ")}`,
  );
}
// Had the cancel not stopped the 2 s mirror, the block would have waited for it.
const blockMs = performance.now() - blockStart;
console.log(
  `   (the executor was shut down at the end of its block, after ${blockMs.toFixed(0)} ms)`,
);

// 6. A Semaphore shared by two executors and by our own code: at most 2 "database" calls at once,
// although 3 + 3 workers could run them.
const database = new Semaphore(2);
let active = 0;
let peak = 0;
async function query(sql: string): Promise<string> {
  peak = Math.max(peak, ++active);
  await delay(10);
  active--;
  return `rows for ${sql}`;
}
{
  await using reports = new AsyncExecutor({ maxWorkers: 3 });
  await using exports = new AsyncExecutor({ maxWorkers: 3 });
  const futures = [
    ...[1, 2, 3, 4].map((n) => reports.submit(query, [`report ${n}`], { limit: database })),
    ...[1, 2, 3, 4].map((n) => exports.submit(query, [`export ${n}`], { limit: database })),
  ];
  const ours = database.run(() => query("our own query")); // the same limit, outside any executor
  const rows = await Promise.all([...futures.map((f) => f.result()), ours]);
  console.log(`6. shared Semaphore: ${rows.length} queries, at most ${peak} at once`);
}

// 7. shutdown({ cancelFutures: true }): queued tasks never start, running ones are aborted.
const pool = new AsyncExecutor({ maxWorkers: 1 });
const queued = [1, 2, 3].map((n) => pool.submit(fetchPage, [`page-${n}`, 1_000]));
await pool.shutdown({ cancelFutures: true });
const cancelled = queued.filter((f) => f.exception() instanceof ExecutorShutdownError).length;
console.log(`7. shutdown({ cancelFutures: true }): ${cancelled} of ${queued.length} cancelled`);
try {
  pool.submit(fetchPage, ["too-late", 1]);
} catch (error) {
  console.log(`   submit after shutdown: ${(error as Error).name}`);
}
