/**
 * The generated cases of the reliability properties: plain data describing a pipeline, its input,
 * how it is driven (run, stream, start/feed/join), which faults it meets and when it is aborted.
 * Everything random inside a run (does this attempt fail? is this item skipped?) is a pure function
 * of the case's `seed` and the item, stage, task and attempt, so a failing case replays the same
 * decisions whatever the scheduling.
 */
import fc from "fast-check";

/** What a failing attempt throws. */
export type ThrowKind =
  | "error"
  | "string"
  | "undefined"
  | "object"
  | "getterBomb"
  | "errorBomb";

/** How a user callback behaves. */
export type CallbackMode = "none" | "sync" | "async" | "throw" | "reject";

export interface TaskSpec {
  /** Probability that an attempt fails (decided per item, stage, task and attempt). */
  failRate: number;
  /** Milliseconds the task waits (0 = none). */
  delayMs: number;
  /** A sync task returns (or throws) without a promise. */
  async: boolean;
  throwKind: ThrowKind;
  /** Probability that an attempt never settles (only on stages with a timeout). */
  hangRate: number;
  /** Whether the task stops waiting when `ctx.signal` aborts. */
  honorsSignal: boolean;
  /** Wrap a short call in `ctx.concurrencyLimit` (stages with `callConcurrency`). */
  useConcurrency: boolean;
  /** Start a call through `ctx.rateLimit` (stages with `callRate`). */
  useRate: boolean;
}

export interface StageSpec {
  workers: number;
  /** 0 = unbounded. */
  queueCapacity: number;
  pull: boolean;
  retry: "per_task" | "per_stage";
  attempts: number;
  waitMs: number;
  multiplier: number;
  jitter: boolean;
  timeoutMs: number | undefined;
  tasks: TaskSpec[];
  /** Per task: a `taskConcurrencyLimits` entry, or 0 for none. */
  taskLimits: number[];
  callConcurrency: number | undefined;
  callRate: number | undefined;
  callRatePeriodMs: number;
  /** Probability that `skipIf` says yes (0 = no skipIf). */
  skipRate: number;
  skipMode: CallbackMode;
  /** `retryIf` refuses a retry with this probability (0 = no retryIf). */
  refuseRate: number;
  callbacks: CallbackMode;
}

export type AbortSpec =
  | { kind: "none" }
  | { kind: "signal" | "shutdown"; afterMs: number }
  | { kind: "signal" | "shutdown"; afterEvents: number; timing: TriggerTiming };

/**
 * When an abort triggered by the n-th status event runs: inside the listener, one microtask later,
 * or one macrotask later (the first two once hit engine bugs 1 and 2; see the regression tests).
 */
export type TriggerTiming = "sync" | "microtask" | "macrotask";

export interface FeedSpec {
  count: number;
  /** Index of the target stage (0 = the first). */
  target: number;
  priority: number;
  /** Stop this feed's intake (its own signal) after this many items, or -1. */
  stopAfter: number;
}

export interface CaseSpec {
  /** Seeds every per-attempt decision. */
  seed: number;
  stages: StageSpec[];
  mode: "run" | "stream" | "feed";
  items: number;
  input: "array" | "iterable" | "async";
  priority: number;
  customIds: boolean;
  abort: AbortSpec;
  /** stream(): result buffer and consumer pace; `cancelAfter` breaks out after that many results. */
  highWaterMark: number;
  consumerDelayMs: number;
  cancelAfter: number;
  /** Break out at once, or after a macrotask (immediate breaks hit known engine bug 2). */
  cancelTiming: "immediate" | "macrotask";
  /** feed mode: rounds of concurrent feeds, each followed by a join(). */
  rounds: FeedSpec[][];
  startFirst: boolean;
  trackerCallbacks: CallbackMode;
  /** A second status listener that throws on every event. */
  throwingListener: boolean;
}

const callbackMode: fc.Arbitrary<CallbackMode> = fc.constantFrom(
  "none",
  "none",
  "sync",
  "async",
  "throw",
  "reject",
);

function taskArb(): fc.Arbitrary<TaskSpec> {
  return fc.record({
    failRate: fc.constantFrom(0, 0, 0.1, 0.3, 0.6, 1),
    delayMs: fc.constantFrom(0, 0, 1, 2, 3),
    async: fc.boolean(),
    throwKind: fc.constantFrom<ThrowKind>(
      "error",
      "error",
      "string",
      "undefined",
      "object",
      "getterBomb",
      "errorBomb",
    ),
    hangRate: fc.constantFrom(0, 0, 0.2),
    honorsSignal: fc.boolean(),
    useConcurrency: fc.boolean(),
    useRate: fc.boolean(),
  });
}

/** Biases of a family of cases. */
export interface CaseBias {
  /** Many items, high failure rates, several attempts, short waits, rare aborts. */
  retryHeavy?: boolean;
}

function retryTaskArb(): fc.Arbitrary<TaskSpec> {
  return taskArb().chain((task) =>
    fc.record({ failRate: fc.constantFrom(0.2, 0.4, 0.6), delayMs: fc.constantFrom(0, 0, 1) })
      .map((biased) => ({ ...task, ...biased }))
  );
}

function stageArb(index: number, bias: CaseBias = {}): fc.Arbitrary<StageSpec> {
  const heavy = bias.retryHeavy === true;
  return fc.record({
    workers: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 16 })),
    queueCapacity: fc.integer({ min: 0, max: 20 }),
    pull: index === 0 ? fc.constant(false) : fc.boolean(),
    retry: heavy
      ? fc.constantFrom<"per_task" | "per_stage">("per_task", "per_stage", "per_stage")
      : fc.constantFrom<"per_task" | "per_stage">("per_task", "per_stage"),
    attempts: fc.integer({ min: heavy ? 2 : 1, max: 4 }),
    waitMs: fc.integer({ min: 0, max: heavy ? 1 : 3 }),
    multiplier: fc.constantFrom(1, 1, 2),
    jitter: fc.boolean(),
    timeoutMs: heavy
      ? fc.constant(undefined)
      : fc.option(fc.integer({ min: 4, max: 15 }), { nil: undefined, freq: 3 }),
    tasks: fc.array(heavy ? retryTaskArb() : taskArb(), { minLength: 1, maxLength: 3 }),
    taskLimits: fc.array(fc.constantFrom(0, 0, 1, 2, 3), { minLength: 3, maxLength: 3 }),
    callConcurrency: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    callRate: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 3 }),
    callRatePeriodMs: fc.integer({ min: 2, max: 8 }),
    skipRate: fc.constantFrom(0, 0, 0.3, 1),
    skipMode: fc.constantFrom<CallbackMode>("sync", "async", "throw", "reject"),
    refuseRate: fc.constantFrom(0, 0, 0.5),
    callbacks: callbackMode,
  }).map((stage) => ({
    ...stage,
    // A pull stage has no queue to re-queue into: never with per_stage.
    retry: stage.pull ? "per_task" : stage.retry,
    taskLimits: stage.taskLimits.slice(0, stage.tasks.length),
  }));
}

function stagesArb(bias: CaseBias): fc.Arbitrary<StageSpec[]> {
  return fc.integer({ min: 1, max: 4 }).chain((n) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => stageArb(i, bias)))
  );
}

const abortArb: fc.Arbitrary<AbortSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "none" as const }) },
  fc.record({
    kind: fc.constantFrom("signal" as const, "shutdown" as const),
    afterMs: fc.integer({ min: 0, max: 25 }),
  }),
  fc.record({
    kind: fc.constantFrom("signal" as const, "shutdown" as const),
    afterEvents: fc.integer({ min: 1, max: 60 }),
    timing: fc.constantFrom<TriggerTiming>("sync", "microtask", "macrotask"),
  }),
);

function feedArb(stageCount: number): fc.Arbitrary<FeedSpec> {
  return fc.record({
    count: fc.integer({ min: 0, max: 8 }),
    target: fc.integer({ min: 0, max: stageCount - 1 }),
    priority: fc.constantFrom(100, 1, 50, 200, -3),
    stopAfter: fc.constantFrom(-1, -1, -1, 0, 2),
  });
}

/** Cases for a given driving mode (`run`, `stream` or `feed`). */
export function caseArb(mode: CaseSpec["mode"], bias: CaseBias = {}): fc.Arbitrary<CaseSpec> {
  const heavy = bias.retryHeavy === true;
  return stagesArb(bias).chain((stages) =>
    fc.record({
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
      stages: fc.constant(stages),
      mode: fc.constant(mode),
      items: heavy ? fc.integer({ min: 8, max: 24 }) : fc.integer({ min: 0, max: 16 }),
      input: fc.constantFrom<CaseSpec["input"]>("array", "array", "iterable", "async"),
      priority: fc.constantFrom(100, 0, -7, 3.5),
      customIds: fc.boolean(),
      abort: heavy
        ? fc.oneof({ weight: 9, arbitrary: fc.constant({ kind: "none" as const }) }, abortArb)
        : abortArb,
      highWaterMark: fc.integer({ min: 0, max: 4 }),
      consumerDelayMs: fc.constantFrom(0, 0, 1),
      cancelAfter: fc.constantFrom(-1, -1, -1, 1, 3),
      cancelTiming: fc.constantFrom<CaseSpec["cancelTiming"]>("immediate", "macrotask"),
      rounds: mode === "feed"
        ? fc.array(fc.array(feedArb(stages.length), { minLength: 1, maxLength: 3 }), {
          minLength: 1,
          maxLength: 2,
        })
        : fc.constant([]),
      startFirst: fc.boolean(),
      trackerCallbacks: callbackMode,
      throwingListener: fc.boolean(),
    })
  );
}

/** A uniform number in [0, 1) from the case seed and up to four small integers (splitmix-like). */
export function fate(seed: number, a: number, b: number, c: number, d: number): number {
  let h = seed ^ 0x9e3779b9;
  for (const v of [a, b, c, d]) {
    h = Math.imul(h ^ (v + 0x7f4a7c15), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) / 0x100000000;
}

/** Item values carry their key: value = key * 1000 + tasks run so far. */
export function keyOf(value: number): number {
  return Math.floor(value / 1000);
}
