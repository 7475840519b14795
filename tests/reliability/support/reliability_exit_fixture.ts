/**
 * Run as a child process by reliability_leaks_test.ts: does one kind of work, prints
 * `done <mode> <inFlight>`, and returns. The test checks that the process then exits by itself
 * within a second (no stray timer, interval, listener or pending handle keeps it alive).
 *
 * Usage: reliability_exit_fixture.ts <mode> [seed]
 */
import fc from "fast-check";
import { AsyncExecutor, delay, Pipeline, Semaphore, Stage, StatusTracker } from "../../../mod.ts";
import { caseArb } from "./reliability_model.ts";
import { runCase } from "./reliability_property.ts";

const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
const args = g.Deno?.args ?? g.process!.argv.slice(2);
const [mode, seedText] = args;

/** A task that honours its signal: its timer goes when the run is aborted. */
function slow(ms: number) {
  return (x: number, ctx: { signal: AbortSignal }) =>
    delay(ms, { signal: ctx.signal }).then(() => x);
}

function pipeline(tracker?: StatusTracker): Pipeline {
  return new Pipeline({
    stages: [
      new Stage({ name: "A", workers: 2, taskTimeoutMs: 60_000, tasks: [slow(5)] }),
      new Stage({
        name: "B",
        workers: 2,
        retry: "per_stage",
        stageAttempts: 3,
        taskWaitMs: 30_000,
        callRate: 1,
        callRatePeriodMs: 60_000,
        tasks: [(x: number, ctx) => ctx.rateLimit(() => x)],
      }),
    ],
    statusTracker: tracker,
  });
}

let inFlight = 0;
switch (mode) {
  case "executor-completed": {
    const executor = new AsyncExecutor({ maxWorkers: 3 });
    const controller = new AbortController();
    const limit = new Semaphore(2);
    await executor.map((n: number) => delay(n), [1, 2, 3, 4], { limit, signal: controller.signal });
    const future = executor.submit(() => 1, [], { retries: 2, retryDelayMs: 30_000 });
    await future.result({ timeoutMs: 60_000, signal: controller.signal });
    await executor.wait([future], { timeoutMs: 60_000, signal: controller.signal });
    // No shutdown: an idle executor must not keep the process alive either.
    break;
  }
  case "executor-cancelled": {
    const executor = new AsyncExecutor({ maxWorkers: 2 });
    const failing = executor.submit(
      () => {
        throw new Error("retry later");
      },
      [],
      { retries: 5, retryDelayMs: 30_000 },
    );
    const running = executor.submit(({ signal }) => delay(60_000, { signal }));
    const queued = executor.submit(({ signal }) => delay(60_000, { signal }));
    const pending = executor.submit(() => 1);
    const watcher = executor.wait([running], { timeoutMs: 60_000 });
    await delay(10);
    await executor.shutdown({ cancelFutures: true });
    await Promise.allSettled([
      failing.result(),
      running.result(),
      queued.result(),
      pending.result(),
    ]);
    await watcher;
    break;
  }
  case "executor-timeouts": {
    const executor = new AsyncExecutor({ maxWorkers: 1 });
    const future = executor.submit(({ signal }) => delay(200, { signal }));
    await future.result({ timeoutMs: 5 }).catch(() => {});
    await executor.wait([future], { timeoutMs: 5 }).catch(() => {});
    try {
      for await (const _ of executor.asCompleted([future], { timeoutMs: 5 })) { /* nothing */ }
    } catch (error) {
      if ((error as Error).name !== "TimeoutError") throw error;
    }
    future.cancel();
    await executor.shutdown({ wait: false });
    break;
  }
  case "stream-break": {
    const p = pipeline(new StatusTracker());
    for await (const _ of p.stream(Array.from({ length: 50 }, (_, i) => i))) break;
    await delay(0);
    inFlight = p.getStats().itemsInFlight;
    break;
  }
  case "feed-shutdown": {
    await using p = pipeline(new StatusTracker());
    await p.start();
    void p.feed(Array.from({ length: 50 }, (_, i) => i));
    void p.feed([100, 101], { targetStage: "B" });
    await delay(20);
    await p.shutdown();
    await p.join();
    inFlight = p.getStats().itemsInFlight;
    break;
  }
  case "dashboard-abort": {
    const controller = new AbortController();
    const p = pipeline();
    const dashboard = { onStart() {}, onUpdate() {}, onFinish() {} };
    setTimeout(() => controller.abort(new Error("stop")), 30);
    await p.run(Array.from({ length: 100 }, (_, i) => i), {
      signal: controller.signal,
      dashboard,
      dashboardIntervalMs: 10,
    }).catch(() => {});
    inFlight = p.getStats().itemsInFlight;
    break;
  }
  case "generated": {
    // Property-ish: a batch of generated cases (every mode, aborts, faults, timeouts, hangs).
    const seed = Number(seedText ?? 1);
    for (const m of ["run", "stream", "feed"] as const) {
      for (const c of fc.sample(caseArb(m), { seed, numRuns: 12 })) await runCase(c);
    }
    break;
  }
  case "control-leak":
    // The detector's control: a stray timer must be caught lingering.
    setTimeout(() => {}, 1500);
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
console.log(`done ${mode} ${inFlight}`);
