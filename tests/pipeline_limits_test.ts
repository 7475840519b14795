import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage, type TaskContext } from "../mod.ts";
import { PeakCounter, range, sleep } from "./support/helpers.ts";
import { slowTask } from "./support/pipeline_fixtures.ts";

describe("taskConcurrencyLimits", () => {
  for (const retry of ["per_task", "per_stage"] as const) {
    it(`caps the named task at its limit across the stage's workers (${retry})`, async () => {
      const uploads = new PeakCounter();
      const other = new PeakCounter();
      let fails = 0;
      const pipeline = new Pipeline({
        stages: [
          new Stage({
            name: "S",
            workers: 10,
            retry,
            taskWaitMs: 1,
            taskConcurrencyLimits: { upload: 2 },
            tasks: [
              async function upload(x: number) {
                uploads.enter();
                await sleep(3);
                uploads.leave();
                if (x % 7 === 0 && fails++ < 3) throw new Error("flaky");
                return x;
              },
              async function poll(x: number) {
                other.enter();
                await sleep(3);
                other.leave();
                return x;
              },
            ],
          }),
        ],
      });
      const results = await pipeline.run(range(30));
      assert.equal(results.length, 30);
      assert.equal(uploads.peak, 2);
      assert.ok(other.peak > 2, `unlimited task peak ${other.peak}`);
    });
  }
});

describe("callConcurrency and ctx.concurrencyLimit()", () => {
  it("limits only the wrapped calls; workers run the rest freely", async () => {
    const api = new PeakCounter();
    const task = new PeakCounter();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 8,
          callConcurrency: 3,
          tasks: [task.wrap(async (x: number, ctx: TaskContext) => {
            await sleep(4);
            const y = await ctx.concurrencyLimit(async () => {
              api.enter();
              await sleep(4);
              api.leave();
              return x * 2;
            });
            return y;
          })],
        }),
      ],
    });
    const results = await pipeline.run(range(24));
    assert.deepEqual(results.map((r) => r.value), range(24).map((x) => x * 2));
    assert.equal(api.peak, 3);
    assert.ok(task.peak > 3);
  });

  it("throws a clear error on a stage without callConcurrency or callRate", async () => {
    const errors: string[] = [];
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Plain",
          workers: 1,
          taskAttempts: 1,
          tasks: [async (_x: number, ctx: TaskContext) => {
            for (
              const call of [() => ctx.concurrencyLimit(() => 1), () => ctx.rateLimit(() => 1)]
            ) {
              // Thrown synchronously, at the call (not a rejected promise).
              try {
                void call();
                errors.push("no throw");
              } catch (e) {
                errors.push(`${(e as Error).name}: ${(e as Error).message}`);
              }
            }
            return ctx.hasRateCapacity(1000);
          }],
        }),
      ],
    });
    const [result] = await pipeline.run([1]);
    assert.equal(result.value, true);
    assert.equal(errors.length, 2);
    assert.match(
      errors[0],
      /PipelineError: ctx.concurrencyLimit\(\) was called in stage "Plain", which has no callConcurrency/,
    );
    assert.match(
      errors[1],
      /PipelineError: ctx.rateLimit\(\) was called in stage "Plain", which has no callRate/,
    );
  });
});

describe("callRate and ctx.rateLimit()", () => {
  it("never starts more than callRate calls in any window of callRatePeriodMs", async () => {
    const starts: number[] = [];
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Api",
          workers: 10,
          callRate: 4,
          callRatePeriodMs: 100,
          tasks: [(x: number, ctx: TaskContext) =>
            ctx.rateLimit(() => {
              starts.push(performance.now());
              return x;
            })],
        }),
      ],
    });
    const t0 = performance.now();
    await pipeline.run(range(12));
    assert.equal(starts.length, 12);
    starts.sort((a, b) => a - b);
    for (let i = 4; i < starts.length; i++) {
      assert.ok(
        starts[i] - starts[i - 4] >= 99.5,
        `calls ${i - 4} and ${i} are ${(starts[i] - starts[i - 4]).toFixed(2)} ms apart`,
      );
    }
    // 12 calls at 4 per 100 ms: the last batch starts after two full windows.
    assert.ok(performance.now() - t0 >= 199);
  });

  it("hasRateCapacity() reports the window without taking from it", async () => {
    const seen: boolean[] = [];
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Api",
          workers: 1,
          callRate: 2,
          callRatePeriodMs: 10_000,
          tasks: [async (x: number, ctx: TaskContext) => {
            seen.push(ctx.hasRateCapacity());
            if (x < 2) await ctx.rateLimit(() => x);
            seen.push(ctx.hasRateCapacity(1));
            return x;
          }],
        }),
      ],
    });
    await pipeline.run([0, 1, 2]);
    assert.deepEqual(seen, [true, true, true, false, false, false]);
  });
});

describe("taskTimeoutMs", () => {
  it("times out a task that ignores its signal, with a TimeoutError, and retries it", async () => {
    let calls = 0;
    const signals: AbortSignal[] = [];
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Slow",
          workers: 1,
          taskTimeoutMs: 30,
          taskAttempts: 2,
          taskWaitMs: 0,
          tasks: [(_x: number, ctx: TaskContext) => {
            calls++;
            signals.push(ctx.signal);
            return new Promise(() => {}); // never settles, ignores the signal
          }],
        }),
      ],
    });
    const start = performance.now();
    const out = [];
    for await (const r of pipeline.stream([1])) out.push(r);
    const elapsed = performance.now() - start;
    assert.equal(calls, 2);
    assert.equal((out[0].error as Error).name, "TimeoutError");
    assert.match(
      (out[0].error as Error).message,
      /Task "task0" of stage "Slow" timed out after 30 ms/,
    );
    assert.ok(signals.every((s) => s.aborted && (s.reason as Error).name === "TimeoutError"));
    assert.ok(elapsed >= 55 && elapsed < 1000, `elapsed ${elapsed}`);
  });

  it("a task that finishes in time is unaffected and its timer is cleared", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Quick",
          workers: 2,
          taskTimeoutMs: 5_000,
          tasks: [slowTask(1, (x: number) => x + 1)],
        }),
      ],
    });
    const results = await pipeline.run(range(5));
    assert.deepEqual(results.map((r) => r.value), [1, 2, 3, 4, 5]);
  });
});
