import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage, StatusEvent, StatusTracker } from "../mod.ts";
import { gate, range, recordingTracker, sleep } from "./support/helpers.ts";
import { failingTask, slowStage } from "./support/pipeline_fixtures.ts";

function a(x: number): number {
  return x + 1;
}
function b(x: number): number {
  return x * 10;
}

describe("event sequences (the reference scenarios, 1 worker per stage)", () => {
  it("(a) success through two stages", async () => {
    const { tracker, log } = recordingTracker();
    await new Pipeline({
      stages: [
        new Stage({ name: "A", workers: 1, tasks: [a] }),
        new Stage({ name: "B", workers: 1, tasks: [b] }),
      ],
      statusTracker: tracker,
    }).run([5]);
    assert.deepEqual(log, [
      "S:0:queued:A:null",
      "S:0:in_progress:A:A-W0",
      "T:0:start:A:a:1",
      "T:0:complete:A:a:1",
      "S:0:completed:A:A-W0",
      "S:0:queued:B:null",
      "S:0:in_progress:B:B-W0",
      "T:0:start:B:b:1",
      "T:0:complete:B:b:1",
      "S:0:completed:B:B-W0",
    ]);
  });

  it("(d) permanent failure, per_task: retry events, then fail and failed; the next stage never sees it", async () => {
    const { tracker, log } = recordingTracker();
    function bad(): never {
      throw new Error("perm");
    }
    const results = await new Pipeline({
      stages: [
        new Stage({ name: "A", workers: 1, taskAttempts: 2, taskWaitMs: 1, tasks: [a, bad] }),
        new Stage({ name: "B", workers: 1, tasks: [b] }),
      ],
      statusTracker: tracker,
    }).run([5]);
    assert.deepEqual(results, []);
    assert.deepEqual(log, [
      "S:0:queued:A:null",
      "S:0:in_progress:A:A-W0",
      "T:0:start:A:a:1",
      "T:0:complete:A:a:1",
      "T:0:start:A:bad:1",
      "T:0:retry:A:bad:1:perm",
      'S:0:retrying:A:A-W0 {"error":"perm","errorType":"Error","attempt":2}',
      "T:0:start:A:bad:2",
      "T:0:fail:A:bad:2:perm",
      'S:0:failed:A:A-W0 {"error":"perm","errorType":"Error","attempt":2}',
    ]);
  });

  it("(d) permanent failure, per_stage: retrying, in_progress again, then fail and failed", async () => {
    const { tracker, log } = recordingTracker();
    function bad(): never {
      throw new Error("perm");
    }
    await new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          retry: "per_stage",
          stageAttempts: 2,
          taskWaitMs: 0,
          tasks: [a, bad],
        }),
      ],
      statusTracker: tracker,
    }).run([5]);
    assert.deepEqual(log, [
      "S:0:queued:A:null",
      "S:0:in_progress:A:A-W0",
      "T:0:start:A:a:1",
      "T:0:complete:A:a:1",
      "T:0:start:A:bad:1",
      "T:0:retry:A:bad:1:perm",
      'S:0:retrying:A:A-W0 {"error":"perm","errorType":"Error","attempt":2}',
      "S:0:in_progress:A:A-W0",
      "T:0:start:A:a:2",
      "T:0:complete:A:a:2",
      "T:0:start:A:bad:2",
      "T:0:fail:A:bad:2:perm",
      'S:0:failed:A:A-W0 {"error":"perm","errorType":"Error","attempt":2}',
    ]);
  });

  it("cancel: an item in flight when the run is aborted ends with cancelled", async () => {
    const { tracker, log } = recordingTracker();
    const controller = new AbortController();
    const started = gate();
    const run = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          tasks: [function hang() {
            started.open();
            return new Promise(() => {});
          }],
        }),
      ],
      statusTracker: tracker,
    }).run([5], { signal: controller.signal });
    await started.promise;
    controller.abort(new Error("stop"));
    await assert.rejects(run, /stop/);
    assert.deepEqual(log, [
      "S:0:queued:A:null",
      "S:0:in_progress:A:A-W0",
      "T:0:start:A:hang:1",
      "S:0:cancelled:A:null",
    ]);
  });

  it("a StatusEvent's fields, workerId included, are own properties (spread and structuredClone keep them)", () => {
    const event = new StatusEvent({
      itemId: 7,
      stage: "Fetch",
      status: "in_progress",
      worker: "Fetch-W3",
      timestamp: 5,
    });
    assert.deepEqual(Object.keys(event).sort(), [
      "itemId",
      "metadata",
      "stage",
      "status",
      "timestamp",
      "worker",
      "workerId",
    ]);
    assert.equal({ ...event }.workerId, 3);
    assert.equal(structuredClone(event).workerId, 3);
    assert.equal(
      new StatusEvent({ itemId: 1, stage: "S", status: "queued", worker: null }).workerId,
      null,
    );
  });

  it("events carry epoch-ms timestamps, workerId, and duration on complete/retry/fail", async () => {
    const tracker = new StatusTracker();
    const statuses: { workerId: number | null; timestamp: number }[] = [];
    const durations: (number | undefined)[] = [];
    tracker.addEventListener(
      "status",
      (e) => statuses.push({ workerId: e.detail.workerId, timestamp: e.detail.timestamp }),
    );
    tracker.addEventListener("taskstart", (e) => durations.push(e.detail.duration));
    tracker.addEventListener("taskcomplete", (e) => durations.push(e.detail.duration));
    const before = Date.now();
    await new Pipeline({ stages: [slowStage("A", 4, 5)], statusTracker: tracker }).run(range(4));
    const after = Date.now();
    assert.ok(statuses.every((s) => s.timestamp >= before - 1 && s.timestamp <= after + 1));
    assert.deepEqual(new Set(statuses.map((s) => s.workerId)), new Set([null, 0, 1, 2, 3]));
    assert.equal(durations.filter((d) => d === undefined).length, 4, "start has no duration");
    assert.ok(durations.filter((d) => d !== undefined).every((d) => d! >= 3));
  });
});

describe("callbacks", () => {
  it("constructor callbacks (sync or async) receive every event and are awaited by the worker", async () => {
    const order: string[] = [];
    const tracker = new StatusTracker({
      onStatusChange: async (event) => {
        await sleep(1);
        order.push(`status ${event.status}`);
      },
      onTaskStart: (event) => void order.push(`start ${event.taskName}`),
      onTaskComplete: (event) => void order.push(`complete ${event.taskName}`),
    });
    await new Pipeline({
      stages: [new Stage({ name: "A", workers: 1, tasks: [a] })],
      statusTracker: tracker,
    }).run([1]);
    assert.deepEqual(order, [
      "status queued",
      "status in_progress",
      "start a",
      "complete a",
      "status completed",
    ]);
  });

  it("callbacks can be set after construction", async () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    tracker.onTaskFail = (event) => void seen.push(`fail ${event.attempt}`);
    tracker.onTaskRetry = (event) => void seen.push(`retry ${event.attempt}`);
    tracker.onStatusChange = (event) => void seen.push(event.status);
    await new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          taskAttempts: 2,
          taskWaitMs: 0,
          tasks: [failingTask("x")],
        }),
      ],
      statusTracker: tracker,
    }).run([1]);
    assert.deepEqual(seen, ["queued", "in_progress", "retry 1", "retrying", "fail 2", "failed"]);
  });

  it("a callback that always throws leaves a 100-item run's results unchanged, with one error event per throw", async () => {
    const tracker = new StatusTracker({
      onStatusChange: () => {
        throw new Error("status callback bug");
      },
      onTaskStart: () => Promise.reject(new Error("async task callback bug")),
    });
    const errors: string[] = [];
    tracker.addEventListener("error", (e) => errors.push(e.detail.callback));
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "A", workers: 4, tasks: [a] })],
      statusTracker: tracker,
    });
    const results = await pipeline.run(range(100));
    assert.deepEqual(results.map((r) => r.value), range(100).map(a));
    // queued + in_progress + completed per item, and one task start per item.
    assert.equal(errors.filter((c) => c === "onStatusChange").length, 300);
    assert.equal(errors.filter((c) => c === "onTaskStart").length, 100);
  });

  it("with no error listener, a throwing callback is written to console.error once per failure", async () => {
    const tracker = new StatusTracker({
      onStatusChange: () => {
        throw new Error("oops");
      },
    });
    const original = console.error;
    const lines: unknown[][] = [];
    console.error = (...args: unknown[]) => void lines.push(args);
    try {
      await new Pipeline({
        stages: [new Stage({ name: "A", workers: 1, tasks: [a] })],
        statusTracker: tracker,
      }).run([1]);
    } finally {
      console.error = original;
    }
    assert.equal(lines.length, 3);
    assert.match(String(lines[0][0]), /onStatusChange threw/);
  });

  it("a listener that throws is isolated too: an error event, the run carries on", async () => {
    const tracker = new StatusTracker();
    const errors: string[] = [];
    tracker.addEventListener("status", () => {
      throw new Error("listener bug");
    });
    tracker.addEventListener(
      "error",
      (e) => errors.push(`${e.detail.callback}:${(e.detail.error as Error).message}`),
    );
    const results = await new Pipeline({
      stages: [new Stage({ name: "A", workers: 1, tasks: [a] })],
      statusTracker: tracker,
    }).run([1, 2]);
    assert.equal(results.length, 2);
    assert.equal(errors.length, 6);
    assert.equal(errors[0], "listener:status:listener bug");
  });
});

describe("stats agree with the pipeline", () => {
  it("getStats() counts equal the pipeline's counters after a run with mixed outcomes", async () => {
    const { tracker } = recordingTracker();
    const controller = new AbortController();
    const lateStarted = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 3,
          taskAttempts: 1,
          skipIf: (x: number) => x % 5 === 0,
          tasks: [(x: number) => {
            if (x % 7 === 0) throw new Error("seven");
            return x;
          }],
        }),
        new Stage({
          name: "B",
          workers: 2,
          tasks: [async (x: number) => {
            if (x > 60) lateStarted.open();
            await sleep(x > 60 ? 50 : 0);
            return x;
          }],
        }),
      ],
      statusTracker: tracker,
    });
    const run = pipeline.run(range(80), { signal: controller.signal });
    await lateStarted.promise; // items have completed and failed; the slow last ones are in flight
    controller.abort(new Error("partial"));
    await run.catch(() => {});
    const stats = tracker.getStats();
    const pstats = pipeline.getStats();
    assert.equal(stats.completed + stats.skipped, pstats.itemsProcessed);
    assert.equal(stats.failed, pstats.itemsFailed);
    assert.equal(stats.cancelled, pstats.itemsCancelled);
    assert.ok(pstats.itemsCancelled > 0 && pstats.itemsFailed > 0 && pstats.itemsProcessed > 0);
    assert.equal(stats.queued + stats.in_progress + stats.retrying, 0);
    assert.deepEqual(Object.keys(stats).sort(), [
      "cancelled",
      "completed",
      "failed",
      "in_progress",
      "queued",
      "retrying",
      "skipped",
    ]);
  });
});

describe("timestamps", () => {
  it("stay exact with a quiet tracker, across synchronous work in tasks and callbacks", async () => {
    const tracker = new StatusTracker();
    const spin = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) { /* busy: no await, no timer */ }
    };
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          tasks: [(x: number) => {
            spin(30);
            return x;
          }],
          onSuccess: () => spin(20),
        }),
        new Stage({
          name: "B",
          workers: 1,
          skipIf: () => {
            spin(15);
            return false;
          },
          tasks: [async (x: number) => {
            await sleep(10);
            return x;
          }],
        }),
      ],
      statusTracker: tracker,
    });
    await pipeline.run([1]);
    const at = Object.fromEntries(
      tracker.getHistory(0).map((e) => [`${e.stage}:${e.status}`, e.timestamp]),
    );
    assert.ok(at["A:completed"] - at["A:in_progress"] >= 29, "the sync task's time shows");
    assert.ok(at["B:in_progress"] - at["B:queued"] >= 14, "the skipIf's time shows");
    assert.ok(at["B:completed"] - at["B:in_progress"] >= 9, "the async task's time shows");
    const stamps = tracker.getHistory(0).map((e) => e.timestamp);
    assert.deepEqual(stamps, [...stamps].sort((a, b) => a - b), "never out of order");
  });
});
