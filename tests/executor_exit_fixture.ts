/**
 * Run as a separate process by executor_shutdown_test.ts: it uses every feature that arms a timer
 * or an abort listener, shuts one executor down and leaves another idle with all work done, then
 * prints "done". The process must then exit by itself.
 */
import { asCompleted, AsyncExecutor, delay, Semaphore, wait } from "../mod.ts";

const executor = new AsyncExecutor({ maxWorkers: 3 });
const controller = new AbortController();
const limit = new Semaphore(1);
const futures = Array.from(
  { length: 6 },
  (_, i) =>
    executor.submit(
      async (n: number, { attempt }) => {
        await delay(5);
        if (attempt === 1 && n % 2 === 0) throw new Error("retry me");
        return n;
      },
      [i],
      { retries: 1, retryDelayMs: 5, limit, signal: controller.signal },
    ),
);
await futures[0].result({ timeoutMs: 60_000, signal: controller.signal });
await wait(futures, { timeoutMs: 60_000, signal: controller.signal });
await wait(futures, { returnWhen: "FIRST_COMPLETED", timeoutMs: 60_000 });
for await (const _ of asCompleted(futures, { timeoutMs: 60_000, signal: controller.signal }));
for await (const _ of executor.mapIter((n: number) => delay(n), [5, 10, 15])) break;
const cancelled = executor.submit(({ signal }) => delay(60_000, { signal }));
await delay(5);
cancelled.cancel();
executor.submit(({ signal }) => delay(60_000, { signal }));
await executor.shutdown({ cancelFutures: true });

const idle = new AsyncExecutor({ maxWorkers: 2 });
await idle.map((n: number) => delay(n), [1, 2, 3, 4]);
await idle.submit(() => delay(1)).result({ timeoutMs: 60_000 });

console.log("done");
