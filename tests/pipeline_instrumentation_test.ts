/**
 * The core's instrumentation seam (`new Pipeline({ instrumentation })`), with a recording
 * instrumentation: which hooks run, when, with what, and what an item carries from stage to stage.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AttemptInfo,
  Pipeline,
  PipelineError,
  type PipelineInstrumentation,
  type RunInstrumentation,
  type RunStart,
  Stage,
  type StageEntry,
} from "../mod.ts";
import { gate, range } from "./support/helpers.ts";

/** Records every hook call as a line; passages are numbered. */
class Recorder implements PipelineInstrumentation {
  log: string[] = [];
  runs: RunStart[] = [];
  entries: StageEntry[] = [];
  attempts: AttemptInfo[] = [];
  attached: string[][] = [];
  /** What the hook sees as "current" when a run starts (set by the test around the call). */
  current = "";
  startedUnder: string[] = [];
  #passages = 0;
  enabled = true;

  attach(_pipeline: unknown, stages: readonly string[]): void {
    this.attached.push([...stages]);
  }

  startRun(run: RunStart): RunInstrumentation<number> | undefined {
    this.runs.push(run);
    this.startedUnder.push(this.current);
    if (!this.enabled) return undefined;
    const log = this.log;
    return {
      trace: `trace-of-${run.kind}`,
      enterStage: (entry) => {
        this.entries.push(entry);
        const n = ++this.#passages;
        log.push(`enter#${n} ${entry.stage} item ${entry.itemId} attempt ${entry.attempt}`);
        return n;
      },
      wrapAttempt: (n, attempt, call) => {
        this.attempts.push(attempt);
        log.push(`attempt#${n} ${attempt.task} ${attempt.attempt}`);
        return call();
      },
      retrying: (n, next, error) => log.push(`retrying#${n} ${next} ${error.message}`),
      leaveStage: (n, outcome, error) => {
        const why = error === undefined ? "" : ` ${(error as Error).message}`;
        log.push(`leave#${n} ${outcome}${why}`);
        return `trace-after-${n}`;
      },
      cancelled: (item) => log.push(`cancelled-queued ${item.stage} item ${item.itemId}`),
      end: (done) => log.push(`end ${JSON.stringify(done.counts)}`),
    };
  }
}

describe("Pipeline instrumentation seam", () => {
  it("attach gets the stage names; startRun runs synchronously inside run(), stream() and feed()", async () => {
    const recorder = new Recorder();
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "A", workers: 1, tasks: [(x: number) => x] }),
        new Stage({ name: "B", workers: 1, tasks: [(x: number) => x] }),
      ],
      instrumentation: recorder,
    });
    assert.deepEqual(recorder.attached, [["A", "B"]]);
    for (const kind of ["run", "stream", "feed"] as const) {
      recorder.current = kind;
      const done = kind === "run"
        ? pipeline.run([1])
        : kind === "stream"
        ? Array.fromAsync(pipeline.stream([1]))
        : pipeline.feed([1]).then(() => pipeline.join());
      recorder.current = "";
      await done;
    }
    assert.deepEqual(recorder.startedUnder, ["run", "stream", "feed"]);
    assert.deepEqual(recorder.runs.map((r) => r.kind), ["run", "stream", "feed"]);
    assert.ok(recorder.runs.every((r) => typeof r.runId === "string" && r.startedAt > 0));
  });

  it("an item's passages: enter, each attempt, leave; the trace leaveStage returns travels to the next stage", async () => {
    const recorder = new Recorder();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          tasks: [function one(x: number) {
            return x + 1;
          }, async function two(x: number) {
            return x * 2;
          }],
        }),
        new Stage({
          name: "B",
          workers: 1,
          tasks: [function three(x: number) {
            return x - 1;
          }],
        }),
      ],
      instrumentation: recorder,
    });
    const [result] = await pipeline.run([5], { idOf: () => "five" });
    assert.equal(result.value, 11);
    assert.deepEqual(recorder.log, [
      "enter#1 A item five attempt 1",
      "attempt#1 one 1",
      "attempt#1 two 1",
      "leave#1 completed",
      "enter#2 B item five attempt 1",
      "attempt#2 three 1",
      "leave#2 completed",
      'end {"completed":1,"failed":0,"skipped":0,"cancelled":0}',
    ]);
    assert.deepEqual(recorder.entries.map((e) => e.trace), ["trace-of-run", "trace-after-1"]);
    assert.deepEqual(recorder.entries[1], {
      runId: recorder.runs[0].runId,
      itemId: "five",
      sequenceId: 0,
      stage: "B",
      stageIndex: 1,
      worker: "B-W0",
      attempt: 1,
      retry: "per_task",
      trace: "trace-after-1",
    });
    assert.deepEqual(recorder.attempts[1], {
      itemId: "five",
      stage: "A",
      task: "two",
      taskIndex: 1,
      worker: "A-W0",
      attempt: 1,
      retry: "per_task",
    });
  });

  it("per_task retries and a final failure: retrying inside the passage, then leave failed with the error", async () => {
    const recorder = new Recorder();
    let calls = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          taskAttempts: 3,
          taskWaitMs: 1,
          tasks: [function flaky(x: number) {
            if (++calls < 5) throw new Error(`no ${calls}`);
            return x;
          }],
        }),
      ],
      instrumentation: recorder,
    });
    await pipeline.run([1, 2]);
    assert.deepEqual(recorder.log.slice(0, 7), [
      "enter#1 A item 0 attempt 1",
      "attempt#1 flaky 1",
      "retrying#1 2 no 1",
      "attempt#1 flaky 2",
      "retrying#1 3 no 2",
      "attempt#1 flaky 3",
      "leave#1 failed no 3",
    ]);
    assert.deepEqual(recorder.log.slice(7, -1), [
      "enter#2 A item 1 attempt 1",
      "attempt#2 flaky 1",
      "retrying#2 2 no 4",
      "attempt#2 flaky 2",
      "leave#2 completed",
    ]);
  });

  it("per_stage retries: each stage attempt is a passage of its own, left as retrying", async () => {
    const recorder = new Recorder();
    let calls = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 2,
          retry: "per_stage",
          stageAttempts: 3,
          taskWaitMs: 1,
          tasks: [function flaky(x: number) {
            if (++calls < 3) throw new Error(`no ${calls}`);
            return x;
          }],
        }),
      ],
      instrumentation: recorder,
    });
    await pipeline.run([1]);
    assert.deepEqual(recorder.log.slice(0, -1), [
      "enter#1 A item 0 attempt 1",
      "attempt#1 flaky 1",
      "leave#1 retrying no 1",
      "enter#2 A item 0 attempt 2",
      "attempt#2 flaky 2",
      "leave#2 retrying no 2",
      "enter#3 A item 0 attempt 3",
      "attempt#3 flaky 3",
      "leave#3 completed",
    ]);
    assert.deepEqual(recorder.entries.map((e) => e.trace), [
      "trace-of-run",
      "trace-after-1",
      "trace-after-2",
    ]);
  });

  it("a skipped item enters and leaves as skipped, with no attempt", async () => {
    const recorder = new Recorder();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          skipIf: (x: number) => x === 2,
          tasks: [(x: number) => x],
        }),
      ],
      instrumentation: recorder,
    });
    await pipeline.run([2]);
    assert.deepEqual(recorder.log.slice(0, -1), ["enter#1 A item 0 attempt 1", "leave#1 skipped"]);
  });

  it("an abort ends the held item's passage as cancelled, and reports queued items as cancelled", async () => {
    const recorder = new Recorder();
    const hold = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          tasks: [async (x: number) => {
            await hold.promise;
            return x;
          }],
        }),
      ],
      instrumentation: recorder,
    });
    const controller = new AbortController();
    const running = pipeline.run(range(3), { signal: controller.signal });
    while (recorder.attempts.length === 0) await new Promise((r) => setTimeout(r, 1));
    controller.abort(new Error("stop"));
    await assert.rejects(running, /stop/);
    hold.open();
    assert.deepEqual(recorder.log, [
      "enter#1 A item 0 attempt 1",
      "attempt#1 <anonymous> 1".replace("<anonymous>", recorder.attempts[0].task),
      "leave#1 cancelled stop",
      "cancelled-queued A item 1",
      "cancelled-queued A item 2",
      'end {"completed":0,"failed":0,"skipped":0,"cancelled":3}',
    ]);
  });

  it("a run whose startRun returns undefined goes uninstrumented", async () => {
    const recorder = new Recorder();
    recorder.enabled = false;
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "A", workers: 2, tasks: [(x: number) => x * 2] })],
      instrumentation: recorder,
    });
    const results = await pipeline.run(range(10));
    assert.equal(results.length, 10);
    assert.equal(recorder.runs.length, 1);
    assert.deepEqual(recorder.log, []);
  });

  it("rejects an instrumentation without startRun with a PipelineError", () => {
    assert.throws(
      () =>
        new Pipeline({
          stages: [new Stage({ name: "A", workers: 1, tasks: [(x: number) => x] })],
          instrumentation: {} as PipelineInstrumentation,
        }),
      (error: Error) =>
        error instanceof PipelineError &&
        /^Pipeline: instrumentation must be a PipelineInstrumentation \(an object with a startRun method\), got \{\}$/
          .test(error.message),
    );
  });
});
