/**
 * Generated AsyncExecutor cases: jobs that fail a number of times, retry, share a Semaphore, are
 * cancelled, aborted by their signal or cut by a (cancelling) shutdown at random moments.
 */
import fc from "fast-check";
import { AsyncExecutor, type AsyncFuture, ExecutorShutdownError, Semaphore } from "../../../mod.ts";
import { within } from "./reliability_observe.ts";
import { parameters } from "./reliability_property.ts";

export interface ExecJob {
  retries: number;
  /** The first `failUntil` attempts fail. */
  failUntil: number;
  delayMs: number;
  sync: boolean;
  useLimit: boolean;
  throwsError: boolean;
  /** `future.cancel()` after this many ms (-1: never). */
  cancelAfterMs: number;
  /** Abort the submit's signal after this many ms (-1: no signal). */
  abortAfterMs: number;
  honorsSignal: boolean;
}

export interface ExecCase {
  maxWorkers: number;
  permits: number;
  retryDelayMs: number;
  jobs: ExecJob[];
  mapItems: number;
  shutdown: { afterMs: number; cancelFutures: boolean } | null;
}

const jobArb: fc.Arbitrary<ExecJob> = fc.record({
  retries: fc.integer({ min: 0, max: 3 }),
  failUntil: fc.integer({ min: 0, max: 4 }),
  delayMs: fc.constantFrom(0, 0, 1, 3),
  sync: fc.boolean(),
  useLimit: fc.boolean(),
  throwsError: fc.boolean(),
  cancelAfterMs: fc.constantFrom(-1, -1, -1, 0, 2, 6),
  abortAfterMs: fc.constantFrom(-1, -1, -1, 0, 3),
  honorsSignal: fc.boolean(),
});

export const execCaseArb: fc.Arbitrary<ExecCase> = fc.record({
  maxWorkers: fc.integer({ min: 1, max: 6 }),
  permits: fc.integer({ min: 1, max: 3 }),
  retryDelayMs: fc.integer({ min: 0, max: 2 }),
  jobs: fc.array(jobArb, { maxLength: 20 }),
  mapItems: fc.integer({ min: 0, max: 8 }),
  shutdown: fc.option(
    fc.record({ afterMs: fc.integer({ min: 0, max: 10 }), cancelFutures: fc.boolean() }),
    { nil: null, freq: 3 },
  ),
});

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

/** Runs one case and returns the violated invariants. */
export async function runExecCase(c: ExecCase): Promise<string[]> {
  const out: string[] = [];
  const executor = new AsyncExecutor({ maxWorkers: c.maxWorkers });
  const limit = new Semaphore(c.permits);
  let running = 0;
  let peak = 0;
  let holders = 0;
  let peakHolders = 0;
  const attempts = c.jobs.map(() => 0);
  const futures: AsyncFuture<unknown>[] = [];
  const interfered = c.jobs.map(() => false);
  const thrown = new Map<number, unknown>();
  const timers: ReturnType<typeof setTimeout>[] = [];
  const at = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms));

  const task = (i: number) => (n: number, ctx: { signal: AbortSignal; attempt: number }) => {
    const job = c.jobs[i];
    if (futures[i]?.done()) {
      out.push(`job ${i}: attempt ${ctx.attempt} started after its future settled`);
    }
    attempts[i]++;
    running++;
    peak = Math.max(peak, running);
    if (job.useLimit) peakHolders = Math.max(peakHolders, ++holders);
    const finish = () => {
      running--;
      if (job.useLimit) holders--;
    };
    const fails = ctx.attempt <= job.failUntil;
    const value = job.throwsError ? new Error(`job ${i} attempt ${ctx.attempt}`) : `job ${i}`;
    if (job.sync) {
      finish();
      if (fails) {
        thrown.set(i, value);
        throw value;
      }
      return n * 2;
    }
    return sleep(job.delayMs, job.honorsSignal ? ctx.signal : undefined).then(() => {
      if (fails) {
        thrown.set(i, value);
        throw value;
      }
      return n * 2;
    }).finally(finish);
  };

  c.jobs.forEach((job, i) => {
    const controller = job.abortAfterMs >= 0 ? new AbortController() : undefined;
    futures.push(executor.submit(task(i), [i], {
      retries: job.retries,
      retryDelayMs: c.retryDelayMs,
      limit: job.useLimit ? limit : undefined,
      signal: controller?.signal,
    }));
    if (job.cancelAfterMs >= 0) {
      at(job.cancelAfterMs, () => {
        if (futures[i].cancel()) interfered[i] = true;
      });
    }
    if (controller !== undefined) {
      at(job.abortAfterMs, () => {
        if (!futures[i].done()) interfered[i] = true;
        controller.abort(new Error(`abort ${i}`));
      });
    }
  });
  const items = Array.from({ length: c.mapItems }, (_, i) => i);
  const mapped = c.mapItems === 0 ? Promise.resolve([]) : executor.map((n: number) => n + 1, items);
  if (c.shutdown !== null) {
    const { afterMs, cancelFutures } = c.shutdown;
    at(afterMs, () => {
      futures.forEach((f, i) => cancelFutures && !f.done() && (interfered[i] = true));
      void executor.shutdown({ cancelFutures, wait: false });
    });
  }
  const settled = await within(
    10_000,
    "the futures",
    Promise.allSettled(futures.map((f) => f.result())),
  );
  const mappedOutcome = await within(10_000, "map()", mapped.then((v) => v, (e) => e));
  for (const t of timers) clearTimeout(t);
  await within(10_000, "shutdown()", executor.shutdown());

  if (peak > c.maxWorkers) out.push(`${peak} tasks ran at once, maxWorkers ${c.maxWorkers}`);
  if (peakHolders > c.permits) out.push(`${peakHolders} held the semaphore, permits ${c.permits}`);
  if (executor.running !== 0 || executor.queued !== 0) out.push("work left after shutdown()");
  if (Array.isArray(mappedOutcome)) {
    if (mappedOutcome.join() !== items.map((n) => n + 1).join()) {
      out.push(`map(): ${mappedOutcome}`);
    }
  } else if (
    !(mappedOutcome instanceof ExecutorShutdownError) || c.shutdown?.cancelFutures !== true
  ) {
    out.push(`map() rejected with ${String(mappedOutcome)}`);
  }
  settled.forEach((s, i) => {
    const job = c.jobs[i];
    const future = futures[i];
    const where = `job ${i}`;
    if (!future.done()) out.push(`${where}: not done after its result settled`);
    if ((s.status === "rejected") !== (future.exception() !== undefined)) {
      out.push(`${where}: exception() disagrees with result()`);
    }
    if (s.status === "rejected" && !(s.reason instanceof Error)) {
      out.push(`${where}: rejected with a non-Error`);
    }
    if (interfered[i]) {
      if (s.status === "fulfilled") out.push(`${where}: cancelled while pending, yet fulfilled`);
      return;
    }
    const succeeds = job.failUntil <= job.retries;
    const tries = Math.min(job.failUntil, job.retries) + 1;
    if (succeeds !== (s.status === "fulfilled")) {
      out.push(`${where}: ${s.status}, predicted otherwise`);
    }
    if (attempts[i] !== tries) out.push(`${where}: ${attempts[i]} attempts, predicted ${tries}`);
    if (s.status === "fulfilled" && s.value !== i * 2) out.push(`${where}: value ${s.value}`);
    if (s.status === "rejected") {
      const error = s.reason as Error;
      const last = thrown.get(i);
      if (last instanceof Error ? error !== last : error.cause !== last) {
        out.push(`${where}: rejected with ${String(error)}, not the last thrown value`);
      }
    }
  });
  return out;
}

/** `fc.check` over executor cases; throws with the replay command and the report on failure. */
export async function assertExecCases(defaultRuns = 200): Promise<{ cases: number; ms: number }> {
  let cases = 0;
  const started = performance.now();
  const details = await fc.check(
    fc.asyncProperty(execCaseArb, async (c) => {
      cases++;
      const problems = await runExecCase(c);
      if (problems.length > 0) throw new Error(problems.slice(0, 12).join("\n  "));
    }),
    parameters(defaultRuns),
  );
  if (details.failed) {
    const error = details.errorInstance;
    const replay =
      `ANTFLOW_FUZZ_SEED=${details.seed} ANTFLOW_FUZZ_PATH="${details.counterexamplePath}"`;
    throw new Error(
      `property "executor" failed; replay with ${replay}\n${fc.defaultReportMessage(details)}\n` +
        `Got: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { cases, ms: performance.now() - started };
}
