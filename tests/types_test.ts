/**
 * The typed API: `deno check tests/` (part of `deno task check`) checks the type assertions and
 * the `@ts-expect-error` lines; running the file (on Deno, Node and Bun) checks that the values
 * behind those types are what the types say.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type DashboardProtocol,
  ErrorSummary,
  type FailedResult,
  Pipeline,
  type PipelineBuilder,
  PipelineResult,
  Stage,
  type StreamResult,
  type SucceededResult,
  type TaskContext,
  type TaskFn,
} from "../mod.ts";

/** `true` exactly when `A` and `B` are the same type (`any` equals only `any`). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

/** `true` when `T` is `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false;

/** Compiles only when its type argument is `true`: `expectType<Equals<typeof x, number>>(true)`. */
function expectType<T extends true>(holds: T): void {
  assert.equal(holds, true);
}

const quiet = { workers: 2, taskAttempts: 1 };

/** number → string in one stage. */
function labelPipeline(): Pipeline<number, string> {
  return new Pipeline({
    stages: [new Stage({ name: "Label", ...quiet, tasks: [(n: number) => `#${n * 2}`] })],
  });
}

describe("typed stages", () => {
  it("new Stage takes I from the first task's parameter and O from the last task's awaited return", async () => {
    const stage = new Stage({
      name: "Parse",
      ...quiet,
      tasks: [(s: string) => s.trim(), async (s: string) => Number(s)],
    });
    expectType<Equals<typeof stage, Stage<string, number>>>(true);
    const withContext = new Stage({
      name: "Attempt",
      ...quiet,
      tasks: [async (n: number, ctx: TaskContext) => `${n}@${ctx.attempt}`],
    });
    expectType<Equals<typeof withContext, Stage<number, string>>>(true);

    const results = await new Pipeline({ stages: [stage, withContext] }).run([" 1 ", "2"]);
    expectType<Equals<typeof results, PipelineResult<string>[]>>(true);
    assert.deepEqual(results.map((r) => r.value), ["1@1", "2@1"]);
  });

  it("a task's untyped parameter after the first is `any` (the values between tasks are not checked)", async () => {
    const stage = new Stage({
      name: "Chain",
      ...quiet,
      tasks: [(n: number) => String(n), (s) => {
        expectType<IsAny<typeof s>>(true);
        return String(s).length; // s is the first task's output, a string
      }],
    });
    expectType<Equals<typeof stage, Stage<number, number>>>(true);
    const [result] = await new Pipeline({ stages: [stage] }).run([12345]);
    assert.equal(result.value, 5);
  });

  it("an untyped TaskFn still makes a stage: Stage<any, unknown>, whose results are unknown", async () => {
    const task: TaskFn = (value) => value;
    const stage = new Stage({ name: "Untyped", ...quiet, tasks: [task] });
    // deno-lint-ignore no-explicit-any
    expectType<Equals<typeof stage, Stage<any, unknown>>>(true);
    const results = await new Pipeline({ stages: [stage] }).run(["a"]);
    expectType<Equals<typeof results, PipelineResult<unknown>[]>>(true);
    assert.deepEqual(results.map((r) => r.value), ["a"]);
  });

  it("stage callbacks get the stage's input and output types, and onFailure an Error", async () => {
    const seen: string[] = [];
    const stage = new Stage({
      name: "Half",
      ...quiet,
      tasks: [(n: number) => {
        if (n === 3) throw "three"; // a non-Error throw arrives wrapped
        return `${n / 2}`;
      }],
      skipIf: (value) => {
        expectType<Equals<typeof value, number>>(true);
        return value === 0;
      },
      onSuccess: (id, result, value) => {
        expectType<Equals<typeof result, string>>(true);
        expectType<Equals<typeof value, number>>(true);
        seen.push(`ok ${id} ${value}->${result}`);
      },
      onFailure: (id, error, value) => {
        expectType<Equals<typeof error, Error>>(true);
        expectType<Equals<typeof value, number>>(true);
        seen.push(`failed ${id} ${value}: ${error.cause}`);
      },
      onSkip: (id, value) => {
        expectType<Equals<typeof value, number>>(true);
        seen.push(`skipped ${id} ${value}`);
      },
    });
    expectType<Equals<typeof stage, Stage<number, string>>>(true);
    await new Pipeline({ stages: [stage] }).run([0, 1, 3]);
    assert.deepEqual(seen.sort(), ["failed 2 3: three", "ok 1 1->0.5", "skipped 0 0"]);
  });
});

describe("typed pipelines", () => {
  it("new Pipeline takes I from its first stage and O from its last; run() resolves to PipelineResult<O>[]", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Double", ...quiet, tasks: [(n: number) => n * 2] }),
        new Stage({ name: "Even", ...quiet, tasks: [(n: number) => n % 4 === 0] }),
        new Stage({ name: "Say", ...quiet, tasks: [(even: boolean) => `even: ${even}`] }),
      ],
    });
    expectType<Equals<typeof pipeline, Pipeline<number, string>>>(true);
    const results = await pipeline.run([1, 2]);
    expectType<Equals<typeof results, PipelineResult<string>[]>>(true);
    expectType<Equals<IsAny<(typeof results)[number]["value"]>, false>>(true);
    const first: string = results[0].value;
    assert.deepEqual([first, results[1].value], ["even: false", "even: true"]);
  });

  it("the value of a string pipeline is a string, not a number", async () => {
    // @ts-expect-error: the pipeline's output is a string.
    const wrong: number = (await labelPipeline().run([1]))[0].value;
    assert.equal(typeof wrong, "string");
    const v: string = (await labelPipeline().run([1]))[0].value;
    assert.equal(v, "#2");
  });

  it("run() of a number pipeline refuses string items", async () => {
    // @ts-expect-error: the pipeline takes numbers.
    const results = await labelPipeline().run(["2"]);
    assert.deepEqual(results.map((r) => r.value), ["#4"]); // JavaScript coerced "2" * 2
  });

  it("idOf receives the pipeline's input type", async () => {
    const results = await labelPipeline().run([7], {
      idOf: (item, index) => {
        expectType<Equals<typeof item, number>>(true);
        return `n${item}-${index}`;
      },
    });
    assert.deepEqual(results.map((r) => r.id), ["n7-0"]);
  });

  it("feed() takes I (or anything with a targetStage) and join() resolves to PipelineResult<O>[]", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Parse", ...quiet, tasks: [(s: string) => Number(s)] }),
        new Stage({ name: "Label", ...quiet, tasks: [(n: number) => `#${n}`] }),
      ],
    });
    await pipeline.feed(["1"]);
    await pipeline.feed([2], { targetStage: "Label" });
    const joined = await pipeline.join();
    expectType<Equals<typeof joined, PipelineResult<string>[]>>(true);
    assert.deepEqual(joined.map((r) => r.value), ["#1", "#2"]);
    await pipeline.shutdown();
  });

  it("typed results and pipelines go where untyped ones are expected", async () => {
    const finished: unknown[] = [];
    const dashboard: DashboardProtocol = {
      onStart() {},
      onUpdate() {},
      onFinish(results, summary) {
        expectType<Equals<typeof results, PipelineResult[]>>(true);
        finished.push(...results.map((r) => r.value), summary instanceof ErrorSummary);
      },
    };
    const pipeline = labelPipeline();
    const results = await pipeline.run([1], { dashboard });
    const plain: PipelineResult[] = results;
    const untyped: Pipeline = pipeline;
    const stage: Stage = new Stage({ name: "Label", ...quiet, tasks: [(n: number) => `${n}`] });
    assert.deepEqual(finished, ["#2", true]);
    assert.equal(plain.length, 1);
    assert.equal(untyped, pipeline);
    assert.equal(stage.name, "Label");
  });
});

describe("typed stream() results", () => {
  it("narrow by isSuccess or error: O and undefined on success, unknown and Error on failure", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Parse", ...quiet, tasks: [(s: string) => Number(s)] }),
        new Stage({
          name: "Check",
          ...quiet,
          tasks: [(n: number) => {
            if (Number.isNaN(n)) throw "not a number";
            return n.toFixed(1);
          }],
        }),
      ],
    });
    const values: string[] = [];
    const failures: [unknown, string, unknown][] = [];
    for await (const result of pipeline.stream(["1", "x"])) {
      expectType<Equals<typeof result, StreamResult<string>>>(true);
      expectType<Equals<typeof result.value, unknown>>(true);
      // @ts-expect-error: a failure's value is not an O; narrow first.
      const unchecked: string = result.value;
      assert.ok(unchecked !== undefined);
      if (result.isSuccess) {
        expectType<Equals<typeof result, SucceededResult<string>>>(true);
        expectType<Equals<typeof result.value, string>>(true);
        expectType<Equals<typeof result.error, undefined>>(true);
        values.push(result.value);
      } else {
        expectType<Equals<typeof result, FailedResult>>(true);
        expectType<Equals<typeof result.error, Error>>(true);
        failures.push([result.value, result.error.message, result.error.cause]);
      }
      if (result.error === undefined) {
        const value: string = result.value;
        assert.equal(value, "1.0");
      } else {
        assert.ok(result.error instanceof Error);
      }
      assert.ok(result instanceof PipelineResult);
    }
    assert.deepEqual(values, ["1.0"]);
    assert.equal(failures.length, 1);
    // The failing stage's input (a NaN from Parse), and the thrown string as the cause.
    assert.ok(Number.isNaN(failures[0][0]));
    assert.equal(failures[0][2], "not a number");
  });
});

describe("typed run(items, { includeFailures: true })", () => {
  it("resolves StreamResult<O>[]: narrow to O or to the failure's Error", async () => {
    const pipeline = labelPipeline();
    const all = await pipeline.run([1, 2], { includeFailures: true });
    expectType<Equals<typeof all, StreamResult<string>[]>>(true);
    const successesOnly = await pipeline.run([1]);
    expectType<Equals<typeof successesOnly, PipelineResult<string>[]>>(true);
    for (const result of all) {
      if (result.isSuccess) {
        const label: string = result.value;
        assert.match(label, /^#\d+$/);
      } else {
        const error: Error = result.error;
        assert.fail(`unexpected failure ${error.message}`);
      }
    }
    const built = await Pipeline.create().add("Len", (s: string) => s.length)
      .run(["abc"], { includeFailures: true });
    expectType<Equals<typeof built, StreamResult<number>[]>>(true);
    assert.equal(built[0].value, 3);
  });
});

describe("the typed builder and quick()", () => {
  it("Pipeline.create() has no stages; each add() takes the previous output", async () => {
    const empty = Pipeline.create();
    expectType<Equals<typeof empty, PipelineBuilder<never, never>>>(true);
    const builder = empty
      .add("Parse", (s: string) => Number(s), { workers: 2 })
      .add("Double", (n) => {
        expectType<Equals<typeof n, number>>(true);
        return n * 2;
      })
      .add("Label", [(n) => {
        expectType<Equals<typeof n, number>>(true);
        return n + 1;
      }, (n: number) => `#${n}`], {
        onSuccess: (_id, result, value) => {
          expectType<Equals<typeof result, string>>(true);
          expectType<Equals<typeof value, number>>(true);
        },
      });
    expectType<Equals<typeof builder, PipelineBuilder<string, string>>>(true);
    const pipeline = builder.build();
    expectType<Equals<typeof pipeline, Pipeline<string, string>>>(true);
    const v: string = (await builder.run(["1"]))[0].value;
    assert.equal(v, "#3");
  });

  it("add() after a stage that always throws is not taken for the first add()", async () => {
    const builder = Pipeline.create()
      .add("Fail", async (n: number): Promise<never> => {
        throw new Error(`no ${n}`);
      }, { retries: 1 })
      .add("After", (x) => String(x));
    expectType<Equals<typeof builder, PipelineBuilder<number, string>>>(true);
    assert.deepEqual(await builder.run([1]), []);
  });

  it("add() refuses a task that does not take the previous stage's output", () => {
    const numbers = Pipeline.create().add("Count", (s: string) => s.length);
    // @ts-expect-error: the previous stage outputs numbers, this task takes strings.
    const mismatched = numbers.add("Shout", (s: string) => s.toUpperCase());
    assert.equal(mismatched.build().stages.length, 2); // types only: nothing checks at runtime
  });

  it("Pipeline.quick() infers I from the items or the first task and O from the last task", async () => {
    const one = await Pipeline.quick([1, 2], (x) => {
      expectType<Equals<typeof x, number>>(true);
      return x + 1;
    }, { retries: 1 });
    expectType<Equals<typeof one, PipelineResult<number>[]>>(true);
    assert.deepEqual(one.map((r) => r.value), [2, 3]);

    const chained = await Pipeline.quick([1, 2], [(x: number) => x * 2, (x) => `#${x}`]);
    expectType<Equals<typeof chained, PipelineResult<string>[]>>(true);
    assert.deepEqual(chained.map((r) => r.value), ["#2", "#4"]);

    const tasks: TaskFn[] = [(x) => x];
    const untyped = await Pipeline.quick(["a"], tasks);
    expectType<Equals<typeof untyped, PipelineResult<unknown>[]>>(true);
    assert.deepEqual(untyped.map((r) => r.value), ["a"]);
  });
});
