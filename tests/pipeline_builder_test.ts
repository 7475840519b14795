import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, PipelineBuilder, StageValidationError, StatusTracker } from "../mod.ts";

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

  it("rejects a bad retries naming retries, not the Stage option it sets", () => {
    const bad: [unknown, string][] = [[0, "0"], [1.5, "1.5"], ["3", '"3"'], [null, "null"]];
    for (const [retries, shown] of bad) {
      for (const retry of ["per_task", "per_stage"] as const) {
        assert.throws(
          () => Pipeline.create().add("F", (x: number) => x, { retries: retries as number, retry }),
          (error: unknown) => {
            assert.ok(error instanceof StageValidationError, String(error));
            assert.equal(
              (error as Error).message,
              `Pipeline.create().add("F"): retries must be an integer >= 1, got ${shown}`,
            );
            return true;
          },
        );
      }
    }
  });

  it("rejects options that are not an object under the same name", () => {
    assert.throws(() => Pipeline.create().add("F", (x: number) => x, 5 as never), {
      name: "StageValidationError",
      message: 'Pipeline.create().add("F"): options must be an object, got 5',
    });
  });

  it("leaves workers and every other option to the Stage's own checks", () => {
    assert.throws(() => Pipeline.create().add("F", (x: number) => x, { workers: 0 }), {
      name: "StageValidationError",
      message: 'Stage "F": workers must be an integer >= 1, got 0',
    });
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

  it("rejects a bad retries or workers naming the option and Pipeline.quick", async () => {
    const task = (x: number) => x;
    const cases: [object, string][] = [
      [{ retries: 0 }, "Pipeline.quick: retries must be an integer >= 1, got 0"],
      [{ retries: -1 }, "Pipeline.quick: retries must be an integer >= 1, got -1"],
      [{ workers: 0 }, "Pipeline.quick: workers must be an integer >= 1, got 0"],
      [{ workers: "2" }, 'Pipeline.quick: workers must be an integer >= 1, got "2"'],
    ];
    for (const [options, message] of cases) {
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        promise = Pipeline.quick([1], task, options);
      });
      await assert.rejects(promise!, (error: unknown) => {
        assert.ok(error instanceof StageValidationError, String(error));
        assert.equal((error as Error).message, message);
        return true;
      });
    }
  });
});
