import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, PipelineResult, Stage, type TaskContext } from "../mod.ts";
import { PeakCounter, range, sleep } from "./support/helpers.ts";
import { collect, slowStage, slowTask, throwingTask } from "./support/pipeline_fixtures.ts";

describe("Pipeline.run() basics", () => {
  it("returns this run's successful results in input order (1000 items, 10 workers, random delays)", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Jitter",
          workers: 10,
          tasks: [slowTask(() => Math.random() * 3, (x: number) => x * 2)],
        }),
      ],
    });
    const results = await pipeline.run(range(1000));
    assert.equal(results.length, 1000);
    assert.deepEqual(results.map((r) => r.value), range(1000).map((x) => x * 2));
    assert.deepEqual(results.map((r) => r.id), range(1000));
    assert.ok(
      results.every((r) => r instanceof PipelineResult && r.isSuccess && r.error === undefined),
    );
  });

  it("runs a stage's tasks in order, each output feeding the next, and chains stages", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 2,
          tasks: [(s: string) => s + "a", async (s: string) => s + "b"],
        }),
        new Stage({ name: "B", workers: 1, tasks: [(s: string) => s + "|B"] }),
      ],
    });
    const results = await pipeline.run(["x", "y"]);
    assert.deepEqual(results.map((r) => r.value), ["xab|B", "yab|B"]);
  });

  it("peak concurrency of a stage equals its workers exactly", async () => {
    const peak = new PeakCounter();
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 4, tasks: [peak.wrap(slowTask<number>(5))] })],
    });
    await pipeline.run(range(40));
    assert.equal(peak.peak, 4);
  });

  it("names workers <Stage>-W<i> and gives each task the full context", async () => {
    const seen: Omit<
      TaskContext,
      "setStatus" | "concurrencyLimit" | "rateLimit" | "hasRateCapacity" | "signal"
    >[] = [];
    let signal: unknown;
    async function fetchIt(x: number, ctx: TaskContext) {
      seen.push({
        itemId: ctx.itemId,
        stage: ctx.stage,
        task: ctx.task,
        worker: ctx.worker,
        attempt: ctx.attempt,
      });
      signal = ctx.signal;
      return x;
    }
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "Fetch", workers: 3, tasks: [fetchIt] })],
    });
    assert.deepEqual(pipeline.getWorkerNames(), { Fetch: ["Fetch-W0", "Fetch-W1", "Fetch-W2"] });
    await pipeline.run([7]);
    assert.deepEqual(seen, [{
      itemId: 0,
      stage: "Fetch",
      task: "fetchIt",
      worker: "Fetch-W0",
      attempt: 1,
    }]);
    assert.ok(signal instanceof AbortSignal);
  });

  it("gives every attempt a context of its own that keeps describing it after the call", async () => {
    const kept: TaskContext[] = [];
    let failures = 0;
    async function first(x: number, ctx: TaskContext) {
      kept.push(ctx);
      if (x === 1 && failures++ < 2) throw new Error("flaky");
      return x;
    }
    function second(x: number, ctx: TaskContext) {
      kept.push(ctx);
      return x;
    }
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, taskWaitMs: 0, tasks: [first, second] })],
    });
    await pipeline.run([0, 1]);
    assert.deepEqual(
      kept.map((c) => `${c.itemId}:${c.task}:${c.attempt}`),
      ["0:first:1", "0:second:1", "1:first:1", "1:first:2", "1:first:3", "1:second:1"],
    );
    assert.equal(new Set(kept).size, kept.length, "no context object is reused");
    const keys = Object.keys(kept[0]);
    for (const key of ["itemId", "stage", "task", "worker", "attempt", "signal"]) {
      assert.ok(keys.includes(key), `${key} is an own enumerable property (${keys})`);
    }
    assert.ok({ ...kept[0] }.signal instanceof AbortSignal, "a spread keeps the signal");
  });

  it("builds no context for a task declared with one parameter, and one for any other arity", async () => {
    const seen: unknown[] = [];
    function one(x: number) {
      seen.push(arguments[1]);
      return x;
    }
    const rest = (...args: unknown[]) => {
      seen.push((args[1] as TaskContext).attempt);
      return args[0];
    };
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [one, rest] })],
    });
    await pipeline.run([1]);
    assert.deepEqual(seen, [undefined, 1]);
  });

  it("accepts iterables, generators and async iterables, and an empty input", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "Inc", workers: 2, tasks: [(x: number) => x + 1] })],
    });
    function* gen() {
      yield 1;
      yield 2;
    }
    async function* agen() {
      yield 3;
      await sleep(1);
      yield 4;
    }
    assert.deepEqual((await pipeline.run(new Set([10, 20]))).map((r) => r.value), [11, 21]);
    assert.deepEqual((await pipeline.run(gen())).map((r) => r.value), [2, 3]);
    assert.deepEqual((await pipeline.run(agen())).map((r) => r.value), [4, 5]);
    assert.deepEqual(await pipeline.run([]), []);
  });

  it("does not accumulate results across runs, and ids keep counting up", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "Id", workers: 1, tasks: [(x: number) => x] })],
    });
    const first = await pipeline.run([1, 2, 3]);
    const second = await pipeline.run([10, 20]);
    assert.deepEqual(first.map((r) => r.id), [0, 1, 2]);
    assert.deepEqual(second.map((r) => [r.id, r.value, r.sequenceId]), [[3, 10, 3], [4, 20, 4]]);
    assert.equal(pipeline.getStats().itemsProcessed, 5);
  });

  it("uses the caller's ids from idOf(item, index)", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "Id", workers: 2, tasks: [(x: { k: string }) => x.k] })],
    });
    const results = await pipeline.run([{ k: "a" }, { k: "b" }], {
      idOf: (item, index) => `${item.k}-${index}`,
    });
    assert.deepEqual(results.map((r) => r.id), ["a-0", "b-1"]);
  });

  it("rejects an id that is still in flight instead of merging it", async () => {
    const pipeline = new Pipeline({ stages: [slowStage("Slow", 1, 20)] });
    await assert.rejects(
      pipeline.run([1, 2], { idOf: () => "same" }),
      {
        name: "PipelineError",
        message:
          /idOf returned "same" for the item at index 1, but an item with that id is still in flight/,
      },
    );
    const stats = pipeline.getStats();
    assert.equal(stats.itemsProcessed + stats.itemsFailed + stats.itemsCancelled, 1);
    assert.equal(stats.itemsInFlight, 0);
  });

  it("collectResults: false makes run() resolve to []", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x] })],
      collectResults: false,
    });
    assert.deepEqual(await pipeline.run([1, 2]), []);
    assert.equal(pipeline.getStats().itemsProcessed, 2);
  });

  it("a task that throws a non-Error fails with an Error whose cause is the thrown value", async () => {
    const thrown: unknown[] = [undefined, "a string", { code: 42 }, null, 7];
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Bad",
          workers: 2,
          taskAttempts: 1,
          tasks: [(i: number) => {
            throw thrown[i];
          }],
        }),
      ],
    });
    const results = await collect(pipeline.stream(range(thrown.length)));
    assert.equal(results.length, thrown.length);
    for (const r of results) {
      assert.ok(r.error instanceof Error, `item ${r.id}`);
      assert.equal(r.isSuccess, false);
      assert.equal((r.error as Error).cause, thrown[r.id as number]);
    }
    assert.equal(pipeline.getStats().itemsFailed, thrown.length);
  });

  it("passes Error instances through unwrapped", async () => {
    class MyError extends Error {}
    const original = new MyError("mine");
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "S", workers: 1, taskAttempts: 1, tasks: [throwingTask(original)] }),
      ],
    });
    const reader = pipeline.stream([1]).getReader();
    const { value } = await reader.read();
    assert.equal(value!.error, original);
  });

  it("sync tasks work and are not awaited needlessly", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "Sync", workers: 3, tasks: [(x: number) => x * 3] })],
    });
    assert.deepEqual(
      (await pipeline.run(range(100))).map((r) => r.value),
      range(100).map((x) => x * 3),
    );
  });

  it("after run() resolves nothing is in flight and stats add up", async () => {
    let n = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 3,
          taskAttempts: 1,
          tasks: [(x: number) => {
            if (n++ % 3 === 0) throw new Error("x");
            return x;
          }],
        }),
        new Stage({ name: "B", workers: 2, tasks: [(x: number) => x] }),
      ],
    });
    const results = await pipeline.run(range(30));
    const stats = pipeline.getStats();
    assert.equal(stats.itemsInFlight, 0);
    assert.equal(stats.itemsProcessed, results.length);
    assert.equal(stats.itemsProcessed + stats.itemsFailed, 30);
    assert.equal(stats.stageStats.A.failedItems, stats.itemsFailed);
    assert.equal(stats.stageStats.B.completedItems, results.length);
  });
});
