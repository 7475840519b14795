import { describe, it } from "node:test";
import { Pipeline, PipelineError, Stage, StageValidationError, StatusTracker } from "../../mod.ts";
import {
  type BadValue,
  expectBad,
  expectGood,
  label,
  MISSING,
  withField,
} from "./support/reliability_table.ts";

const ok = (x: unknown) => x;
const S = StageValidationError;
const stageBase = { name: "S", workers: 2, tasks: [ok] };

function stageRule(field: string, rule: string, values: [unknown, string][]): BadValue[] {
  return values.map(([value, shown]) => [value, S, `Stage "S": ${field} ${rule}, got ${shown}`]);
}

const INT1 = "must be an integer >= 1";
const FN = "must be a function";
const STAGE_TABLE: [field: string, bad: BadValue[], optional: boolean][] = [
  ["name", [
    [MISSING, S, "Stage: name must be a non-empty string, got undefined"],
    [42, S, "Stage: name must be a non-empty string, got 42"],
    ["", S, 'Stage: name must be a non-empty string, got ""'],
    ["   ", S, 'Stage: name must be a non-empty string, got "   "'],
  ], false],
  [
    "workers",
    stageRule("workers", INT1, [
      [MISSING, "undefined"],
      ["4", '"4"'],
      [0, "0"],
      [-1, "-1"],
      [1.5, "1.5"],
      [NaN, "NaN"],
      [Infinity, "Infinity"],
    ]),
    false,
  ],
  [
    "tasks",
    stageRule("tasks", "must be a non-empty array of functions", [
      [MISSING, "undefined"],
      [ok, "function ok"],
      [[], "[]"],
      [[ok, 42], "[null,42]"],
      ["ok", '"ok"'],
    ]),
    false,
  ],
  [
    "retry",
    stageRule("retry", 'must be "per_task" or "per_stage"', [
      ["sometimes", '"sometimes"'],
      [1, "1"],
      [null, "null"],
    ]),
    true,
  ],
  ["taskAttempts", stageRule("taskAttempts", INT1, [[0, "0"], [2.5, "2.5"], ["3", '"3"']]), true],
  ["stageAttempts", stageRule("stageAttempts", INT1, [[-1, "-1"], [true, "true"]]), true],
  [
    "taskWaitMs",
    stageRule("taskWaitMs", "must be a finite number >= 0", [
      [-1, "-1"],
      [Infinity, "Infinity"],
      [NaN, "NaN"],
      ["10", '"10"'],
    ]),
    true,
  ],
  [
    "backoff",
    stageRule(
      "backoff",
      "must be { multiplier?: finite number >= 1, maxWaitMs?: number >= 0, jitter?: boolean } or a function (attempt, error) => ms",
      [
        ["x", '"x"'],
        [{ multiplier: 0.5 }, '{"multiplier":0.5}'],
        [{ maxWaitMs: -1 }, '{"maxWaitMs":-1}'],
        [{ jitter: "yes" }, '{"jitter":"yes"}'],
      ],
    ),
    true,
  ],
  ["retryIf", stageRule("retryIf", FN, [["f", '"f"'], [{}, "{}"]]), true],
  [
    "taskTimeoutMs",
    stageRule("taskTimeoutMs", "must be a finite number > 0", [
      [0, "0"],
      [-5, "-5"],
      [Infinity, "Infinity"],
      ["10", '"10"'],
    ]),
    true,
  ],
  ["taskConcurrencyLimits", [
    ...stageRule("taskConcurrencyLimits", "must map task names to integers >= 1", [
      [{ ok: 0 }, '{"ok":0}'],
      [{ ok: 1.5 }, '{"ok":1.5}'],
      ["ok", '"ok"'],
    ]),
    [
      { nope: 1 },
      S,
      'Stage "S": taskConcurrencyLimits must only name tasks of the stage ("ok"), got "nope"',
    ],
  ], true],
  [
    "callConcurrency",
    stageRule("callConcurrency", INT1, [[0, "0"], [1.5, "1.5"], ["1", '"1"']]),
    true,
  ],
  ["callRate", stageRule("callRate", INT1, [[0, "0"], ["1", '"1"']]), true],
  [
    "callRatePeriodMs",
    stageRule("callRatePeriodMs", "must be a finite number > 0", [
      [0, "0"],
      [-1, "-1"],
      [Infinity, "Infinity"],
      ["1000", '"1000"'],
    ]),
    true,
  ],
  [
    "queueCapacity",
    stageRule("queueCapacity", "must be an integer >= 0 (0 = unbounded)", [
      [-1, "-1"],
      [1.5, "1.5"],
      ["10", '"10"'],
    ]),
    true,
  ],
  ["pull", stageRule("pull", "must be a boolean", [["yes", '"yes"'], [1, "1"]]), true],
  ["skipIf", stageRule("skipIf", FN, [["f", '"f"'], [true, "true"]]), true],
  ["onSuccess", stageRule("onSuccess", FN, [[1, "1"], ["f", '"f"']]), true],
  ["onFailure", stageRule("onFailure", FN, [[[], "[]"]]), true],
  ["onSkip", stageRule("onSkip", FN, [[null, "null"]]), true],
];

describe("bad input: Stage options → StageValidationError naming the stage, field, rule and value", () => {
  for (const [field, bad, optional] of STAGE_TABLE) {
    it(`Stage ${field}: ${bad.map(([v]) => label(v)).join(", ")}`, async () => {
      for (const [value, error, message] of bad) {
        await expectBad(
          () => new Stage(withField(stageBase, field, value) as never),
          error,
          message,
          `${field} = ${label(value)}`,
        );
      }
      if (optional) {
        await expectGood(() => new Stage(withField(stageBase, field, MISSING) as never), field);
      }
    });
  }

  it("Stage options that are not an object, and pull combined with per_stage", async () => {
    for (const value of [undefined, null, 7]) {
      await expectBad(
        () => new Stage(value as never),
        S,
        `Stage: options must be an object, got ${value}`,
        "options",
      );
    }
    await expectBad(
      () => new Stage({ ...stageBase, pull: true, retry: "per_stage" }),
      S,
      'Stage "S": pull must not be combined with retry "per_stage" (a pull stage has no queue to re-queue into), got pull: true',
      "pull + per_stage",
    );
  });
});

describe("bad input: Pipeline options → PipelineError naming the field and value", () => {
  const stage = (name: string, extra = {}) =>
    new Stage({ name, workers: 1, tasks: [ok], ...extra });
  const P = PipelineError;
  const cases: [string, () => unknown, string][] = [
    [
      "options missing",
      () => new Pipeline(undefined as never),
      "Pipeline: options must be an object, got undefined",
    ],
    [
      "options a string",
      () => new Pipeline("x" as never),
      'Pipeline: options must be an object, got "x"',
    ],
    [
      "stages missing",
      () => new Pipeline({} as never),
      "Pipeline: stages must be a non-empty array of Stage, got undefined",
    ],
    [
      "stages empty",
      () => new Pipeline({ stages: [] }),
      "Pipeline: stages must be a non-empty array of Stage, got []",
    ],
    [
      "stages not an array",
      () => new Pipeline({ stages: "S" as never }),
      'Pipeline: stages must be a non-empty array of Stage, got "S"',
    ],
    [
      "a non-Stage entry",
      () => new Pipeline({ stages: [stage("A"), {} as never] }),
      "Pipeline: stages[1] must be a Stage, got {}",
    ],
    [
      "duplicate names",
      () => new Pipeline({ stages: [stage("A"), stage("A")] }),
      'Pipeline: stage names must be unique, got "A" more than once',
    ],
    [
      "a pull first stage",
      () => new Pipeline({ stages: [stage("A", { pull: true })] }),
      'Pipeline: the first stage cannot be a pull stage (nothing upstream hands it items), got pull: true on stage "A"',
    ],
    [
      "statusTracker not a tracker",
      () => new Pipeline({ stages: [stage("A")], statusTracker: {} as never }),
      "Pipeline: statusTracker must be a StatusTracker, got {}",
    ],
    [
      "collectResults not a boolean",
      () => new Pipeline({ stages: [stage("A")], collectResults: "yes" as never }),
      'Pipeline: collectResults must be a boolean, got "yes"',
    ],
  ];
  for (const [what, call, message] of cases) {
    it(`Pipeline ${what}`, () => expectBad(call, P, message, what));
  }
});

describe("bad input: StatusTracker options → TypeError (wrong type) or RangeError (bad number)", () => {
  const callbacks = [
    "onStatusChange",
    "onTaskStart",
    "onTaskComplete",
    "onTaskRetry",
    "onTaskFail",
  ];
  for (const field of callbacks) {
    it(`StatusTracker ${field}: "f", {}, null`, async () => {
      for (const [value, shown] of [["f", '"f"'], [{}, "{}"], [null, "null"]]) {
        await expectBad(
          () => new StatusTracker({ [field]: value } as never),
          TypeError,
          `StatusTracker: ${field} must be a function, got ${shown}`,
          `${field} = ${shown}`,
        );
      }
      await expectGood(() => new StatusTracker({ [field]: () => {} }), field);
    });
  }
  for (const field of ["historyLimit", "maxItems"]) {
    it(`StatusTracker ${field}: -1, 1.5, NaN, "5"`, async () => {
      const rule = `StatusTracker: ${field} must be an integer >= 0 or Infinity, got`;
      await expectBad(() => new StatusTracker({ [field]: -1 }), RangeError, `${rule} -1`, "-1");
      await expectBad(() => new StatusTracker({ [field]: 1.5 }), RangeError, `${rule} 1.5`, "1.5");
      await expectBad(() => new StatusTracker({ [field]: NaN }), RangeError, `${rule} NaN`, "NaN");
      await expectBad(
        () => new StatusTracker({ [field]: "5" } as never),
        TypeError,
        `${rule} "5"`,
        '"5"',
      );
      await expectGood(() => new StatusTracker({ [field]: Infinity }), "Infinity");
      await expectGood(() => new StatusTracker({ [field]: 0 }), "0");
    });
  }
  it("StatusTracker options that are not an object", async () => {
    await expectBad(
      () => new StatusTracker("x" as never),
      TypeError,
      'StatusTracker: options must be an object, got "x"',
      "x",
    );
    await expectBad(
      () => new StatusTracker(null as never),
      TypeError,
      "StatusTracker: options must be an object, got null",
      "null",
    );
  });
});
