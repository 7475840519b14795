import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ErrorSummary,
  type FailedItem,
  Pipeline,
  Stage,
  StatusEvent,
  StatusEventSchema,
  StatusTracker,
  TaskEvent,
  TaskEventSchema,
} from "../mod.ts";
import { dispatchCount } from "../src/tracker/dispatch.ts";
import { trackerSink } from "../src/tracker/status_tracker.ts";
import { gate, range } from "./support/helpers.ts";
import { heldStage } from "./support/pipeline_fixtures.ts";

function mixedPipeline(tracker: StatusTracker): Pipeline {
  return new Pipeline({
    stages: [
      new Stage({
        name: "Parse",
        workers: 2,
        taskAttempts: 1,
        tasks: [(x: number) => {
          if (x % 4 === 1) throw new TypeError(`bad ${x}`);
          return x;
        }],
      }),
      new Stage({
        name: "Save",
        workers: 2,
        taskAttempts: 2,
        taskWaitMs: 0,
        tasks: [(x: number) => {
          if (x % 4 === 2) throw new RangeError(`full ${x}`);
          return x;
        }],
      }),
    ],
    statusTracker: tracker,
  });
}

describe("StatusTracker queries", () => {
  it("getStatus, getTrackedIds (first-seen order), getByStatus, getHistory", async () => {
    const tracker = new StatusTracker();
    await mixedPipeline(tracker).run(range(8));
    assert.deepEqual(tracker.getTrackedIds(), range(8));
    assert.equal(tracker.getStatus(0)?.status, "completed");
    assert.equal(tracker.getStatus(0)?.stage, "Save");
    assert.equal(tracker.getStatus(1)?.status, "failed");
    assert.equal(tracker.getStatus(999), undefined);
    assert.deepEqual(tracker.getByStatus("failed").map((e) => e.itemId), [1, 2, 5, 6]);
    assert.deepEqual(tracker.getHistory(0).map((e) => `${e.stage}:${e.status}`), [
      "Parse:queued",
      "Parse:in_progress",
      "Parse:completed",
      "Save:queued",
      "Save:in_progress",
      "Save:completed",
    ]);
    assert.deepEqual(tracker.getHistory("nope"), []);
    assert.deepEqual(tracker.getStats(), {
      queued: 0,
      in_progress: 0,
      completed: 4,
      failed: 4,
      retrying: 0,
      skipped: 0,
      cancelled: 0,
    });
  });

  it("getFailedItems and getErrorSummary group failures by type and stage", async () => {
    const tracker = new StatusTracker();
    const pipeline = mixedPipeline(tracker);
    await pipeline.run(range(8));
    const failed = tracker.getFailedItems();
    assert.deepEqual(failed.map((f) => [f.itemId, f.errorType, f.stage, f.attempts, f.error]), [
      [1, "TypeError", "Parse", 1, "bad 1"],
      [2, "RangeError", "Save", 2, "full 2"],
      [5, "TypeError", "Parse", 1, "bad 5"],
      [6, "RangeError", "Save", 2, "full 6"],
    ]);
    const summary = tracker.getErrorSummary();
    assert.ok(summary instanceof ErrorSummary);
    assert.equal(summary.totalFailed, 4);
    assert.deepEqual(summary.errorsByType, { TypeError: 2, RangeError: 2 });
    assert.deepEqual(summary.errorsByStage, { Parse: 2, Save: 2 });
    // The pipeline keeps its own record: the same failures, each with the failing stage's input.
    const own = pipeline.getErrorSummary();
    assert.equal(own.totalFailed, summary.totalFailed);
    assert.deepEqual(own.errorsByType, summary.errorsByType);
    assert.deepEqual(own.errorsByStage, summary.errorsByStage);
    const sorted = (items: FailedItem[]) =>
      items.map(({ value: _value, timestamp: _t, ...rest }) => rest)
        .sort((a, b) => Number(a.itemId) - Number(b.itemId));
    assert.deepEqual(sorted(own.failedItems), sorted(summary.failedItems));
    assert.ok(own.failedItems.every((f) => "value" in f));
    assert.doesNotThrow(() => JSON.stringify(summary));
  });

  it("ErrorSummary.toString() groups by type and stage, sorted by count", () => {
    assert.equal(String(new ErrorSummary(0)), "No errors occurred");
    const text = String(new ErrorSummary(5, { A: 1, B: 4 }, { S1: 3, S2: 2 }));
    assert.equal(
      text,
      "ErrorSummary: 5 failed items\n\nBy type:\n  B: 4\n  A: 1\n\nBy stage:\n  S1: 3\n  S2: 2",
    );
  });
});

describe("memory bounds", () => {
  it("historyLimit keeps the newest events per item", async () => {
    const tracker = new StatusTracker({ historyLimit: 2 });
    await mixedPipeline(tracker).run([0]);
    assert.deepEqual(tracker.getHistory(0).map((e) => `${e.stage}:${e.status}`), [
      "Save:in_progress",
      "Save:completed",
    ]);
  });

  it("long histories (many retries) are kept whole and in order; historyLimit keeps their newest events", async () => {
    const flaky = (failures: number) => {
      const seen = new Map<number, number>();
      return function flakyTask(x: number): number {
        const n = (seen.get(x) ?? 0) + 1;
        seen.set(x, n);
        if (n <= failures) throw new Error(`try ${n}`);
        return x;
      };
    };
    const run = async (historyLimit: number | undefined, maxItems: number | undefined) => {
      const tracker = new StatusTracker({ historyLimit, maxItems });
      const emitted = new Map<number, string[]>();
      tracker.addEventListener("status", (e) => {
        const d = e.detail;
        const line = `${d.stage}:${d.status}:${d.worker}:${d.timestamp}:${
          d.metadata.attempt ?? ""
        }`;
        emitted.set(d.itemId as number, [...(emitted.get(d.itemId as number) ?? []), line]);
      });
      const stage = (name: string, failures: number) =>
        new Stage({
          name,
          workers: 2,
          retry: "per_stage",
          stageAttempts: failures + 1,
          taskWaitMs: 0,
          tasks: [flaky(failures)],
        });
      await new Pipeline({
        stages: [stage("A", 4), stage("B", 0), stage("C", 6)],
        statusTracker: tracker,
      }).run(range(30));
      const kept = tracker.getTrackedIds() as number[];
      assert.equal(kept.length, maxItems ?? 30);
      for (const id of kept) {
        const all = emitted.get(id)!;
        assert.ok(all.length > 20, `item ${id} has a long history (${all.length} events)`);
        const expected = historyLimit === undefined ? all : all.slice(-historyLimit);
        const history = tracker.getHistory(id).map((d) =>
          `${d.stage}:${d.status}:${d.worker}:${d.timestamp}:${d.metadata.attempt ?? ""}`
        );
        assert.deepEqual(history, expected);
        assert.equal(tracker.getStatus(id)?.status, "completed");
      }
      assert.equal(tracker.getStats().completed, 30);
    };
    await run(undefined, undefined);
    await run(3, undefined);
    await run(13, 7); // evicted records are reused for later items
  });

  it("maxItems evicts the items that finished first, never unfinished ones, and stats stay exact", async () => {
    const tracker = new StatusTracker({ maxItems: 10 });
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x] })],
      statusTracker: tracker,
    });
    await pipeline.run(range(1000));
    assert.equal(tracker.getTrackedIds().length, 10);
    assert.deepEqual(
      tracker.getTrackedIds().sort((a, b) => Number(a) - Number(b)),
      range(10).map((i) => 990 + i),
    );
    assert.equal(tracker.getStats().completed, 1000);
  });

  it("maxItems never evicts unfinished items", async () => {
    const tracker = new StatusTracker({ maxItems: 2 });
    const hold = gate();
    const pipeline = new Pipeline({ stages: [heldStage("S", 1, hold)], statusTracker: tracker });
    await pipeline.feed(range(5)); // one at the gate, four queued: none finished
    assert.equal(tracker.getTrackedIds().length, 5);
    hold.open();
    await pipeline.join();
    assert.equal(tracker.getTrackedIds().length, 2);
  });

  it("a tracker with maxItems 10 000 over a 100 000-item run keeps its item count flat", async () => {
    const tracker = new StatusTracker({ maxItems: 10_000 });
    tracker.addEventListener("status", () => {});
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 8, tasks: [(x: number) => x] })],
      statusTracker: tracker,
      collectResults: false,
    });
    await pipeline.run(range(100_000));
    assert.equal(tracker.getTrackedIds().length, 10_000);
    assert.equal(tracker.getStats().completed, 100_000);
  });
});

describe("cost when nobody listens", () => {
  it("without listeners or callbacks, no CustomEvent is dispatched and no task event is built", async () => {
    const tracker = new StatusTracker();
    const sink = trackerSink(tracker);
    const task = sink.task;
    let tasks = 0;
    sink.task = (event) => {
      tasks++;
      return task(event);
    };
    const before = dispatchCount();
    await new Pipeline({
      stages: [new Stage({ name: "S", workers: 2, tasks: [(x: number) => x] })],
      statusTracker: tracker,
    }).run(range(50));
    assert.equal(dispatchCount() - before, 0);
    assert.equal(tasks, 0);
    assert.equal(tracker.getStats().completed, 50, "statuses are still recorded");
  });

  it("only the listened-to types are dispatched, and removing the listener stops them", async () => {
    const tracker = new StatusTracker();
    const types: string[] = [];
    const onComplete = (e: Event) => void types.push(e.type);
    tracker.addEventListener("taskcomplete", onComplete);
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x] })],
      statusTracker: tracker,
    });
    const before = dispatchCount();
    await pipeline.run([1, 2]);
    assert.deepEqual(types, ["taskcomplete", "taskcomplete"]);
    assert.equal(dispatchCount() - before, 2, "nothing but the two taskcomplete events");
    tracker.removeEventListener("taskcomplete", onComplete);
    assert.equal(tracker.listenerCount("taskcomplete"), 0);
    await pipeline.run([3]);
    assert.equal(types.length, 2);
    assert.equal(dispatchCount() - before, 2);
  });

  it("once and signal listener options keep the counts right", () => {
    const tracker = new StatusTracker();
    const controller = new AbortController();
    tracker.addEventListener("status", () => {}, { once: true });
    tracker.addEventListener("status", () => {}, { signal: controller.signal });
    const same = () => {};
    tracker.addEventListener("status", same);
    tracker.addEventListener("status", same);
    assert.equal(tracker.listenerCount("status"), 3);
    tracker.dispatchEvent(
      new CustomEvent("status", {
        detail: new StatusEvent({ itemId: 1, stage: "S", status: "queued" }),
      }),
    );
    assert.equal(tracker.listenerCount("status"), 2);
    controller.abort();
    assert.equal(tracker.listenerCount("status"), 1);
  });
});

describe("event JSON and schemas", () => {
  it("toJSON turns errors into { name, message } and matches the exported schemas", () => {
    const status = new StatusEvent({
      itemId: "x",
      stage: "S",
      status: "failed",
      worker: "S-W12",
      timestamp: 1000,
      metadata: { error: "boom", errorType: "TypeError", attempt: 2 },
    });
    const task = new TaskEvent({
      itemId: "x",
      stage: "S",
      taskName: "t",
      worker: "S-W12",
      eventType: "fail",
      attempt: 2,
      timestamp: 1000,
      error: new TypeError("boom"),
      duration: 12.5,
    });
    const statusJson = JSON.parse(JSON.stringify(status));
    const taskJson = JSON.parse(JSON.stringify(task));
    assert.deepEqual(statusJson, {
      itemId: "x",
      stage: "S",
      status: "failed",
      worker: "S-W12",
      timestamp: 1000,
      metadata: { error: "boom", errorType: "TypeError", attempt: 2 },
      workerId: 12,
    });
    assert.deepEqual(taskJson.error, { name: "TypeError", message: "boom" });
    assert.equal(taskJson.duration, 12.5);
    assert.ok(!JSON.stringify(task).includes("stack"));
    assert.deepEqual(StatusEventSchema.parse(statusJson), statusJson);
    assert.deepEqual(TaskEventSchema.parse(taskJson), taskJson);
    assert.equal(StatusEventSchema.safeParse({ ...statusJson, status: "weird" }).success, false);
  });

  it("toJSON never throws on circular or exotic metadata and errors", () => {
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    const hostile = {
      get message() {
        throw new Error("no");
      },
      name: 5,
    };
    const status = new StatusEvent({
      itemId: 1,
      stage: "S",
      status: "failed",
      worker: null,
      timestamp: 1,
      metadata: { circular, big: 10n, fn: () => {}, err: new Error("inner") },
    });
    const task = new TaskEvent({
      itemId: 1,
      stage: "S",
      taskName: "t",
      worker: null,
      eventType: "fail",
      attempt: 1,
      timestamp: 1,
      error: hostile,
    });
    const json = JSON.parse(JSON.stringify(status));
    assert.equal(json.metadata.circular.self, "[Circular]");
    assert.equal(json.metadata.big, "10");
    assert.deepEqual(json.metadata.err, { name: "Error", message: "inner" });
    assert.deepEqual(JSON.parse(JSON.stringify(task)).error, { name: "5", message: "" });
  });

  it("workerId is parsed from the worker name, or null", () => {
    assert.equal(
      new StatusEvent({ itemId: 1, stage: "S", status: "queued", worker: "Fetch-W3" }).workerId,
      3,
    );
    assert.equal(
      new StatusEvent({ itemId: 1, stage: "S", status: "queued", worker: "My-Stage-W10" }).workerId,
      10,
    );
    assert.equal(
      new StatusEvent({ itemId: 1, stage: "S", status: "queued", worker: null }).workerId,
      null,
    );
    assert.equal(
      new StatusEvent({ itemId: 1, stage: "S", status: "queued", worker: "worker" }).workerId,
      null,
    );
  });
});

describe("StatusTracker options", () => {
  it("rejects bad options with a message naming the field and value", () => {
    assert.throws(() => new StatusTracker({ maxItems: -1 }), {
      name: "RangeError",
      message: "StatusTracker: maxItems must be an integer >= 0 or Infinity, got -1",
    });
    assert.throws(() => new StatusTracker({ historyLimit: 1.5 }), RangeError);
    assert.throws(() => new StatusTracker({ onStatusChange: "no" as never }), {
      name: "TypeError",
      message: 'StatusTracker: onStatusChange must be a function, got "no"',
    });
  });
});

describe("many names", () => {
  it("keeps stage and worker names right with thousands of workers", async () => {
    const tracker = new StatusTracker();
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Wide", workers: 5000, tasks: [async (x: number) => x] }),
        new Stage({ name: "Narrow", workers: 1, tasks: [(x: number) => x] }),
      ],
      statusTracker: tracker,
    });
    await pipeline.run(range(5000));
    const history = tracker.getHistory(4999);
    assert.match(history[1].worker!, /^Wide-W\d+$/);
    assert.deepEqual(history.map((e) => e.stage), [
      "Wide",
      "Wide",
      "Wide",
      "Narrow",
      "Narrow",
      "Narrow",
    ]);
    assert.equal(history.at(-1)!.worker, "Narrow-W0");
  });
});

describe("event JSON edge cases", () => {
  it("a worker number beyond safe integers gives workerId null (the schema stays valid)", () => {
    const event = new StatusEvent({
      itemId: 1,
      stage: "S",
      status: "queued",
      worker: "S-W99999999999999999999",
    });
    assert.equal(event.workerId, null);
    assert.equal(StatusEventSchema.safeParse(JSON.parse(JSON.stringify(event))).success, true);
  });

  it("a __proto__ metadata key is kept as data", () => {
    const metadata = JSON.parse('{"__proto__":{"x":1},"error":"e"}');
    const json = new StatusEvent({
      itemId: 1,
      stage: "S",
      status: "failed",
      worker: "S-W1",
      timestamp: 1,
      metadata,
    }).toJSON();
    assert.deepEqual(Object.keys(json.metadata), ["__proto__", "error"]);
    assert.equal(Object.getPrototypeOf(json.metadata), Object.prototype);
    assert.deepEqual(JSON.parse(JSON.stringify(json)).metadata, metadata);
  });
});
