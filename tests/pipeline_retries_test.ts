import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage, type TaskContext } from "../mod.ts";
import { PeakCounter, range, recordingTracker, sleep } from "./support/helpers.ts";
import { collect, failingTask, type StageExtras } from "./support/pipeline_fixtures.ts";

/**
 * Runs one item through stage "A" (tasks `a`, then `flaky`, which fails its first call with
 * "boom1") with the given retry options; returns the tracker's event log.
 */
async function oneRetryLog(options: StageExtras): Promise<string[]> {
  let n = 0;
  const { tracker, log } = recordingTracker();
  const pipeline = new Pipeline({
    stages: [
      new Stage({
        name: "A",
        workers: 1,
        ...options,
        tasks: [function a(x: number) {
          return x;
        }, function flaky(x: number) {
          if (n++ === 0) throw new Error("boom1");
          return x;
        }],
      }),
    ],
    statusTracker: tracker,
  });
  await pipeline.run([5]);
  return log;
}

describe("per_task retries", () => {
  it("retries only the failing task with the same input, taskAttempts total tries", async () => {
    const calls: string[] = [];
    let failures = 2;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          taskAttempts: 3,
          taskWaitMs: 1,
          tasks: [
            function first(x: number) {
              calls.push(`first(${x})`);
              return x + 1;
            },
            function flaky(x: number) {
              calls.push(`flaky(${x})`);
              if (failures-- > 0) throw new Error("nope");
              return x * 10;
            },
          ],
        }),
      ],
    });
    const [result] = await pipeline.run([1]);
    assert.equal(result.value, 20);
    assert.deepEqual(calls, ["first(1)", "flaky(2)", "flaky(2)", "flaky(2)"]);
  });

  it("an always-failing task is tried exactly taskAttempts times, then the item fails with the original error", async () => {
    let calls = 0;
    const original = new TypeError("always");
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          taskAttempts: 4,
          taskWaitMs: 0,
          tasks: [() => {
            calls++;
            throw original;
          }],
        }),
      ],
    });
    const results = await collect(pipeline.stream([1]));
    assert.equal(calls, 4);
    assert.equal(results[0].error, original);
    assert.equal(pipeline.getStats().itemsFailed, 1);
  });

  it("waits taskWaitMs between attempts, growing by the backoff multiplier, never after the last", async () => {
    const times: number[] = [];
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          taskAttempts: 4,
          taskWaitMs: 20,
          backoff: { multiplier: 2, maxWaitMs: 50 },
          tasks: [() => {
            times.push(performance.now());
            throw new Error("x");
          }],
        }),
      ],
    });
    const start = performance.now();
    await pipeline.run([1]);
    const end = performance.now();
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.equal(gaps.length, 3);
    assert.ok(
      gaps[0] >= 18 && gaps[1] >= 38 && gaps[2] >= 48,
      `gaps ${gaps.map((g) => g.toFixed(1))}`,
    );
    assert.ok(gaps[2] < 50 + 200, "capped at maxWaitMs (plus scheduling slack)");
    assert.ok(end - times[3] < 15, "no wait after the last attempt");
    assert.ok(end - start >= 110);
  });

  it("retryIf(error, attempt) returning false fails at once", async () => {
    const seen: [string, number][] = [];
    let calls = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          taskAttempts: 5,
          taskWaitMs: 0,
          retryIf: (error, attempt) => {
            seen.push([(error as Error).message, attempt]);
            return (error as Error).message !== "fatal";
          },
          tasks: [() => {
            calls++;
            throw new Error(calls === 1 ? "transient" : "fatal");
          }],
        }),
      ],
    });
    await pipeline.run([1]);
    assert.equal(calls, 2);
    assert.deepEqual(seen, [["transient", 1], ["fatal", 2]]);
  });

  it("emits taskretry and a retrying status (attempt = the next one) without a new in_progress", async () => {
    const log = await oneRetryLog({ taskWaitMs: 1 });
    assert.deepEqual(log, [
      "S:0:queued:A:null",
      "S:0:in_progress:A:A-W0",
      "T:0:start:A:a:1",
      "T:0:complete:A:a:1",
      "T:0:start:A:flaky:1",
      "T:0:retry:A:flaky:1:boom1",
      'S:0:retrying:A:A-W0 {"error":"boom1","errorType":"Error","attempt":2}',
      "T:0:start:A:flaky:2",
      "T:0:complete:A:flaky:2",
      "S:0:completed:A:A-W0",
    ]);
  });

  it("the wait between attempts holds no task concurrency slot", async () => {
    const peak = new PeakCounter();
    let fails = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 4,
          taskWaitMs: 30,
          taskConcurrencyLimits: { call: 1 },
          tasks: [async function call(x: number) {
            peak.enter();
            await sleep(2);
            peak.leave();
            if (x === 0 && fails++ === 0) throw new Error("retry me");
            return x;
          }],
        }),
      ],
    });
    const start = performance.now();
    const results = await pipeline.run(range(4));
    assert.equal(results.length, 4);
    assert.equal(peak.peak, 1);
    // Items 1-3 ran while item 0 waited: the whole run takes about one wait, not one wait plus three.
    assert.ok(performance.now() - start < 30 + 200);
  });
});

describe("per_stage retries", () => {
  it("restarts the whole stage from its original input", async () => {
    const calls: string[] = [];
    let fail = true;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          retry: "per_stage",
          taskWaitMs: 0,
          tasks: [
            function a(x: number) {
              calls.push(`a(${x})`);
              return x + 1;
            },
            function b(x: number) {
              calls.push(`b(${x})`);
              if (fail) {
                fail = false;
                throw new Error("once");
              }
              return x * 100;
            },
          ],
        }),
      ],
    });
    const [result] = await pipeline.run([1]);
    assert.equal(result.value, 200);
    assert.deepEqual(calls, ["a(1)", "b(2)", "a(1)", "b(2)"]);
  });

  it("an always-failing item with stageAttempts: 4 is tried exactly 4 times and counted failed", async () => {
    let calls = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 2,
          retry: "per_stage",
          stageAttempts: 4,
          taskWaitMs: 0,
          tasks: [() => {
            calls++;
            throw new Error("x");
          }],
        }),
      ],
    });
    const results = await pipeline.run([1]);
    assert.deepEqual(results, []);
    assert.equal(calls, 4);
    const stats = pipeline.getStats();
    assert.equal(stats.itemsFailed, 1);
    assert.equal(stats.itemsInFlight, 0);
  });

  it("two items with three attempts each: six calls, both failed (no retry lost to a join race)", async () => {
    let calls = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 2,
          retry: "per_stage",
          stageAttempts: 3,
          taskWaitMs: 5,
          tasks: [async () => {
            calls++;
            await sleep(10);
            throw new Error("x");
          }],
        }),
      ],
    });
    await pipeline.run([1, 2]);
    assert.equal(calls, 6);
    assert.equal(pipeline.getStats().itemsFailed, 2);
  });

  it("re-queues behind the queue (any worker may take it) and emits retrying then in_progress again", async () => {
    const log = await oneRetryLog({ retry: "per_stage", stageAttempts: 3, taskWaitMs: 0 });
    assert.deepEqual(log, [
      "S:0:queued:A:null",
      "S:0:in_progress:A:A-W0",
      "T:0:start:A:a:1",
      "T:0:complete:A:a:1",
      "T:0:start:A:flaky:1",
      "T:0:retry:A:flaky:1:boom1",
      'S:0:retrying:A:A-W0 {"error":"boom1","errorType":"Error","attempt":2}',
      "S:0:in_progress:A:A-W0",
      "T:0:start:A:a:2",
      "T:0:complete:A:a:2",
      "T:0:start:A:flaky:2",
      "T:0:complete:A:flaky:2",
      "S:0:completed:A:A-W0",
    ]);
  });

  it("waits the backoff before re-queueing, without holding a worker", async () => {
    const order: string[] = [];
    let failed = false;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          retry: "per_stage",
          taskWaitMs: 40,
          tasks: [async (x: string) => {
            order.push(x);
            if (x === "first" && !failed) {
              failed = true;
              throw new Error("later");
            }
            await sleep(1);
            return x;
          }],
        }),
      ],
    });
    const results = await pipeline.run(["first", "second", "third"]);
    assert.deepEqual(order, ["first", "second", "third", "first"]);
    assert.equal(results.length, 3);
  });

  it("FailedItem.attempts is right in both modes", async () => {
    for (const retry of ["per_task", "per_stage"] as const) {
      const { tracker } = recordingTracker();
      const pipeline = new Pipeline({
        stages: [
          new Stage({
            name: "A",
            workers: 1,
            retry,
            taskAttempts: 3,
            stageAttempts: 3,
            taskWaitMs: 0,
            tasks: [failingTask("bad", RangeError)],
          }),
        ],
        statusTracker: tracker,
      });
      await pipeline.run([1]);
      const [failed] = tracker.getFailedItems();
      assert.equal(failed.attempts, 3, retry);
      assert.equal(failed.errorType, "RangeError");
      assert.equal(failed.error, "bad");
      assert.equal(failed.stage, "A");
    }
  });

  it("ctx.attempt is the stage attempt in per_stage mode and per task in per_task mode", async () => {
    const seen: string[] = [];
    let n = 0;
    const record = (x: number, ctx: TaskContext) => {
      seen.push(`${ctx.task}:${ctx.attempt}`);
      return x;
    };
    async function flaky(x: number, ctx: TaskContext) {
      seen.push(`${ctx.task}:${ctx.attempt}`);
      if (n++ < 1) throw new Error("x");
      return x;
    }
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          retry: "per_stage",
          taskWaitMs: 0,
          tasks: [record, flaky],
        }),
      ],
    });
    await pipeline.run([1]);
    assert.deepEqual(seen, ["record:1", "flaky:1", "record:2", "flaky:2"]);
  });
});
