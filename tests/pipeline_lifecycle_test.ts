import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  delay,
  Pipeline,
  PipelineError,
  Stage,
  STATUS_TYPES,
  StatusTracker,
  type TaskContext,
} from "../mod.ts";
import { trackerSink } from "../src/tracker/status_tracker.ts";
import { gate, range, recordingTracker, sleep } from "./support/helpers.ts";
import {
  collect,
  failingTask,
  heldStage,
  heldTask,
  slowStage,
  slowTask,
} from "./support/pipeline_fixtures.ts";

describe("stream()", () => {
  it("yields every item's result, failures with error, in completion order", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 3,
          taskAttempts: 1,
          tasks: [async (x: number) => {
            await sleep((5 - x) * 4);
            if (x === 2) throw new Error("two");
            return x;
          }],
        }),
      ],
    });
    const seen = await collect(pipeline.stream(range(5)));
    assert.equal(seen.length, 5);
    assert.deepEqual(seen.filter((r) => r.isSuccess).map((r) => r.value).sort(), [0, 1, 3, 4]);
    assert.equal((seen.find((r) => !r.isSuccess)!.error as Error).message, "two");
    assert.notDeepEqual(seen.map((r) => r.id), range(5), "completion order, not input order");
  });

  it("with a 1-item buffer and a slow consumer over 30 items, yields all 30 (feeds while consumed)", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, queueCapacity: 1, tasks: [(x: number) => x] })],
    });
    const seen: number[] = [];
    for await (const r of pipeline.stream(range(30), { highWaterMark: 1 })) {
      seen.push(r.value as number);
      await sleep(1);
    }
    assert.deepEqual(seen, range(30));
  });

  it("cancel() (or break) stops the run: no more items are taken and the rest are cancelled", async () => {
    let started = 0;
    const { tracker } = recordingTracker();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 2,
          tasks: [async (x: number) => {
            started++;
            await sleep(5);
            return x;
          }],
        }),
      ],
      statusTracker: tracker,
    });
    let count = 0;
    for await (const _ of pipeline.stream(range(1000))) {
      if (++count === 3) break;
    }
    await sleep(30);
    const stats = pipeline.getStats();
    assert.ok(started < 100, `started ${started}`);
    assert.equal(stats.itemsInFlight, 0);
    assert.ok(stats.itemsCancelled > 0);
    assert.equal(
      stats.itemsProcessed + stats.itemsFailed + stats.itemsCancelled,
      tracker.getTrackedIds().length,
    );
  });

  it("errors with the signal's reason when aborted", async () => {
    const controller = new AbortController();
    const pipeline = new Pipeline({ stages: [slowStage("S", 1, 5)] });
    const reader = pipeline.stream(range(100), { signal: controller.signal }).getReader();
    await reader.read();
    controller.abort(new Error("enough"));
    await assert.rejects(async () => {
      for (;;) if ((await reader.read()).done) break;
    }, /enough/);
  });
});

describe("stream() is a real ReadableStream", () => {
  const make = () =>
    new Pipeline({
      stages: [new Stage({ name: "S", workers: 2, tasks: [slowTask(1, (x: number) => x * 2)] })],
    });

  it("works through getReader()", async () => {
    const reader = make().stream(range(20)).getReader();
    const values: number[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      values.push(value.value as number);
    }
    assert.deepEqual(values.sort((a, b) => a - b), range(20).map((x) => x * 2));
  });

  it("works through pipeTo() and locks while iterated", async () => {
    const values: number[] = [];
    await make().stream(range(10)).pipeTo(
      new WritableStream({ write: (r) => void values.push(r.value as number) }),
    );
    assert.equal(values.length, 10);
    const stream = make().stream(range(3));
    for await (const _ of stream) assert.equal(stream.locked, true);
    assert.equal(stream.locked, false);
  });

  it("applies backpressure: with nobody reading, at most highWaterMark results wait (plus one per worker)", async () => {
    let finished = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 3,
          tasks: [(x: number) => x],
          onSuccess: () => void finished++,
        }),
      ],
    });
    const stream = pipeline.stream(range(1000), { highWaterMark: 5 });
    await sleep(50);
    assert.ok(finished <= 5 + 3, `finished ${finished} before anyone read`);
    let n = 0;
    for await (const _ of stream) n++;
    assert.equal(n, 1000);
  });
});

describe("abort and shutdown", () => {
  it("aborting a 10 000-item run mid-flight settles within 500 ms even with tasks that ignore their signal", async () => {
    const controller = new AbortController();
    const stuck = gate();
    let hung = 0;
    const pipeline = new Pipeline({
      stages: [
        slowStage("A", 8, 1),
        new Stage({
          name: "B",
          workers: 4,
          tasks: [(x: number) => {
            if (x % 50 !== 49) return x;
            if (++hung === 4) stuck.open();
            return new Promise(() => {});
          }],
        }),
      ],
    });
    const run = pipeline.run(range(10_000), { signal: controller.signal });
    await stuck.promise; // every B worker now holds a task that ignores its signal
    const abortedAt = performance.now();
    controller.abort(new Error("stop now"));
    await assert.rejects(run, /stop now/);
    const settleMs = performance.now() - abortedAt;
    assert.ok(settleMs < 500, `settled in ${settleMs} ms`);
    const stats = pipeline.getStats();
    assert.equal(stats.itemsInFlight, 0);
    assert.ok(stats.itemsCancelled > 0);
    const fed = stats.itemsProcessed + stats.itemsFailed + stats.itemsCancelled;
    assert.ok(fed <= 10_000 && fed > 0);
    for (const state of Object.values(pipeline.getWorkerStates())) {
      assert.equal(state.status, "idle");
    }
  });

  it("every fed item ends in exactly one terminal state, and items never taken get no events", async () => {
    const controller = new AbortController();
    const { tracker, log } = recordingTracker();
    const firstDone = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 2,
          queueCapacity: 4,
          tasks: [async (x: number, ctx: TaskContext) => {
            await delay(20, { signal: ctx.signal });
            return x;
          }],
          onSuccess: () => firstDone.open(),
        }),
      ],
      statusTracker: tracker,
    });
    const run = pipeline.run(range(1000), { signal: controller.signal });
    await firstDone.promise; // items have completed, others are in flight and queued
    controller.abort("why");
    await assert.rejects(run, (e) => e === "why");
    const stats = pipeline.getStats();
    const ids = tracker.getTrackedIds();
    assert.ok(ids.length < 20, `fed ${ids.length}`);
    assert.equal(stats.itemsProcessed + stats.itemsFailed + stats.itemsCancelled, ids.length);
    for (const id of ids) {
      const history = tracker.getHistory(id).map((e) => e.status);
      const terminal = history.filter((s) =>
        s === "completed" || s === "failed" || s === "cancelled"
      );
      assert.equal(terminal.length, 1, `item ${id}: ${history}`);
      assert.equal(history.at(-1), terminal[0]);
    }
    assert.ok(log.some((l) => l.includes(":cancelled:")));
  });

  it("the task's ctx.signal aborts on abort", async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const started = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 1,
          tasks: [(_x: number, ctx: TaskContext) => {
            seen = ctx.signal;
            started.open();
            return new Promise(() => {});
          }],
        }),
      ],
    });
    const run = pipeline.run([1], { signal: controller.signal });
    await started.promise;
    controller.abort(new Error("x"));
    await assert.rejects(run);
    assert.equal(seen?.aborted, true);
  });

  it("stream() with an already aborted signal returns a stream that errors with the reason", async () => {
    let calls = 0;
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => (calls++, x)] })],
    });
    const stream = pipeline.stream([1, 2], { signal: AbortSignal.abort("early") });
    assert.ok(stream instanceof ReadableStream);
    await assert.rejects(stream.getReader().read(), (e) => e === "early");
    const again = pipeline.stream([1], { signal: AbortSignal.abort("late") });
    await assert.rejects(async () => {
      for await (const _ of again) { /* nothing */ }
    }, (e) => e === "late");
    assert.equal(calls, 0);
    assert.equal(pipeline.getStats().itemsCancelled, 0);
  });

  it("run() with an already aborted signal rejects at once without feeding", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x] })],
    });
    await assert.rejects(
      pipeline.run([1], { signal: AbortSignal.abort("early") }),
      (e) => e === "early",
    );
    assert.equal(pipeline.getStats().itemsCancelled, 0);
  });

  it("shutdown() cancels everything in flight and rejects pending runs; the pipeline can run again", async () => {
    const pipeline = new Pipeline({ stages: [slowStage("S", 2, 10)] });
    const run = pipeline.run(range(100));
    await sleep(15);
    await pipeline.shutdown();
    await assert.rejects(run, { name: "AbortError" });
    const stats = pipeline.getStats();
    assert.equal(stats.itemsInFlight, 0);
    assert.equal(
      stats.itemsProcessed + stats.itemsCancelled,
      100 - (100 - stats.itemsProcessed - stats.itemsCancelled),
    );
    const again = await pipeline.run([1, 2]);
    assert.deepEqual(again.map((r) => r.value), [1, 2]);
  });

  it("await using shuts the pipeline down at the end of the scope", async () => {
    const hold = gate();
    const started = gate();
    let run: Promise<unknown> | undefined;
    {
      await using pipeline = new Pipeline({ stages: [heldStage("S", 1, hold, { started })] });
      run = pipeline.run([1]).catch((e) => e);
      await started.promise;
    }
    const error = await run;
    assert.equal((error as Error).name, "AbortError");
  });
});

describe("start / feed / join", () => {
  it("feeds batches into a started pipeline and join() returns their results in sequence order", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 3,
          tasks: [slowTask(() => Math.random() * 3, (x: number) => x * 2)],
        }),
      ],
    });
    await pipeline.start();
    await pipeline.feed([1, 2, 3]);
    await pipeline.feed(new Set([4, 5]));
    const results = await pipeline.join();
    assert.deepEqual(results.map((r) => r.value), [2, 4, 6, 8, 10]);
    assert.deepEqual(await pipeline.join(), []);
    await pipeline.feed([6]);
    assert.deepEqual((await pipeline.join()).map((r) => r.value), [12]);
    await pipeline.shutdown();
  });

  it("join() without start() starts the workers instead of hanging", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x] })],
    });
    await pipeline.feed([1]);
    assert.deepEqual((await pipeline.join()).map((r) => r.value), [1]);
  });
});

describe("skipIf and stage callbacks", () => {
  it("skipIf (sync or async) forwards the value unchanged with a skipped event and onSkip", async () => {
    for (
      const skipIf of [(v: number) => v === 5, async (v: number) => {
        await sleep(1);
        return v === 5;
      }]
    ) {
      const { tracker, log } = recordingTracker();
      const skipped: [unknown, unknown][] = [];
      const pipeline = new Pipeline({
        stages: [
          new Stage({
            name: "A",
            workers: 1,
            skipIf,
            onSkip: (id, value) => void skipped.push([id, value]),
            tasks: [function a(x: number) {
              return x + 1;
            }],
          }),
          new Stage({
            name: "B",
            workers: 1,
            tasks: [function b(x: number) {
              return x * 10;
            }],
          }),
        ],
        statusTracker: tracker,
      });
      const results = await pipeline.run([5, 6]);
      assert.deepEqual(results.map((r) => r.value), [50, 70]);
      assert.deepEqual(skipped, [[0, 5]]);
      assert.deepEqual(log.filter((l) => l.startsWith("S:0:") || l.startsWith("T:0:")), [
        "S:0:queued:A:null",
        "S:0:skipped:A:A-W0",
        "S:0:queued:B:null",
        "S:0:in_progress:B:B-W0",
        "T:0:start:B:b:1",
        "T:0:complete:B:b:1",
        "S:0:completed:B:B-W0",
      ]);
      assert.equal(pipeline.getStats().stageStats.A.completedItems, 2);
    }
  });

  it("onSuccess/onFailure run (sync or async, awaited) with the stage input; their errors never fail the item", async () => {
    const calls: string[] = [];
    const errors: unknown[] = [];
    const { tracker } = recordingTracker();
    tracker.addEventListener("error", (e) => errors.push(e.detail.error));
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 2,
          taskAttempts: 1,
          tasks: [(x: number) => {
            if (x === 3) throw new Error("three");
            return x * 2;
          }],
          onSuccess: async (id, result, value) => {
            await sleep(1);
            calls.push(`ok ${id} ${result} ${value}`);
            throw new Error("callback bug");
          },
          onFailure: (id, error, value) => {
            calls.push(`fail ${id} ${(error as Error).message} ${value}`);
            throw "sync callback bug";
          },
        }),
      ],
      statusTracker: tracker,
    });
    const results = await pipeline.run([1, 2, 3]);
    assert.deepEqual(results.map((r) => r.value), [2, 4]);
    assert.deepEqual(calls.sort(), ["fail 2 three 3", "ok 0 2 1", "ok 1 4 2"]);
    assert.equal(errors.length, 3);
  });

  it("a skipIf that throws is reported and the item is not skipped", async () => {
    const { tracker } = recordingTracker();
    const errors: string[] = [];
    tracker.addEventListener("error", (e) => errors.push(e.detail.callback));
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 1,
          skipIf: () => {
            throw new Error("bad predicate");
          },
          tasks: [(x: number) => x + 1],
        }),
      ],
      statusTracker: tracker,
    });
    assert.deepEqual((await pipeline.run([1])).map((r) => r.value), [2]);
    assert.deepEqual(errors, ["skipIf"]);
  });
});

describe("introspection", () => {
  it("getWorkerStates() shows the busy worker's item, task and status text", async () => {
    const hold = gate();
    const started = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Fetch",
          workers: 2,
          tasks: [async function download(x: number, ctx: TaskContext) {
            ctx.setStatus("downloading 40%");
            assert.equal(ctx.setStatus("too soon", 10_000), false);
            started.open();
            await hold.promise;
            return x;
          }],
        }),
      ],
    });
    const run = pipeline.run([42]);
    await started.promise;
    const states = pipeline.getWorkerStates();
    assert.equal(states["Fetch-W0"].status, "busy");
    assert.equal(states["Fetch-W0"].currentItemId, 0);
    assert.equal(states["Fetch-W0"].currentTask, "downloading 40%");
    assert.equal(typeof states["Fetch-W0"].processingSince, "number");
    assert.deepEqual(states["Fetch-W1"], {
      workerName: "Fetch-W1",
      stage: "Fetch",
      status: "idle",
    });
    await sleep(10); // held 10 ms: its processing time shows in the metrics
    hold.open();
    await run;
    const metrics = pipeline.getWorkerMetrics()["Fetch-W0"];
    assert.equal(metrics.itemsProcessed, 1);
    assert.ok(metrics.totalProcessingTime >= 5);
    assert.ok(metrics.avgProcessingTime > 0);
    assert.equal(typeof metrics.lastActive, "number");
    const snapshot = pipeline.getDashboardSnapshot();
    assert.deepEqual(Object.keys(snapshot).sort(), [
      "errorSummary",
      "pipelineStats",
      "timestamp",
      "workerMetrics",
      "workerStates",
    ]);
    assert.doesNotThrow(() => JSON.stringify(snapshot));
  });

  it("getErrorSummary() without a tracker has the failures by type, by stage, and their inputs", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, taskAttempts: 1, tasks: [failingTask("x")] })],
    });
    await pipeline.run([1, 2]);
    const summary = pipeline.getErrorSummary();
    assert.equal(summary.totalFailed, 2);
    assert.deepEqual(summary.errorsByType, { Error: 2 });
    assert.deepEqual(summary.errorsByStage, { S: 2 });
    assert.deepEqual(
      summary.failedItems.map((
        f,
      ) => [f.itemId, f.stage, f.error, f.errorType, f.attempts, f.value]),
      [[0, "S", "x", "Error", 1, 1], [1, "S", "x", "Error", 1, 2]],
    );
  });
});

describe("concurrent runs on one pipeline", () => {
  it("each run gets its own results; aborting one cancels only its items", async () => {
    const firstDone = gate();
    const pipeline = new Pipeline({
      stages: [slowStage("S", 3, 2, { onSuccess: () => firstDone.open() })],
    });
    const controller = new AbortController();
    const a = pipeline.run(range(30), { signal: controller.signal });
    const b = pipeline.run(range(30).map((x) => x + 100));
    await firstDone.promise; // both runs are under way
    controller.abort(new Error("only a"));
    await assert.rejects(a, /only a/);
    const resultsB = await b;
    assert.deepEqual(resultsB.map((r) => r.value), range(30).map((x) => x + 100));
    const stats = pipeline.getStats();
    assert.equal(stats.itemsInFlight, 0);
    assert.equal(
      stats.itemsProcessed + stats.itemsCancelled + stats.itemsFailed,
      stats.itemsProcessed + stats.itemsCancelled,
    );
    assert.ok(stats.itemsCancelled > 0 && stats.itemsProcessed >= 30);
  });
});

describe("worker start times", () => {
  it("once worker states were read, an item's processingSince is its in_progress timestamp (one clock reading, not two)", async () => {
    const tracker = new StatusTracker();
    const hold = gate();
    const started = gate();
    const pipeline = new Pipeline({
      stages: [heldStage("S", 2, hold, { started })],
      statusTracker: tracker,
    });
    pipeline.getWorkerStates(); // observed from now on: per-item start times
    const realNow = Date.now;
    let tick = realNow();
    Date.now = () => ++tick; // every reading differs: a second reading would show
    let states: ReturnType<typeof pipeline.getWorkerStates>;
    try {
      const run = pipeline.run([1, 2]);
      await started.promise;
      await sleep(5);
      states = pipeline.getWorkerStates();
      hold.open();
      await run;
    } finally {
      Date.now = realNow;
    }
    const busy = Object.values(states).filter((s) => s.status === "busy");
    assert.equal(busy.length, 2);
    for (const state of busy) {
      const inProgress = tracker.getHistory(state.currentItemId!)
        .find((e) => e.status === "in_progress")!;
      assert.equal(state.processingSince, inProgress.timestamp);
    }
  });
});

describe("robustness", () => {
  it("an error inside AntFlow's own event path (the tracker's sink) fails the item instead of losing it or hanging", async () => {
    const tracker = new StatusTracker();
    tracker.addEventListener("status", () => {});
    const sink = trackerSink(tracker);
    const original = sink.status;
    sink.status = (item, status, origin, metadata, timestamp) => {
      if (STATUS_TYPES[status] === "in_progress") throw new Error("broken dispatch");
      return original(item, status, origin, metadata, timestamp);
    };
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 2, tasks: [(x: number) => x] })],
      statusTracker: tracker,
    });
    const consoleError = console.error;
    console.error = () => {};
    try {
      const seen = await collect(pipeline.stream(range(6)));
      assert.equal(seen.length, 6);
      assert.ok(seen.every((r) => (r.error as Error).message === "broken dispatch"));
    } finally {
      console.error = consoleError;
    }
    const stats = pipeline.getStats();
    assert.equal(stats.itemsFailed, 6);
    assert.equal(stats.itemsInFlight, 0);
    assert.equal(tracker.getStats().failed, 6);
  });
});

describe("join({ signal })", () => {
  it("stops waiting when the signal aborts; the items carry on", async () => {
    const hold = gate();
    const pipeline = new Pipeline({ stages: [heldStage("S", 1, hold)] });
    await pipeline.feed([1]);
    const controller = new AbortController();
    const joining = pipeline.join({ signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await assert.rejects(joining, /stop waiting/);
    hold.open();
    assert.deepEqual((await pipeline.join()).map((r) => r.value), [1]);
  });
});

describe("feed({ signal })", () => {
  it("an abort while feed() waits for room rejects it with the reason; the items fed carry on", async () => {
    const hold = gate();
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, queueCapacity: 2, tasks: [heldTask(hold)] })],
    });
    const controller = new AbortController();
    // The worker holds item 0 at the gate, the queue fills up with two items and feed() waits.
    let settled = false;
    const feeding = pipeline.feed(range(10), { signal: controller.signal });
    feeding.then(() => (settled = true), () => (settled = true));
    await sleep(30);
    assert.equal(settled, false, "feed() waits while the queue is full");
    assert.equal(pipeline.getStats().queueSizes.S, 2);
    controller.abort(new Error("enough"));
    const outcome = await Promise.race([
      feeding.then(() => "resolved", (e: Error) => e.message),
      sleep(1000).then(() => "still waiting 1 s after the abort"),
    ]);
    assert.equal(outcome, "enough");
    hold.open();
    assert.deepEqual((await pipeline.join()).map((r) => r.value), [0, 1, 2]);
    assert.equal(pipeline.getStats().itemsCancelled, 0);
    await pipeline.shutdown();
  });

  it("feed() with an already aborted signal rejects at once and feeds nothing", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x] })],
    });
    await assert.rejects(
      pipeline.feed([1], { signal: AbortSignal.abort("early") }),
      (e) => e === "early",
    );
    assert.deepEqual(await pipeline.join(), []);
  });
});

describe("aborts from inside events", () => {
  it("shutdown() inside the first in_progress while join() starts the workers: the next batch still completes", async () => {
    const tracker = new StatusTracker();
    let shutdowns = 0;
    tracker.addEventListener("status", (e) => {
      if (e.detail.status === "in_progress" && shutdowns++ === 0) void pipeline.shutdown();
    });
    const pipeline: Pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 3, tasks: [async (x: number) => x + 1] })],
      statusTracker: tracker,
    });
    await pipeline.feed([1, 2]); // starts the workers; the first one to take an item shuts down
    await pipeline.join();
    assert.equal(pipeline.getStats().itemsCancelled, 2);
    // Every worker loop started during the shut-down start() must be gone: none may take (and
    // then drop) an item of the next batch.
    await pipeline.start();
    await pipeline.feed([10, 20, 30, 40]);
    const outcome = await Promise.race([
      pipeline.join().then((results) => results.map((r) => r.value)),
      sleep(2000).then(() => "join() still waiting after 2 s"),
    ]);
    assert.deepEqual(outcome, [11, 21, 31, 41]);
    assert.equal(pipeline.getStats().itemsInFlight, 0);
    await pipeline.shutdown();
  });

  it("an abort inside a 'failed' listener while streaming leaves no worker waiting on the stream", async () => {
    const tracker = new StatusTracker();
    const controller = new AbortController();
    tracker.addEventListener("status", (e) => {
      if (e.detail.status === "failed") controller.abort(new Error("fail fast"));
    });
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 2,
          taskAttempts: 1,
          tasks: [(x: number) => {
            if (x === 1) throw new Error("x");
            return x;
          }],
        }),
      ],
      statusTracker: tracker,
    });
    await assert.rejects(async () => {
      for await (
        const _ of pipeline.stream(range(10), { signal: controller.signal, highWaterMark: 0 })
      ) await sleep(1);
    }, /fail fast/);
    await sleep(5);
    assert.equal(pipeline.getStats().itemsInFlight, 0);
    for (const state of Object.values(pipeline.getWorkerStates())) {
      assert.equal(state.status, "idle");
    }
  });

  it("shutdown() inside a status listener while feeds run leaves nothing in flight", async () => {
    const tracker = new StatusTracker();
    const pipeline = new Pipeline({
      stages: [
        slowStage("A", 1, 2),
        new Stage({ name: "B", workers: 2, pull: true, tasks: [(x: number) => x] }),
      ],
      statusTracker: tracker,
    });
    let shut: Promise<void> | undefined;
    tracker.addEventListener("status", () => void (shut ??= pipeline.shutdown()), { once: true });
    // The first feed's first event shuts the pipeline down: the second feed, called after it,
    // rejects (a shut-down pipeline takes items only after start()).
    const outcomes = await Promise.allSettled([pipeline.feed([1]), pipeline.feed([2])]);
    await shut;
    assert.equal(outcomes[0].status, "fulfilled");
    assert.equal(outcomes[1].status, "rejected");
    assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof PipelineError);
    await sleep(20);
    assert.equal(pipeline.getStats().itemsInFlight, 0);
    assert.deepEqual(tracker.getTrackedIds(), [0]);
    assert.equal(tracker.getStatus(0)!.status, "cancelled");
  });
});

describe("results survive a shutdown inside their own event", () => {
  it("join() still returns an item whose final 'completed' listener shut the pipeline down", async () => {
    const tracker = new StatusTracker();
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x * 2] })],
      statusTracker: tracker,
    });
    let shut: Promise<void> | undefined;
    tracker.addEventListener("status", (e) => {
      if (e.detail.status === "completed") shut ??= pipeline.shutdown();
    });
    await pipeline.feed([21]);
    const results = await pipeline.join();
    await shut;
    assert.deepEqual(results.map((r) => r.value), [42]);
    assert.equal(pipeline.getStats().itemsProcessed, 1);
  });
});

describe("the event loop keeps turning", () => {
  it("a run whose tasks settle in microtasks still lets timers run (about every 10 ms)", async () => {
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 1);
    try {
      const pipeline = new Pipeline({
        stages: [
          new Stage({ name: "A", workers: 4, tasks: [async (x: number) => x + 1] }),
          new Stage({ name: "B", workers: 4, tasks: [(x: number) => x] }),
        ],
      });
      const start = performance.now();
      last = start;
      gaps.length = 0;
      const results = await pipeline.run(range(200_000));
      const elapsed = performance.now() - start;
      assert.equal(results.length, 200_000);
      // A run that never yielded would let no timer run until it ended: one gap, the whole run.
      assert.ok(
        gaps.length >= Math.min(10, elapsed / 50),
        `${gaps.length} timer ticks in ${elapsed.toFixed(0)} ms`,
      );
      // Most gaps are ~10 ms; one stall of a shared, loaded machine (or a GC) must not fail it.
      const sorted = [...gaps].sort((a, b) => a - b);
      const p90 = sorted[Math.floor(sorted.length * 0.9)] ?? 0;
      assert.ok(p90 < 100, `90 % of the gaps between timer ticks under ${p90.toFixed(0)} ms`);
    } finally {
      clearInterval(timer);
    }
  });
});
