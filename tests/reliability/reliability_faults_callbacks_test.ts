import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage, type StageOptions, type StatusTrackerOptions } from "../../mod.ts";
import {
  assertCounts,
  assertTerminalOnce,
  settles,
  tapConsoleError,
  watchedTracker,
} from "./support/reliability_faults.ts";

type Mode = "throws" | "rejects";

function bad(mode: Mode, label: string, calls: { n: number }): () => unknown {
  return mode === "throws"
    ? () => {
      calls.n++;
      throw new Error(`${label} threw`);
    }
    : async () => {
      calls.n++;
      await null;
      throw new Error(`${label} rejected`);
    };
}

/** Items 0..5; odd ones fail in stage A (one attempt); items divisible by 3 skip stage B. */
function pipelineWith(
  override: (calls: { n: number }) => Partial<StageOptions>,
  trackerOptions: StatusTrackerOptions | undefined,
  calls: { n: number },
  listenToErrors = true,
) {
  const watched = trackerOptions === undefined
    ? undefined
    : watchedTracker(trackerOptions, listenToErrors);
  const pipeline = new Pipeline({
    stages: [
      new Stage({
        name: "A",
        workers: 2,
        taskAttempts: 2,
        taskWaitMs: 0,
        tasks: [(x: number) => {
          if (x % 2 === 1) throw new Error("odd");
          return x;
        }],
        ...override(calls),
      }),
      new Stage({ name: "B", workers: 2, skipIf: (x: number) => x % 3 === 0, tasks: [(x) => x] }),
    ],
    statusTracker: watched?.tracker,
  });
  return { pipeline, watched };
}

const STAGE_CALLBACKS: [string, (mode: Mode, calls: { n: number }) => Partial<StageOptions>][] = [
  ["onSuccess", (m, c) => ({ onSuccess: bad(m, "onSuccess", c) as never })],
  ["onFailure", (m, c) => ({ onFailure: bad(m, "onFailure", c) as never })],
  ["skipIf", (m, c) => ({ skipIf: bad(m, "skipIf", c) as never })],
];

describe("fault injection: stage callbacks that throw or reject", () => {
  for (const [name, override] of STAGE_CALLBACKS) {
    for (const mode of ["throws", "rejects"] as const) {
      it(`${name} that ${mode}: every error is reported once as a tracker "error" event, items unaffected`, async () => {
        const calls = { n: 0 };
        const { pipeline, watched } = pipelineWith((c) => override(mode, c), {}, calls);
        const results = await settles(pipeline.run([0, 1, 2, 3, 4, 5]), "run()");
        assert.deepEqual(results.map((r) => r.value), [0, 2, 4]);
        assertCounts(pipeline, watched!.tracker, { processed: 3, failed: 3 });
        assertTerminalOnce(watched!.tracker, "B");
        assert.ok(calls.n > 0);
        assert.equal(watched!.errors.length, calls.n);
        for (const e of watched!.errors) {
          assert.equal(e.callback, name);
          assert.equal(e.stage, "A");
          assert.equal(e.event, undefined);
        }
        assert.deepEqual(watched!.jsonProblems, []);
      });
    }
  }

  it("onSkip that throws or rejects is reported; the skipped items still complete", async () => {
    for (const mode of ["throws", "rejects"] as const) {
      const calls = { n: 0 };
      const { tracker, errors } = watchedTracker();
      const pipeline = new Pipeline({
        stages: [
          new Stage({
            name: "S",
            workers: 2,
            skipIf: (x: number) => x > 1,
            onSkip: bad(mode, "onSkip", calls) as never,
            tasks: [(x: number) => x * 10],
          }),
        ],
        statusTracker: tracker,
      });
      const results = await settles(pipeline.run([0, 1, 2, 3]), "run()");
      assert.deepEqual(results.map((r) => r.value), [0, 10, 2, 3]);
      assert.equal(calls.n, 2);
      assert.deepEqual(errors.map((e) => `${e.stage} ${e.callback}`), ["S onSkip", "S onSkip"]);
      assertCounts(pipeline, tracker, { processed: 4, failed: 0 });
    }
  });

  it("retryIf that throws means 'do not retry' and is reported", async () => {
    const calls = { n: 0 };
    const { pipeline, watched } = pipelineWith(
      (c) => ({ retryIf: bad("throws", "retryIf", c) as never }),
      {},
      calls,
    );
    await settles(pipeline.run([0, 1, 2, 3]), "run()");
    assertCounts(pipeline, watched!.tracker, { processed: 2, failed: 2 });
    assert.equal(calls.n, 2, "asked once per odd item");
    assert.equal(watched!.errors.length, 2);
    for (const failed of watched!.tracker.getFailedItems()) assert.equal(failed.attempts, 1);
  });

  it("without a tracker, a throwing callback is written to console.error naming the stage", async () => {
    const tap = tapConsoleError();
    const calls = { n: 0 };
    try {
      const { pipeline } = pipelineWith(
        (c) => ({ onSuccess: bad("throws", "onSuccess", c) as never }),
        undefined,
        calls,
      );
      await settles(pipeline.run([0, 1, 2]), "run()");
      assertCounts(pipeline, undefined, { processed: 2, failed: 1 });
    } finally {
      tap.restore();
    }
    assert.equal(tap.lines.length, calls.n);
    for (const line of tap.lines) assert.match(line, /stage "A"'s onSuccess threw/);
  });
});

const TRACKER_CALLBACKS = [
  "onStatusChange",
  "onTaskStart",
  "onTaskComplete",
  "onTaskRetry",
  "onTaskFail",
] as const;

describe("fault injection: tracker callbacks and listeners that throw or reject", () => {
  for (const name of TRACKER_CALLBACKS) {
    it(`${name} that throws or rejects: reported once per call, the run completes with the right counts`, async () => {
      for (const mode of ["throws", "rejects"] as const) {
        const calls = { n: 0 };
        const { pipeline, watched } = pipelineWith(
          () => ({}),
          { [name]: bad(mode, name, calls) },
          calls,
        );
        const results = await settles(pipeline.run([0, 1, 2, 3, 4, 5]), "run()");
        assert.equal(results.length, 3);
        assertCounts(pipeline, watched!.tracker, { processed: 3, failed: 3 });
        assertTerminalOnce(watched!.tracker, "B");
        assert.ok(calls.n > 0, `${name} was called`);
        assert.equal(watched!.errors.length, calls.n, mode);
        for (const e of watched!.errors) {
          assert.equal(e.callback, name);
          assert.ok(e.event !== undefined);
          JSON.stringify(e.event); // the event of a failed callback still serialises
        }
      }
    });
  }

  it("status and task listeners that throw or reject are reported as listener:<type> errors", async () => {
    const calls = { n: 0 };
    const { pipeline, watched } = pipelineWith(() => ({}), {}, calls);
    const tracker = watched!.tracker;
    tracker.addEventListener("status", bad("throws", "status listener", calls));
    tracker.addEventListener("taskfail", bad("rejects", "taskfail listener", calls));
    tracker.addEventListener("taskstart", { handleEvent: bad("throws", "handleEvent", calls) });
    await settles(pipeline.run([0, 1, 2, 3]), "run()");
    assertCounts(pipeline, tracker, { processed: 2, failed: 2 });
    assert.equal(watched!.errors.length, calls.n);
    const kinds = new Set(watched!.errors.map((e) => e.callback));
    assert.deepEqual([...kinds].sort(), [
      "listener:status",
      "listener:taskfail",
      "listener:taskstart",
    ]);
  });

  it('an "error" listener that throws goes to console.error once per error, with no recursion', async () => {
    const tap = tapConsoleError();
    const calls = { n: 0 };
    const errorCalls = { n: 0 };
    try {
      const { pipeline, watched } = pipelineWith(() => ({}), {}, calls, false);
      watched!.tracker.addEventListener("status", bad("throws", "status listener", calls));
      watched!.tracker.addEventListener("error", bad("throws", "error listener", errorCalls));
      await settles(pipeline.run([0, 1, 2]), "run()");
      assertCounts(pipeline, watched!.tracker, { processed: 2, failed: 1 });
    } finally {
      tap.restore();
    }
    assert.equal(errorCalls.n, calls.n, "the error listener saw every listener error");
    assert.equal(tap.lines.length, calls.n);
  });

  it("async callbacks that are slow delay nothing but their own item and all settle", async () => {
    const { tracker } = watchedTracker({
      onStatusChange: () => new Promise((resolve) => setTimeout(resolve, 1)),
    });
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 4,
          tasks: [(x: number) => x],
          onSuccess: () => new Promise((resolve) => setTimeout(resolve, 2)),
        }),
      ],
      statusTracker: tracker,
    });
    const results = await settles(pipeline.run(Array.from({ length: 20 }, (_, i) => i)), "run()");
    assert.equal(results.length, 20);
    assertCounts(pipeline, tracker, { processed: 20, failed: 0 });
  });
});
