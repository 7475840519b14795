import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, PipelineError, Stage, StatusTracker } from "../mod.ts";
import { gate, PeakCounter, range, sleep } from "./support/helpers.ts";
import { type Gate, heldStage, waitUntil } from "./support/pipeline_fixtures.ts";

describe("bounded queues and backpressure", () => {
  it("a producer waits while the next stage's queue is at capacity", async () => {
    const hold = gate();
    const pipeline = new Pipeline({
      stages: [heldStage("S", 1, hold, { queueCapacity: 2 })],
    });
    // The one worker holds item 1 at the gate: items 2 and 3 fill the queue.
    await pipeline.feed([1, 2, 3]);
    assert.equal(pipeline.getStats().queueSizes.S, 2);
    let fed = false;
    const fourth = pipeline.feed([4]).then(() => (fed = true));
    await sleep(50);
    assert.equal(fed, false, "the fourth feed must wait for room");
    hold.open();
    const results = await pipeline.join();
    await fourth;
    assert.deepEqual(results.map((r) => r.value), [1, 2, 3, 4]);
  });

  it("an upstream worker blocked by a full downstream queue stays busy", async () => {
    const release = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Fast", workers: 1, tasks: [(x: number) => x] }),
        heldStage("Stuck", 1, release, { queueCapacity: 1 }),
      ],
    });
    const run = pipeline.run(range(5));
    await sleep(30);
    const stats = pipeline.getStats();
    assert.equal(stats.stageStats.Stuck.inProgressItems, 1);
    assert.equal(stats.stageStats.Stuck.pendingItems, 1);
    assert.equal(stats.stageStats.Fast.inProgressItems, 1, "blocked on the put");
    assert.equal(pipeline.getWorkerStates()["Fast-W0"].status, "busy");
    release.open();
    assert.equal((await run).length, 5);
  });

  it("queueCapacity 0 means unbounded", async () => {
    const hold = gate();
    const pipeline = new Pipeline({
      stages: [heldStage("S", 1, hold, { queueCapacity: 0 })],
    });
    await pipeline.feed(range(501));
    assert.equal(pipeline.getStats().queueSizes.S, 500, "one item is at the gate, 500 wait");
    hold.open();
    assert.equal((await pipeline.join()).length, 501);
  });
});

describe("queued events follow the item into the queue", () => {
  it("an item whose producer waits for room is not reported queued until it enters", async () => {
    const hold = gate();
    const tracker = new StatusTracker();
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "A", workers: 1, tasks: [(x: number) => x] }),
        heldStage("B", 1, hold, { queueCapacity: 1 }),
      ],
      statusTracker: tracker,
    });
    const run = pipeline.run([0, 1, 2, 3]);
    await sleep(50);
    // B-W0 holds item 0, B's queue holds item 1, A-W0 holds item 2 waiting for room.
    assert.equal(pipeline.getStats().queueSizes.B, 1);
    const queuedAtB = tracker.getByStatus("queued").filter((e) => e.stage === "B");
    assert.deepEqual(queuedAtB.map((e) => e.itemId), [1]);
    assert.deepEqual(
      [tracker.getStatus(2)?.status, tracker.getStatus(2)?.stage],
      ["completed", "A"],
    );
    hold.open();
    assert.deepEqual((await run).map((r) => r.value), [0, 1, 2, 3]);
    for (const id of [0, 1, 2, 3]) {
      assert.deepEqual(
        tracker.getHistory(id).map((e) => `${e.status}@${e.stage}`),
        [
          "queued@A",
          "in_progress@A",
          "completed@A",
          "queued@B",
          "in_progress@B",
          "completed@B",
        ],
      );
    }
  });
});

describe("priority", () => {
  it("lower numbers go first, FIFO within a priority, with one busy worker", async () => {
    const order: string[] = [];
    const hold = gate();
    const started = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 1,
          queueCapacity: 0,
          tasks: [blockedFirst(order, hold, started)],
        }),
      ],
    });
    await pipeline.start();
    await pipeline.feed(["blocker"]);
    await started.promise; // the worker holds the blocker
    await pipeline.feed(["low-1", "low-2"], { priority: 200 });
    await pipeline.feed(["high-1", "high-2"], { priority: 1 });
    await pipeline.feed(["mid-1"]);
    hold.open();
    await pipeline.join();
    assert.deepEqual(order, ["blocker", "high-1", "high-2", "mid-1", "low-1", "low-2"]);
  });

  it("is inherited by downstream stages", async () => {
    const order: string[] = [];
    const hold = gate();
    const started = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "A", workers: 4, tasks: [(x: string) => x] }),
        new Stage({ name: "B", workers: 1, tasks: [blockedFirst(order, hold, started)] }),
      ],
    });
    await pipeline.start();
    await pipeline.feed(["blocker"]);
    await started.promise; // B's worker holds the blocker
    await pipeline.feed(["late-low"], { priority: 500 });
    await pipeline.feed(["late-high"], { priority: 0 });
    await waitUntil(() => pipeline.getStats().queueSizes.B === 2, "both late items queued at B");
    hold.open();
    await pipeline.join();
    assert.deepEqual(order, ["blocker", "late-high", "late-low"]);
  });
});

/**
 * A task that records the order it sees items in; the item "blocker" opens `started` and waits at
 * `hold` first, so the items fed after it queue up behind it.
 */
function blockedFirst(order: string[], hold: Gate, started: Gate): (x: string) => Promise<string> {
  return async (x: string) => {
    if (x === "blocker") {
      started.open();
      await hold.promise;
    }
    order.push(x);
    return x;
  };
}

describe("pull stages", () => {
  it("workers is an exact cap on items in the stage (zero-buffer handoff)", async () => {
    const polling = new PeakCounter();
    let maxPending = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Upload", workers: 8, tasks: [(x: number) => x] }),
        new Stage({
          name: "Poll",
          workers: 3,
          pull: true,
          tasks: [async (x: number) => {
            polling.enter();
            maxPending = Math.max(maxPending, pipeline.getStats().stageStats.Poll.pendingItems);
            await sleep(5);
            polling.leave();
            return x;
          }],
        }),
      ],
    });
    const results = await pipeline.run(range(30));
    assert.equal(results.length, 30);
    assert.equal(polling.peak, 3);
    assert.equal(maxPending, 0, "no item ever waits inside a pull stage");
  });

  it("holds no buffer: an upstream worker waits until a pull worker is free", async () => {
    const hold = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Up", workers: 2, tasks: [(x: number) => x] }),
        heldStage("Pull", 1, hold, { pull: true }),
      ],
    });
    const run = pipeline.run(range(4));
    await sleep(30);
    const stats = pipeline.getStats();
    assert.equal(stats.stageStats.Pull.inProgressItems, 1);
    assert.equal(stats.stageStats.Pull.pendingItems, 0);
    assert.equal(stats.stageStats.Up.inProgressItems, 2, "both upstream workers hold an item");
    hold.open();
    assert.equal((await run).length, 4);
  });

  it("per_task retries work in a pull stage", async () => {
    const tries = new Map<number, number>();
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Up", workers: 2, tasks: [(x: number) => x] }),
        new Stage({
          name: "Pull",
          workers: 3,
          pull: true,
          taskAttempts: 3,
          taskWaitMs: 0,
          tasks: [(x: number) => {
            const n = (tries.get(x) ?? 0) + 1;
            tries.set(x, n);
            if (n < 2) throw new Error("first try fails");
            return x;
          }],
        }),
      ],
    });
    const results = await pipeline.run(range(5));
    assert.equal(results.length, 5);
    assert.deepEqual([...tries.values()], [2, 2, 2, 2, 2]);
  });

  it("500 items through 100 pull workers: no loss, no duplicates", async () => {
    const seen = new Set<number>();
    let dupes = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Up", workers: 20, tasks: [(x: number) => x] }),
        new Stage({
          name: "Pull",
          workers: 100,
          pull: true,
          tasks: [async (x: number) => {
            if (seen.has(x)) dupes++;
            seen.add(x);
            await sleep(Math.random() * 2);
            return x;
          }],
        }),
      ],
    });
    const results = await pipeline.run(range(500));
    assert.equal(results.length, 500);
    assert.equal(seen.size, 500);
    assert.equal(dupes, 0);
  });
});

describe("feed() with targetStage", () => {
  it("injects mid-pipeline, skipping the earlier stages", async () => {
    const pipeline = new Pipeline({
      stages: ["A", "B", "C"].map((name) =>
        new Stage({ name, workers: 1, tasks: [(s: string) => `${s}_${name}`] })
      ),
    });
    await pipeline.start();
    await pipeline.feed(["1"]);
    await pipeline.feed(["2"], { targetStage: "B" });
    await pipeline.feed(["3"], { targetStage: "C" });
    const results = await pipeline.join();
    assert.deepEqual(results.map((r) => r.value).sort(), ["1_A_B_C", "2_B_C", "3_C"]);
  });

  it("an unknown targetStage is a PipelineError naming the stages", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "A", workers: 1, tasks: [(x: number) => x] })],
    });
    await assert.rejects(pipeline.feed([1], { targetStage: "Nope" }), (error: Error) => {
      assert.ok(error instanceof PipelineError);
      assert.match(
        error.message,
        /targetStage must name a stage of the pipeline \("A"\), got "Nope"/,
      );
      return true;
    });
  });
});
