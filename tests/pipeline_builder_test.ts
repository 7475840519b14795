import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, PipelineBuilder, StatusTracker } from "../mod.ts";

describe("Pipeline.create() builder", () => {
  it("adds stages with defaults, a tracker and result collection", async () => {
    const tracker = new StatusTracker();
    const builder = Pipeline.create();
    assert.ok(builder instanceof PipelineBuilder);
    const pipeline = builder
      .add("Parse", (s: string) => Number(s), { workers: 2 })
      .add("Square", [(n: number) => n * n, (n: number) => n + 1])
      .withTracker(tracker)
      .build();
    assert.deepEqual(pipeline.stages.map((s) => [s.name, s.workers, s.taskAttempts]), [[
      "Parse",
      2,
      3,
    ], ["Square", 5, 3]]);
    assert.deepEqual((await pipeline.run(["2", "3"])).map((r) => r.value), [5, 10]);
    assert.equal(tracker.getStats().completed, 2);
    assert.deepEqual(
      await Pipeline.create().add("S", (x: number) => x).collectResults(false).run([1]),
      [],
    );
  });

  it("retries sets taskAttempts (per_task) or stageAttempts (per_stage)", () => {
    const pipeline = Pipeline.create()
      .add("A", (x: number) => x, { retries: 5 })
      .add("B", (x: number) => x, { retries: 4, retry: "per_stage" })
      .build();
    assert.equal(pipeline.stages[0].taskAttempts, 5);
    assert.equal(pipeline.stages[1].stageAttempts, 4);
    assert.equal(pipeline.stages[1].retry, "per_stage");
  });
});

describe("Pipeline.quick()", () => {
  it("makes one stage per task, named after the task, and resolves like run()", async () => {
    function fetch_data(x: number) {
      return x + 1;
    }
    async function saveIt(x: number) {
      return x * 2;
    }
    const results = await Pipeline.quick([1, 2, 3], [fetch_data, saveIt, saveIt], {
      workers: 2,
      retries: 1,
    });
    assert.deepEqual(results.map((r) => r.value), [8, 12, 16]);
  });

  it("accepts a single task", async () => {
    const results = await Pipeline.quick([1, 2], (x: number) => x * 10);
    assert.deepEqual(results.map((r) => r.value), [10, 20]);
  });

  it("retries means total attempts per task", async () => {
    let calls = 0;
    await Pipeline.quick([1], () => {
      calls++;
      throw new Error("x");
    }, { retries: 2, workers: 1 }).catch(() => {});
    assert.equal(calls, 2);
  });
});
