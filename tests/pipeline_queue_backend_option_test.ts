/**
 * `new Pipeline({ queueBackend })`: a queue backend of the user's own is what every stage's items go
 * through (put, take, ack, retry with a delay, keep-alives), per stage, and afresh after a shutdown.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  memoryQueue,
  Pipeline,
  PipelineError,
  type QueueBackend,
  type QueueBackendFactory,
  type QueueBackendOptions,
  type QueuedItem,
  Stage,
} from "../mod.ts";

interface Call {
  stage: string;
  op: "put" | "take" | "ack" | "retry" | "working";
  id: unknown;
  attempt: number;
  delayMs?: number;
}

/** The in-memory queue, wrapped so that every call on it is written down. */
function recording(
  calls: Call[],
  created: QueueBackendOptions[],
  keepAliveMs?: number,
): QueueBackendFactory {
  return (options) => {
    created.push(options);
    const inner = memoryQueue<QueuedItem>(options);
    const note = (op: Call["op"], item: QueuedItem | undefined, delayMs?: number) => {
      if (item !== undefined) {
        calls.push({ stage: options.stage, op, id: item.id, attempt: item.attempt, delayMs });
      }
      return item;
    };
    const queue: QueueBackend = {
      get capacity() {
        return inner.capacity;
      },
      get size() {
        return inner.size;
      },
      get full() {
        return inner.full;
      },
      keepAliveMs,
      put: (item, onEnter) => (note("put", item), inner.put(item, onEnter)),
      space: () => inner.space(),
      tryTake: () => note("take", inner.tryTake()),
      take: async () => note("take", await inner.take()),
      ack: (item) => (note("ack", item), inner.ack(item)),
      retry: (item, delayMs) => (note("retry", item, delayMs), inner.retry(item, delayMs)),
      working: (item) => (note("working", item), inner.working(item)),
      purge: () => inner.purge(),
      close: () => inner.close(),
    };
    return queue;
  };
}

const count = (calls: Call[], stage: string, op: Call["op"]) =>
  calls.filter((c) => c.stage === stage && c.op === op).length;

describe("Pipeline option queueBackend", () => {
  it("creates every stage's queue: each item is put, taken and acknowledged once per stage", async () => {
    const calls: Call[] = [];
    const created: QueueBackendOptions[] = [];
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Double", workers: 3, tasks: [(x: number) => x * 2] }),
        new Stage({ name: "Label", workers: 2, queueCapacity: 4, tasks: [(x: number) => `#${x}`] }),
      ],
      queueBackend: recording(calls, created),
    });
    assert.deepEqual(created, [
      { stage: "Double", capacity: pipeline.stages[0].queueCapacity, workers: 3, maxDeliveries: 1 },
      { stage: "Label", capacity: 4, workers: 2, maxDeliveries: 1 },
    ]);
    const results = await pipeline.run([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(
      results.map((r) => r.value),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x) => `#${x * 2}`),
    );
    for (const stage of ["Double", "Label"]) {
      assert.equal(count(calls, stage, "put"), 10, `${stage} puts`);
      assert.equal(count(calls, stage, "take"), 10, `${stage} takes`);
      assert.equal(count(calls, stage, "ack"), 10, `${stage} acks`);
      // Each item is taken after it was put, and acknowledged after it was taken.
      for (let id = 0; id < 10; id++) {
        const order = calls.filter((c) => c.stage === stage && c.id === id).map((c) => c.op);
        assert.deepEqual(order, ["put", "take", "ack"], `${stage} item ${id}`);
      }
    }
  });

  it("gives a per_stage retry back with retry(item, delay), the next attempt counted up", async () => {
    const calls: Call[] = [];
    let tries = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Flaky",
          workers: 1,
          retry: "per_stage",
          stageAttempts: 3,
          taskWaitMs: 5,
          tasks: [(x: number) => {
            if (++tries < 3) throw new Error(`try ${tries}`);
            return x;
          }],
        }),
      ],
      queueBackend: recording(calls, [], undefined),
    });
    const [result] = await pipeline.run([7]);
    assert.equal(result.value, 7);
    const retries = calls.filter((c) => c.op === "retry");
    assert.deepEqual(retries.map((c) => c.attempt), [2, 3]);
    assert.ok(retries.every((c) => typeof c.delayMs === "number" && c.delayMs >= 0));
    assert.deepEqual(calls.map((c) => c.op), [
      "put",
      "take",
      "retry",
      "take",
      "retry",
      "take",
      "ack",
    ]);
  });

  it("calls working() every keepAliveMs for an item a worker holds", async () => {
    const calls: Call[] = [];
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Slow",
          workers: 1,
          tasks: [async (x: number) => {
            await new Promise((resolve) => setTimeout(resolve, 200));
            return x;
          }],
        }),
      ],
      queueBackend: recording(calls, [], 20),
    });
    await pipeline.run([1]);
    const keepAlives = count(calls, "Slow", "working");
    assert.ok(keepAlives >= 2, `working() called ${keepAlives} times during a 200 ms task`);
    assert.equal(calls.at(-1)?.op, "ack", "no keep-alive after the item was acknowledged");
  });

  it("can take over some stages only, and makes fresh queues for the start after a shutdown", async () => {
    const calls: Call[] = [];
    const created: QueueBackendOptions[] = [];
    const record = recording(calls, created);
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "A", workers: 2, tasks: [(x: number) => x + 1] }),
        new Stage({ name: "B", workers: 2, tasks: [(x: number) => x * 10] }),
      ],
      queueBackend: (options, hooks) =>
        options.stage === "B" ? record(options, hooks) : memoryQueue(options),
    });
    assert.deepEqual((await pipeline.run([1, 2])).map((r) => r.value), [20, 30]);
    assert.deepEqual(created.map((o) => o.stage), ["B"]);
    assert.ok(calls.every((c) => c.stage === "B"));
    await pipeline.shutdown();
    assert.deepEqual(created.map((o) => o.stage), ["B", "B"], "a fresh queue for the next start");
    assert.deepEqual((await pipeline.run([3])).map((r) => r.value), [40]);
    assert.equal(count(calls, "B", "ack"), 3);
  });

  it("rejects what is not a factory, and suggests the name for a misspelt key", () => {
    const stages = [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x] })];
    assert.throws(
      // @ts-expect-error: a number is not a factory
      () => new Pipeline({ stages, queueBackend: 5 }),
      (e: unknown) =>
        e instanceof PipelineError && /queueBackend must be a function/.test(e.message) &&
        /got 5/.test(e.message),
    );
    assert.throws(
      // @ts-expect-error: misspelt
      () => new Pipeline({ stages, queueBackends: memoryQueue }),
      (e: unknown) =>
        e instanceof PipelineError && /unknown option queueBackends/.test(e.message) &&
        /did you mean queueBackend\?/.test(e.message),
    );
  });
});
