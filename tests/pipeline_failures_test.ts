import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, PipelineError, Stage, StatusTracker } from "../mod.ts";
import { range } from "./support/helpers.ts";

/** Fails odd numbers with a TypeError in "Parse", and multiples of 4 with a RangeError in "Save". */
function failingPipeline(options: { failureLimit?: number; statusTracker?: StatusTracker } = {}) {
  return new Pipeline({
    stages: [
      new Stage({
        name: "Parse",
        workers: 2,
        taskAttempts: 1,
        tasks: [(x: number) => {
          if (x % 2 === 1) throw new TypeError(`odd ${x}`);
          return x * 10;
        }],
      }),
      new Stage({
        name: "Save",
        workers: 2,
        taskAttempts: 2,
        taskWaitMs: 0,
        tasks: [(x: number) => {
          if (x % 40 === 0) throw new RangeError(`full ${x}`);
          return `saved ${x}`;
        }],
      }),
    ],
    ...options,
  });
}

describe("failures are visible without a tracker", () => {
  it("getErrorSummary() counts by type and stage and keeps each failure's id, error, attempts and input", async () => {
    const pipeline = failingPipeline();
    const results = await pipeline.run(range(8));
    assert.deepEqual(results.map((r) => r.value), ["saved 20", "saved 60"]);
    const summary = pipeline.getErrorSummary();
    assert.equal(summary.totalFailed, 6);
    assert.deepEqual(summary.errorsByType, { TypeError: 4, RangeError: 2 });
    assert.deepEqual(summary.errorsByStage, { Parse: 4, Save: 2 });
    const byId = summary.failedItems.toSorted((a, b) => Number(a.itemId) - Number(b.itemId));
    assert.deepEqual(
      byId.map((f) => [f.itemId, f.stage, f.errorType, f.error, f.attempts, f.value]),
      [
        [0, "Save", "RangeError", "full 0", 2, 0],
        [1, "Parse", "TypeError", "odd 1", 1, 1],
        [3, "Parse", "TypeError", "odd 3", 1, 3],
        [4, "Save", "RangeError", "full 40", 2, 40],
        [5, "Parse", "TypeError", "odd 5", 1, 5],
        [7, "Parse", "TypeError", "odd 7", 1, 7],
      ],
    );
    for (const f of summary.failedItems) assert.equal(typeof f.timestamp, "number");
    assert.match(String(summary), /TypeError: 4/);
    assert.doesNotThrow(() => JSON.stringify(summary));
  });

  it("failureLimit keeps the newest failures, oldest first; the counts stay exact", async () => {
    const pipeline = failingPipeline({ failureLimit: 3 });
    await pipeline.run(range(40));
    const summary = pipeline.getErrorSummary();
    assert.equal(summary.totalFailed, 30);
    assert.deepEqual(summary.errorsByType, { TypeError: 20, RangeError: 10 });
    assert.equal(summary.failedItems.length, 3);
    // One worker failing every item in turn: the kept ones are the last three, in order.
    const serial = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 1,
          taskAttempts: 1,
          tasks: [(x: number) => {
            throw new Error(`no ${x}`);
          }],
        }),
      ],
      failureLimit: 3,
    });
    await serial.run(range(10));
    assert.deepEqual(serial.getErrorSummary().failedItems.map((f) => f.itemId), [7, 8, 9]);
    assert.equal(serial.getErrorSummary().totalFailed, 10);
  });

  it("failureLimit: 0 keeps no items but exact counts", async () => {
    const pipeline = failingPipeline({ failureLimit: 0 });
    await pipeline.run(range(8));
    const summary = pipeline.getErrorSummary();
    assert.equal(summary.totalFailed, 6);
    assert.deepEqual(summary.failedItems, []);
    assert.deepEqual(summary.errorsByStage, { Parse: 4, Save: 2 });
  });

  it("a bad failureLimit is a PipelineError naming the field and value", () => {
    for (const bad of [-1, 1.5, "10", NaN]) {
      assert.throws(
        () => failingPipeline({ failureLimit: bad as number }),
        (e: Error) =>
          e instanceof PipelineError && e.message.includes("failureLimit must be an integer >= 0"),
      );
    }
  });

  it("with a tracker, the pipeline's summary agrees with the tracker's", async () => {
    const tracker = new StatusTracker();
    const pipeline = failingPipeline({ statusTracker: tracker });
    await pipeline.run(range(8));
    const own = pipeline.getErrorSummary();
    const tracked = tracker.getErrorSummary();
    assert.equal(own.totalFailed, tracked.totalFailed);
    assert.deepEqual(own.errorsByType, tracked.errorsByType);
    assert.deepEqual(own.errorsByStage, tracked.errorsByStage);
  });
});

describe("run(items, { includeFailures: true })", () => {
  it("resolves every item's result in input order, failures with error and the failing stage's input", async () => {
    const pipeline = failingPipeline();
    const results = await pipeline.run(range(6), { includeFailures: true });
    assert.deepEqual(results.map((r) => [r.id, r.isSuccess, r.value]), [
      [0, false, 0],
      [1, false, 1],
      [2, true, "saved 20"],
      [3, false, 3],
      [4, false, 40],
      [5, false, 5],
    ]);
    const failure = results[1];
    assert.ok(failure.error instanceof TypeError);
    assert.equal((failure.error as Error).message, "odd 1");
    assert.equal(results[2].error, undefined);
  });

  it("without it, run() resolves the successes only", async () => {
    const results = await failingPipeline().run(range(6));
    assert.deepEqual(results.map((r) => r.value), ["saved 20"]);
  });

  it("a thrown non-Error arrives as an Error whose cause is the thrown value", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 1,
          taskAttempts: 1,
          tasks: [() => {
            throw "plain string";
          }],
        }),
      ],
    });
    const [result] = await pipeline.run(["a"], { includeFailures: true });
    assert.ok(result.error instanceof Error);
    assert.equal((result.error as Error).cause, "plain string");
    assert.equal(result.value, "a");
  });

  it("includeFailures must be a boolean", async () => {
    await assert.rejects(
      failingPipeline().run([1], { includeFailures: "yes" as unknown as boolean }),
      (e: Error) =>
        e instanceof TypeError && e.message.includes("includeFailures must be a boolean"),
    );
  });
});
