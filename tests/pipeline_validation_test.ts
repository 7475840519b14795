import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AntFlowError, Pipeline, PipelineError, Stage, StageValidationError } from "../mod.ts";

const ok = (x: unknown) => x;

describe("Stage option validation", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["workers 0", { workers: 0 }, 'Stage "Fetch": workers must be an integer >= 1, got 0'],
    ["workers 1.5", { workers: 1.5 }, 'Stage "Fetch": workers must be an integer >= 1, got 1.5'],
    ["workers text", { workers: "4" }, 'Stage "Fetch": workers must be an integer >= 1, got "4"'],
    [
      "empty tasks",
      { tasks: [] },
      'Stage "Fetch": tasks must be a non-empty array of functions, got []',
    ],
    [
      "a non-function task",
      { tasks: [ok, 42] },
      'Stage "Fetch": tasks must be a non-empty array of functions, got [null,42]',
    ],
    [
      "bad retry mode",
      { retry: "sometimes" },
      'Stage "Fetch": retry must be "per_task" or "per_stage", got "sometimes"',
    ],
    [
      "taskAttempts 0",
      { taskAttempts: 0 },
      'Stage "Fetch": taskAttempts must be an integer >= 1, got 0',
    ],
    [
      "stageAttempts -1",
      { stageAttempts: -1 },
      'Stage "Fetch": stageAttempts must be an integer >= 1, got -1',
    ],
    [
      "negative wait",
      { taskWaitMs: -5 },
      'Stage "Fetch": taskWaitMs must be a finite number >= 0, got -5',
    ],
    [
      "timeout 0",
      { taskTimeoutMs: 0 },
      'Stage "Fetch": taskTimeoutMs must be a finite number > 0, got 0',
    ],
    [
      "queueCapacity -1",
      { queueCapacity: -1 },
      'Stage "Fetch": queueCapacity must be an integer >= 0 (0 = unbounded), got -1',
    ],
    ["callRate 0", { callRate: 0 }, 'Stage "Fetch": callRate must be an integer >= 1, got 0'],
    [
      "backoff multiplier 0.5",
      { backoff: { multiplier: 0.5 } },
      'Stage "Fetch": backoff must be { multiplier?: finite number >= 1, maxWaitMs?: number >= 0, jitter?: boolean } or a function (attempt, error) => ms, got {"multiplier":0.5}',
    ],
    [
      "onSuccess not a function",
      { onSuccess: 1 },
      'Stage "Fetch": onSuccess must be a function, got 1',
    ],
    [
      "unknown task limit",
      { taskConcurrencyLimits: { nope: 1 } },
      'Stage "Fetch": taskConcurrencyLimits must only name tasks of the stage ("ok"), got "nope"',
    ],
    [
      "pull with per_stage",
      { pull: true, retry: "per_stage" },
      'Stage "Fetch": pull must not be combined with retry "per_stage" (a pull stage has no queue to re-queue into), got pull: true',
    ],
  ];
  for (const [what, override, message] of cases) {
    it(`${what} → StageValidationError naming the stage, field, rule and value`, () => {
      assert.throws(
        () => new Stage({ name: "Fetch", workers: 2, tasks: [ok], ...override } as never),
        (error: Error) => {
          assert.ok(error instanceof StageValidationError);
          assert.ok(error instanceof PipelineError && error instanceof AntFlowError);
          assert.equal(error.message, message);
          return true;
        },
      );
    });
  }

  it("a missing or empty name is rejected", () => {
    assert.throws(() => new Stage({ workers: 1, tasks: [ok] } as never), {
      name: "StageValidationError",
      message: "Stage: name must be a non-empty string, got undefined",
    });
    assert.throws(() => new Stage({ name: " ", workers: 1, tasks: [ok] }), StageValidationError);
  });

  it("defaults: per_task, 3 attempts, 1000 ms wait, capacity workers * 10", () => {
    const stage = new Stage({ name: "S", workers: 4, tasks: [ok] });
    assert.equal(stage.retry, "per_task");
    assert.equal(stage.taskAttempts, 3);
    assert.equal(stage.stageAttempts, 3);
    assert.equal(stage.taskWaitMs, 1000);
    assert.equal(stage.queueCapacity, 40);
    assert.equal(
      new Stage({ name: "S", workers: 4, queueCapacity: 0, tasks: [ok] }).queueCapacity,
      Infinity,
    );
  });
});

describe("Pipeline composition", () => {
  const stage = (name: string, extra: Record<string, unknown> = {}) =>
    new Stage({ name, workers: 1, tasks: [ok], ...extra });
  it("no stages → PipelineError", () => {
    assert.throws(() => new Pipeline({ stages: [] }), {
      name: "PipelineError",
      message: "Pipeline: stages must be a non-empty array of Stage, got []",
    });
  });
  it("one Stage where an array is wanted → PipelineError saying to wrap it", () => {
    // @ts-expect-error: a Stage, not an array of them
    assert.throws(() => new Pipeline({ stages: stage("Only") }), {
      name: "PipelineError",
      message:
        'Pipeline: stages must be an array of Stage, got one Stage ("Only"): write stages: [stage]',
    });
  });
  it("duplicate stage names → PipelineError naming them", () => {
    assert.throws(() => new Pipeline({ stages: [stage("A"), stage("B"), stage("A")] }), {
      name: "PipelineError",
      message: 'Pipeline: stage names must be unique, got "A" more than once',
    });
  });
  it("a pull first stage → PipelineError", () => {
    assert.throws(
      () => new Pipeline({ stages: [stage("A", { pull: true })] }),
      (e: Error) =>
        e instanceof PipelineError && /first stage cannot be a pull stage/.test(e.message),
    );
  });
  it("a non-Stage entry and a bad tracker → PipelineError", () => {
    assert.throws(() => new Pipeline({ stages: [{ name: "A" } as never] }), {
      name: "PipelineError",
      message: 'Pipeline: stages[0] must be a Stage, got {"name":"A"}',
    });
    assert.throws(
      () => new Pipeline({ stages: [stage("A")], statusTracker: {} as never }),
      PipelineError,
    );
  });
});

describe("run() option validation", () => {
  const pipeline = new Pipeline({ stages: [new Stage({ name: "S", workers: 1, tasks: [ok] })] });
  it("bad options reject with TypeError/RangeError naming the field and value", async () => {
    await assert.rejects(pipeline.run([1], { priority: NaN }), {
      name: "RangeError",
      message: "Pipeline.run: priority must be a finite number, got NaN",
    });
    await assert.rejects(pipeline.run([1], { signal: "x" as never }), {
      name: "TypeError",
      message: 'Pipeline.run: signal must be an AbortSignal, got "x"',
    });
    await assert.rejects(pipeline.run([1], { dashboardIntervalMs: 0 }), RangeError);
    await assert.rejects(pipeline.run([1], { dashboard: {} as never }), {
      name: "TypeError",
      message: "Pipeline.run: dashboard must have onStart, onUpdate and onFinish methods, got {}",
    });
    await assert.rejects(pipeline.run(42 as never), {
      name: "TypeError",
      message: "Pipeline.run: items must be an iterable or async iterable, got 42",
    });
    await assert.rejects(pipeline.run([1], { idOf: () => ({}) as never }), {
      name: "TypeError",
      message: /idOf must return a string or a finite number, got \{\} for the item at index 0/,
    });
    assert.throws(() => pipeline.stream([1], { highWaterMark: -1 }), RangeError);
  });

  it("an input that throws rejects the run with that error, and nothing is left in flight", async () => {
    function* broken() {
      yield 1;
      throw new Error("input broke");
    }
    await assert.rejects(pipeline.run(broken()), /input broke/);
    assert.equal(pipeline.getStats().itemsInFlight, 0);
  });
});
