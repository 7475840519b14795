import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage, StatusTracker } from "../mod.ts";

/** An HTTP-like error carrying the server's Retry-After, in ms. */
class RateLimited extends Error {
  override name = "RateLimited";
  retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super(`429, retry after ${retryAfterMs} ms`);
    this.retryAfterMs = retryAfterMs;
  }
}

function flaky(failures: number, retryAfterMs: number, starts: number[]) {
  return function call(x: number): number {
    starts.push(performance.now());
    if (starts.length <= failures) throw new RateLimited(retryAfterMs);
    return x;
  };
}

describe("backoff as a function (attempt, error) => ms", () => {
  for (const retry of ["per_task", "per_stage"] as const) {
    it(`${retry}: waits what the function returns (a Retry-After of 150 ms is honoured)`, async () => {
      const starts: number[] = [];
      const seen: [number, string][] = [];
      const pipeline = new Pipeline({
        stages: [
          new Stage({
            name: "Api",
            workers: 1,
            retry,
            taskAttempts: 3,
            stageAttempts: 3,
            taskWaitMs: 10_000, // would be far longer: the function decides
            backoff: (attempt, error) => {
              seen.push([attempt, error.name]);
              return (error as RateLimited).retryAfterMs;
            },
            tasks: [flaky(2, 150, starts)],
          }),
        ],
      });
      const results = await pipeline.run([7]);
      assert.deepEqual(results.map((r) => r.value), [7]);
      assert.equal(starts.length, 3);
      assert.deepEqual(seen, [[1, "RateLimited"], [2, "RateLimited"]]);
      for (let i = 1; i < starts.length; i++) {
        const gap = starts[i] - starts[i - 1];
        assert.ok(gap >= 140, `attempt ${i + 1} came ${gap.toFixed(0)} ms after the previous one`);
        assert.ok(gap < 5_000, `attempt ${i + 1} waited ${gap.toFixed(0)} ms (taskWaitMs used?)`);
      }
    });
  }

  it("a throwing or bad-valued backoff function is reported and taskWaitMs is waited instead", async () => {
    const tracker = new StatusTracker();
    const reported: string[] = [];
    tracker.addEventListener("error", (e) => {
      reported.push(`${e.detail.callback}@${e.detail.stage}: ${(e.detail.error as Error).message}`);
    });
    const starts: number[] = [];
    let calls = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Api",
          workers: 1,
          taskAttempts: 3,
          taskWaitMs: 5,
          backoff: () => {
            if (calls++ === 0) throw new Error("backoff bug");
            return -1;
          },
          tasks: [flaky(2, 0, starts)],
        }),
      ],
      statusTracker: tracker,
    });
    assert.deepEqual((await pipeline.run([1])).map((r) => r.value), [1]);
    assert.equal(reported.length, 2);
    assert.equal(reported[0], "backoff@Api: backoff bug");
    assert.match(reported[1], /^backoff@Api: Stage "Api": backoff must return a finite number/);
    assert.match(reported[1], /got -1$/);
  });

  it("the object form is unchanged", async () => {
    const stage = new Stage({
      name: "S",
      workers: 1,
      tasks: [(x: number) => x],
      backoff: { multiplier: 2, maxWaitMs: 100 },
    });
    assert.deepEqual(stage.backoff, { multiplier: 2, maxWaitMs: 100 });
  });
});
