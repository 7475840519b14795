/**
 * `QueueBackendHooks.adopt` and the serve batch (`src/pipeline/serve.ts`): a backend that delivers
 * records this process never fed has them adopted into the open serve batch, run like fed items,
 * and their results streamed out in completion order. What `@antflow/antflow/nats` stands on.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  memoryQueue,
  Pipeline,
  type QueueBackendFactory,
  type QueueBackendHooks,
  type QueuedItem,
  type QueueRecord,
  Stage,
  StatusTracker,
  type StreamResult,
} from "../mod.ts";
import { serve } from "../src/pipeline/serve.ts";

/** A backend whose `deliver` hands records to the engine, as a durable backend would. */
interface Delivering {
  /** Adopts the record into stage `stage`; `false` when the engine refused it. */
  deliver(stage: string, record: QueueRecord, deliveries?: number): boolean;
}

/** The in-memory queue, plus a way to deliver records the process did not feed. */
function delivering(): { factory: QueueBackendFactory; backend: Delivering } {
  const stages = new Map<string, { hooks: QueueBackendHooks<QueuedItem>; put: typeof put }>();
  let put: (item: QueuedItem) => void = () => {};
  const factory: QueueBackendFactory = (options, hooks) => {
    const queue = memoryQueue(options);
    stages.set(options.stage, { hooks, put: (item) => void queue.put(item) });
    return queue;
  };
  const backend: Delivering = {
    deliver(stage, record, deliveries = 1) {
      const entry = stages.get(stage)!;
      const item = entry.hooks.adopt(record, deliveries);
      if (item === undefined) return false;
      put = entry.put;
      put(item);
      return true;
    },
  };
  return { factory, backend };
}

const record = (id: string, value: unknown, attempt = 1): QueueRecord => ({
  id,
  value,
  priority: 100,
  attempt,
});

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const value of stream) all.push(value);
  return all;
}

describe("QueueBackendHooks.adopt and the serve batch", () => {
  it("runs adopted records through the stages and streams their results out; refuses with no serve batch open", async () => {
    const { factory, backend } = delivering();
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Double", workers: 2, tasks: [(x: number) => x * 2] }),
        new Stage({
          name: "Check",
          workers: 2,
          tasks: [(x: number) => {
            if (x === 6) throw new TypeError("six");
            return `#${x}`;
          }],
        }),
      ],
      queueBackend: factory,
    });
    assert.equal(backend.deliver("Double", record("a", 1)), false, "no serve batch yet");
    const serving = serve<string>(pipeline);
    await serving.ready;
    for (const [id, value] of [["a", 1], ["b", 2], ["c", 3]] as const) {
      assert.equal(backend.deliver("Double", record(id, value)), true);
    }
    // Into a later stage too: its input is that stage's.
    assert.equal(backend.deliver("Check", record("d", 10)), true);
    const reading = readAll(serving.results);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(backend.deliver("Double", record("e", 5)), true, "adopted while results flow");
    serving.close();
    assert.equal(backend.deliver("Double", record("f", 6)), false, "closed: refused");
    const results = await reading;
    const byId = new Map(results.map((r: StreamResult<string>) => [r.id, r]));
    assert.deepEqual([...byId.keys()].sort(), ["a", "b", "c", "d", "e"]);
    assert.equal(byId.get("a")!.value, "#2");
    assert.equal(byId.get("d")!.value, "#10");
    assert.equal(byId.get("e")!.value, "#10");
    assert.equal(byId.get("c")!.error?.message, "six");
    assert.equal(byId.get("c")!.value, 6, "a failure carries the failing stage's input");
    assert.equal(pipeline.getStats().itemsProcessed, 4);
    assert.equal(pipeline.getStats().itemsFailed, 1);
    await pipeline.shutdown();
  });

  it("reports an adopted item queued in its stage, runs it under its id and attempt, and refuses an id in flight", async () => {
    const { factory, backend } = delivering();
    const tracker = new StatusTracker();
    const seen: string[] = [];
    tracker.addEventListener("status", (e) => {
      seen.push(`${e.detail.itemId} ${e.detail.stage} ${e.detail.status}`);
    });
    const attempts: number[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 1,
          retry: "per_stage",
          stageAttempts: 5,
          tasks: [async (x: number, ctx) => {
            attempts.push(ctx.attempt);
            await gate;
            return x + 1;
          }],
        }),
      ],
      statusTracker: tracker,
      queueBackend: factory,
    });
    const serving = serve<number>(pipeline);
    await serving.ready;
    assert.equal(backend.deliver("S", record("x", 1, 3), 4), true);
    assert.equal(backend.deliver("S", record("x", 2)), false, "the id is in flight");
    const reading = readAll(serving.results);
    serving.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    open();
    const results = await reading;
    assert.deepEqual(results.map((r) => [r.id, r.value]), [["x", 2]]);
    assert.deepEqual(attempts, [3], "the task sees the record's attempt");
    assert.deepEqual(seen, ["x S queued", "x S in_progress", "x S completed"]);
    await pipeline.shutdown();
  });

  it("cancels the adopted items and errors the results at shutdown", async () => {
    const { factory, backend } = delivering();
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [() => new Promise(() => {})] })],
      queueBackend: factory,
    });
    const serving = serve(pipeline);
    await serving.ready;
    backend.deliver("S", record("a", 1));
    backend.deliver("S", record("b", 2));
    const reading = readAll(serving.results);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await pipeline.shutdown();
    await assert.rejects(reading, { name: "AbortError" });
    assert.equal(pipeline.getStats().itemsCancelled, 2);
    assert.equal(backend.deliver("S", record("c", 3)), false, "shut down: refused");
  });
});
