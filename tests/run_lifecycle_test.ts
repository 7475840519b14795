import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, type RunEvent, RunEventSchema, Stage, StatusTracker } from "../mod.ts";
import { gate, range, sleep } from "./support/helpers.ts";

function pipelineWith(tracker: StatusTracker, workers = 2): Pipeline {
  return new Pipeline({
    stages: [
      new Stage({
        name: "A",
        workers,
        taskAttempts: 1,
        tasks: [(x: number) => {
          if (x % 5 === 4) throw new Error(`bad ${x}`);
          return x;
        }],
        skipIf: (x: number) => x % 5 === 3,
      }),
    ],
    statusTracker: tracker,
  });
}

/** Records runstart/runend as "start:<id>" / "end:<id>" plus the details. */
function recordRuns(
  tracker: StatusTracker,
): { log: string[]; ends: RunEvent[]; starts: RunEvent[] } {
  const log: string[] = [];
  const starts: RunEvent[] = [];
  const ends: RunEvent[] = [];
  tracker.addEventListener("runstart", (e) => {
    starts.push(e.detail);
    log.push(`start:${e.detail.runId}`);
  });
  tracker.addEventListener("runend", (e) => {
    ends.push(e.detail);
    log.push(`end:${e.detail.runId}`);
  });
  return { log, starts, ends };
}

describe("run lifecycle events", () => {
  it("run() dispatches runstart, then runend with the run's counts, before it resolves", async () => {
    const tracker = new StatusTracker();
    const { starts, ends } = recordRuns(tracker);
    const before = Date.now();
    const results = await pipelineWith(tracker).run(range(10));
    assert.equal(results.length, 8);
    assert.equal(starts.length, 1);
    assert.equal(ends.length, 1, "runend is dispatched before run() resolves");
    const [start] = starts;
    const [end] = ends;
    assert.equal(start.runId, end.runId);
    assert.equal(typeof start.runId, "string");
    assert.ok(start.runId.length > 0);
    assert.ok(start.startedAt >= before && start.startedAt <= Date.now());
    assert.equal(start.endedAt, undefined);
    assert.deepEqual(start.counts, { completed: 0, failed: 0, skipped: 0, cancelled: 0 });
    assert.equal(end.startedAt, start.startedAt);
    assert.ok(end.endedAt! >= end.startedAt);
    assert.deepEqual(end.counts, { completed: 6, failed: 2, skipped: 2, cancelled: 0 });
    RunEventSchema.parse(start);
    RunEventSchema.parse(JSON.parse(JSON.stringify(end)));
  });

  it("callbacks onRunStart/onRunEnd are called and awaited; getRuns() lists the runs", async () => {
    const calls: string[] = [];
    const tracker = new StatusTracker({
      onRunStart: async (run) => {
        await sleep(10);
        calls.push(`start ${run.counts.completed}`);
      },
      onRunEnd: async (run) => {
        await sleep(10);
        calls.push(`end ${run.counts.completed}`);
      },
      onStatusChange: (event) => {
        if (event.status === "queued" && calls.length === 1) calls.push("first queued");
      },
    });
    await pipelineWith(tracker).run(range(5));
    assert.deepEqual(calls, ["start 0", "first queued", "end 3"]);
    const runs = tracker.getRuns();
    assert.equal(runs.length, 1);
    assert.deepEqual(runs[0].counts, { completed: 3, failed: 1, skipped: 1, cancelled: 0 });
    assert.ok(runs[0].endedAt !== undefined);
  });

  it("stream() and feed()…join() are runs too; feeds before one join share a runId", async () => {
    const tracker = new StatusTracker();
    const { starts, ends } = recordRuns(tracker);
    const pipeline = pipelineWith(tracker);
    for await (const _ of pipeline.stream(range(5))) { /* drain */ }
    assert.equal(starts.length, 1);
    assert.equal(ends.length, 1);
    assert.deepEqual(ends[0].counts, { completed: 3, failed: 1, skipped: 1, cancelled: 0 });
    const hold = gate();
    const held = new Pipeline({
      stages: [
        new Stage({
          name: "H",
          workers: 1,
          tasks: [async (x: number) => {
            await hold.promise;
            return x;
          }],
        }),
      ],
      statusTracker: tracker,
    });
    await held.feed([1, 2]);
    await held.feed([3]);
    assert.equal(starts.length, 2, "one runstart for both feeds");
    hold.open();
    const joined = await held.join();
    assert.equal(joined.length, 3);
    assert.equal(ends.length, 2);
    assert.equal(ends[1].runId, starts[1].runId);
    assert.deepEqual(ends[1].counts, { completed: 3, failed: 0, skipped: 0, cancelled: 0 });
  });

  it("an aborted run ends with its cancelled items counted; two concurrent runs count apart", async () => {
    const tracker = new StatusTracker();
    const { ends } = recordRuns(tracker);
    const hold = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 4,
          tasks: [async (x: number) => {
            if (x >= 100) await hold.promise;
            return x;
          }],
        }),
      ],
      statusTracker: tracker,
    });
    const controller = new AbortController();
    const fast = pipeline.run(range(7));
    const slow = pipeline.run([100, 101, 102], { signal: controller.signal });
    await fast;
    controller.abort(new Error("stop"));
    await assert.rejects(slow, /stop/);
    assert.equal(ends.length, 2);
    const counts = ends.map((e) => e.counts).sort((a, b) => b.completed - a.completed);
    assert.deepEqual(counts, [
      { completed: 7, failed: 0, skipped: 0, cancelled: 0 },
      { completed: 0, failed: 0, skipped: 0, cancelled: 3 },
    ]);
    hold.open();
  });

  it("a throwing runstart listener is reported as a tracker error, and the run goes on", async () => {
    const tracker = new StatusTracker();
    const errors: string[] = [];
    tracker.addEventListener("error", (e) => errors.push(e.detail.callback));
    tracker.addEventListener("runstart", () => {
      throw new Error("listener bug");
    });
    const results = await pipelineWith(tracker).run(range(3));
    assert.equal(results.length, 3);
    assert.deepEqual(errors, ["listener:runstart"]);
  });
});
