import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage, type TaskContext, type TaskFn } from "../../mod.ts";
import {
  assertCounts,
  assertTerminalOnce,
  collect,
  pause,
  settles,
  tapConsoleError,
  watchedTracker,
} from "./support/reliability_faults.ts";

function errorWithThrowingGetters(): Error {
  const error = new Error("hidden");
  for (const key of ["message", "name", "stack", "cause"]) {
    Object.defineProperty(error, key, {
      get() {
        throw new Error(`${key} getter`);
      },
    });
  }
  return error;
}

function circularError(): Error {
  const error = new Error("loop") as Error & { self?: unknown };
  error.self = error;
  error.cause = { error, list: [error] };
  return error;
}

/** What tasks throw, and whether it is passed through as is (Error instances) or wrapped. */
const THROWN: [string, () => unknown, boolean][] = [
  ["undefined", () => undefined, false],
  ["null", () => null, false],
  ["a string", () => "boom", false],
  ["a number (NaN)", () => NaN, false],
  ["a symbol", () => Symbol("boom"), false],
  ["a bigint", () => 10n, false],
  ["a plain object", () => ({ code: 42, nested: { deep: [1, 2] } }), false],
  ["an object whose getters and toJSON throw", () => ({
    get message(): string {
      throw new Error("message getter");
    },
    get name(): string {
      throw new Error("name getter");
    },
    toJSON(): never {
      throw new Error("toJSON");
    },
  }), false],
  ["an Error whose getters throw", errorWithThrowingGetters, true],
  ["a frozen Error", () => Object.freeze(new TypeError("frozen")), true],
  ["an Error with a circular cause", circularError, true],
  ["an AggregateError", () => new AggregateError([new Error("a"), "b"], "many"), true],
];

/** A task failing every attempt with `make()`: thrown synchronously, or rejected after a timer. */
function failing(make: () => unknown, how: "sync" | "async"): TaskFn {
  const thrown = new Map<number, unknown>();
  const fn = how === "sync"
    ? (x: number) => {
      const value = make();
      thrown.set(x, value);
      throw value;
    }
    : async (x: number) => {
      await pause(1);
      const value = make();
      thrown.set(x, value);
      return Promise.reject(value);
    };
  return Object.assign(fn, { thrown });
}

describe("fault injection: what a task throws", () => {
  for (const [what, make, passedThrough] of THROWN) {
    it(`a task throwing ${what} (sync or async, per_task or per_stage) fails its item with an Error, once`, async () => {
      for (const how of ["sync", "async"] as const) {
        for (const retry of ["per_task", "per_stage"] as const) {
          const { tracker, jsonProblems, errors } = watchedTracker();
          const task = failing(make, how);
          const pipeline = new Pipeline({
            stages: [
              new Stage({ name: "A", workers: 2, tasks: [(x: number) => x] }),
              new Stage({
                name: "B",
                workers: 2,
                retry,
                taskAttempts: 2,
                stageAttempts: 2,
                taskWaitMs: 0,
                tasks: [task],
              }),
            ],
            statusTracker: tracker,
          });
          const results = await collect(pipeline.stream([1, 2, 3]));
          const where = `${how} ${retry}`;
          assert.equal(results.length, 3, where);
          const thrown = (task as unknown as { thrown: Map<number, unknown> }).thrown;
          for (const r of results) {
            assert.ok(r.error instanceof Error, `${where}: error is an Error`);
            assert.equal(r.isSuccess, false);
            assert.equal(r.value, r.id as number + 1, "the failing stage's input");
            if (passedThrough) assert.equal(r.error, thrown.get(r.value as number), where);
            else {
              assert.ok(Object.is((r.error as Error).cause, thrown.get(r.value as number)), where);
              assert.match((r.error as Error).message, /non-Error value/);
            }
          }
          assertTerminalOnce(tracker, "B");
          assertCounts(pipeline, tracker, { processed: 0, failed: 3 });
          for (const failed of tracker.getFailedItems()) {
            assert.equal(failed.stage, "B");
            assert.equal(failed.attempts, 2, where);
            assert.equal(typeof failed.error, "string");
            assert.equal(typeof failed.errorType, "string");
          }
          const retries = tracker.getTrackedIds().map((id) =>
            tracker.getHistory(id).filter((e) => e.status === "retrying").length
          );
          assert.deepEqual(retries, [1, 1, 1], where);
          assert.deepEqual(jsonProblems, []);
          assert.deepEqual(errors, []);
        }
      }
    });
  }
});

describe("fault injection: tasks that hang, misbehave or return huge values", () => {
  it("a task that never settles is failed by taskTimeoutMs with a TimeoutError on every attempt", async () => {
    const { tracker, jsonProblems } = watchedTracker();
    let attempts = 0;
    const hang = (_x: number, _ctx: TaskContext) => {
      attempts++;
      return new Promise(() => {});
    };
    const thenable = () => ({ then() {} }); // a thenable that never calls back
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "S",
          workers: 3,
          taskAttempts: 2,
          taskWaitMs: 1,
          taskTimeoutMs: 10,
          tasks: [(x: number) => x, hang],
        }),
        new Stage({ name: "T", workers: 1, taskTimeoutMs: 10, taskAttempts: 1, tasks: [thenable] }),
      ],
      statusTracker: tracker,
    });
    const results = await collect(pipeline.stream([1, 2, 3, 4]));
    assert.equal(results.length, 4);
    for (const r of results) assert.equal((r.error as Error).name, "TimeoutError");
    assert.equal(attempts, 8);
    assertTerminalOnce(tracker, "T");
    assertCounts(pipeline, tracker, { processed: 0, failed: 4 });
    assert.deepEqual(jsonProblems, []);
  });

  it("a timed-out task that ignores its signal: its late result is dropped, no event follows", async () => {
    const { tracker } = watchedTracker();
    let late = 0;
    const slow = async (x: number) => {
      await pause(40); // ignores ctx.signal
      late++;
      return x;
    };
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "S", workers: 2, taskAttempts: 1, taskTimeoutMs: 5, tasks: [slow] }),
      ],
      statusTracker: tracker,
    });
    assert.deepEqual(await settles(pipeline.run([1, 2]), "run()"), []);
    const before = tracker.getTrackedIds().map((id) => tracker.getHistory(id).length);
    await pause(80);
    assert.equal(late, 2, "the tasks did finish late");
    assert.deepEqual(tracker.getTrackedIds().map((id) => tracker.getHistory(id).length), before);
    assertTerminalOnce(tracker, "S");
    assertCounts(pipeline, tracker, { processed: 0, failed: 2 });
  });

  it("a task that throws synchronously from inside a promise chain, or rejects later, fails like any other", async () => {
    const { tracker } = watchedTracker();
    const tasks: TaskFn[] = [
      (x: number) => Promise.resolve().then(() => (x % 2 ? Promise.reject(new Error("odd")) : x)),
      (x: number) =>
        new Promise((_, reject) => setTimeout(() => reject(new RangeError(`${x}`)), 2)),
    ];
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 2, taskAttempts: 1, tasks })],
      statusTracker: tracker,
    });
    const results = await collect(pipeline.stream([1, 2, 3, 4]));
    const names = results.map((r) => (r.error as Error).name).sort();
    assert.deepEqual(names, ["Error", "Error", "RangeError", "RangeError"]);
    assertCounts(pipeline, tracker, { processed: 0, failed: 4 });
  });

  it("a returned thenable whose then getter throws fails the attempt, as await would", async () => {
    const { tracker } = watchedTracker();
    const hostile = () => ({
      get then(): never {
        throw new Error("then getter");
      },
    });
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, taskAttempts: 1, tasks: [hostile] })],
      statusTracker: tracker,
    });
    const [result] = await collect(pipeline.stream([1]));
    assert.equal((result.error as Error).message, "then getter");
    assertCounts(pipeline, tracker, { processed: 0, failed: 1 });
  });

  it("huge values (a 16 MB string, a million-element array) pass through untouched", async () => {
    const big = "x".repeat(16 * 1024 * 1024);
    const many = Array.from({ length: 1_000_000 }, (_, i) => i);
    const { tracker, jsonProblems } = watchedTracker();
    let longest = 0;
    tracker.addEventListener("status", (e) => {
      longest = Math.max(longest, JSON.stringify(e.detail).length);
    });
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Make", workers: 2, tasks: [(x: number) => (x === 0 ? big : many)] }),
        new Stage({ name: "Keep", workers: 1, tasks: [async (v: unknown) => v] }),
      ],
      statusTracker: tracker,
    });
    const results = await settles(pipeline.run([0, 1]), "run()");
    assert.equal(results[0].value, big);
    assert.equal(results[1].value, many);
    assert.ok(longest < 1000, `events stay small (longest ${longest} chars)`);
    assert.deepEqual(jsonProblems, []);
  });

  it("a task that throws with no tracker reports nothing on console.error (a failure is not a callback error)", async () => {
    const tap = tapConsoleError();
    try {
      const pipeline = new Pipeline({
        stages: [
          new Stage({
            name: "S",
            workers: 1,
            taskAttempts: 1,
            tasks: [() => {
              throw "nope";
            }],
          }),
        ],
      });
      assert.deepEqual(await settles(pipeline.run([1, 2]), "run()"), []);
      assertCounts(pipeline, undefined, { processed: 0, failed: 2 });
    } finally {
      tap.restore();
    }
    assert.deepEqual(tap.lines, []);
  });
});
