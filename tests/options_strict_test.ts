import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AcquireOptions,
  asCompleted,
  type AsCompletedOptions,
  AsyncExecutor,
  type AsyncExecutorOptions,
  backoffDelay,
  type BackoffOptions,
  type BuilderStageOptions,
  delay,
  type DelayOptions,
  type FeedOptions,
  type JoinOptions,
  memoryQueue,
  Pipeline,
  PipelineError,
  type PipelineOptions,
  type QuickOptions,
  RateLimiter,
  type RateLimitOptions,
  type ResultOptions,
  type RunOptions,
  Semaphore,
  type ShutdownOptions,
  Stage,
  type StageOptions,
  StageValidationError,
  StatusTracker,
  type StatusTrackerOptions,
  type StreamOptions,
  type SubmitOptions,
  wait,
  type WaitOptions,
} from "../mod.ts";
import { antflowRoutes, type AntflowRoutesOptions } from "../src/hono/mod.ts";
import {
  RemoteTracker,
  type RemoteTrackerOptions,
  type SSEParserOptions,
  SSEParserStream,
  subscribe,
  type SubscribeOptions,
} from "../src/client/mod.ts";
import {
  compactDashboard,
  detailedDashboard,
  type DetailedDashboardOptions,
  progressBar,
  type TerminalDisplayOptions,
} from "../src/terminal/mod.ts";
import * as z from "zod";
import { editDistance, suggestOption, validateOptions } from "../src/utils/validate.ts";

type ErrorClass = new (message: string) => Error;

/**
 * Calls `call` and checks that it fails, by throwing or by returning a rejected promise, with an
 * error of exactly class `type` and exactly `message`.
 */
async function expectFailure(call: () => unknown, type: ErrorClass, message: string) {
  let outcome: unknown;
  try {
    outcome = call();
  } catch (error) {
    outcome = Promise.reject(error);
  }
  assert.ok(outcome instanceof Promise, `${message}: the call neither threw nor rejected`);
  await assert.rejects(outcome, (error: unknown) => {
    assert.equal((error as Error).message, message);
    assert.equal((error as Error).constructor, type, `${message}: wrong class`);
    return true;
  });
}

const identity = function identity(x: unknown) {
  return x;
};
const stage = (options: Record<string, unknown> = {}) =>
  new Stage({ name: "A", workers: 1, tasks: [identity], ...options });
const pipeline = () => new Pipeline({ stages: [stage()] });
const url = "https://example.test/antflow/events";
const served204 = () => Promise.resolve(new Response(null, { status: 204 }));

/** [what, the call, the error class, the exact message] */
type Case = [string, () => unknown, ErrorClass, string];

const cases: Case[] = [
  // Stage
  [
    "Stage taskAtempts",
    () => stage({ taskAtempts: 1 }),
    StageValidationError,
    'Stage "A": unknown option taskAtempts (did you mean taskAttempts?)',
  ],
  [
    "Stage callRatePeriod",
    () => stage({ callRate: 1, callRatePeriod: 1000 }),
    StageValidationError,
    'Stage "A": unknown option callRatePeriod (did you mean callRatePeriodMs?)',
  ],
  [
    "Stage backoff.multipler",
    () => stage({ backoff: { multipler: 2 } }),
    StageValidationError,
    'Stage "A": unknown option backoff.multipler (did you mean backoff.multiplier?)',
  ],
  [
    "Stage concurrency (alias)",
    () => stage({ concurrency: 3 }),
    StageValidationError,
    'Stage "A": unknown option concurrency (did you mean workers?)',
  ],
  [
    "Stage retries (alias)",
    () => stage({ retries: 3 }),
    StageValidationError,
    'Stage "A": unknown option retries (did you mean taskAttempts?)',
  ],
  [
    "Stage timeout (alias)",
    () => stage({ timeout: 100 }),
    StageValidationError,
    'Stage "A": unknown option timeout (did you mean taskTimeoutMs?)',
  ],
  [
    "Stage timeoutMs (alias)",
    () => stage({ timeoutMs: 100 }),
    StageValidationError,
    'Stage "A": unknown option timeoutMs (did you mean taskTimeoutMs?)',
  ],
  [
    "Stage key with an undefined value",
    () => stage({ onSucess: undefined }),
    StageValidationError,
    'Stage "A": unknown option onSucess (did you mean onSuccess?)',
  ],
  [
    "Stage key nothing is close to",
    () => stage({ color: "red" }),
    StageValidationError,
    'Stage "A": unknown option color',
  ],
  // Pipeline and its calls
  [
    "Pipeline tracker",
    () => new Pipeline({ stages: [stage()], tracker: new StatusTracker() } as PipelineOptions),
    PipelineError,
    "Pipeline: unknown option tracker (did you mean statusTracker?)",
  ],
  [
    "Pipeline collectResult",
    () => new Pipeline({ stages: [stage()], collectResult: false } as PipelineOptions),
    PipelineError,
    "Pipeline: unknown option collectResult (did you mean collectResults?)",
  ],
  [
    "run concurrency",
    () => pipeline().run([1], { concurrency: 3 } as RunOptions),
    TypeError,
    "Pipeline.run: unknown option concurrency",
  ],
  [
    "run dashboardInterval",
    () => pipeline().run([1], { dashboardInterval: 100 } as RunOptions),
    TypeError,
    "Pipeline.run: unknown option dashboardInterval (did you mean dashboardIntervalMs?)",
  ],
  [
    "stream dashboard",
    () => pipeline().stream([1], { dashboard: compactDashboard() } as StreamOptions),
    TypeError,
    "Pipeline.stream: unknown option dashboard",
  ],
  [
    "feed targetstage",
    () => pipeline().feed([1], { targetstage: "A" } as FeedOptions),
    TypeError,
    "Pipeline.feed: unknown option targetstage (did you mean targetStage?)",
  ],
  [
    "join singal",
    () => pipeline().join({ singal: undefined } as JoinOptions),
    TypeError,
    "Pipeline.join: unknown option singal (did you mean signal?)",
  ],
  [
    "builder add concurrency",
    () => Pipeline.create().add("A", identity, { concurrency: 2 } as BuilderStageOptions),
    StageValidationError,
    'Pipeline.create().add("A"): unknown option concurrency (did you mean workers?)',
  ],
  [
    "builder add taskAtempts",
    () => Pipeline.create().add("A", identity, { taskAtempts: 2 } as BuilderStageOptions),
    StageValidationError,
    'Pipeline.create().add("A"): unknown option taskAtempts (did you mean taskAttempts?)',
  ],
  [
    "builder add name",
    () => Pipeline.create().add("A", identity, { name: "B" } as BuilderStageOptions),
    StageValidationError,
    'Pipeline.create().add("A"): unknown option name',
  ],
  [
    "quick concurrency",
    () => Pipeline.quick([1], identity, { concurrency: 2 } as QuickOptions),
    StageValidationError,
    "Pipeline.quick: unknown option concurrency (did you mean workers?)",
  ],
  [
    "quick worker",
    () => Pipeline.quick([1], identity, { worker: 2 } as QuickOptions),
    StageValidationError,
    "Pipeline.quick: unknown option worker (did you mean workers?)",
  ],
  // Tracker
  [
    "StatusTracker onStatusChanged",
    () => new StatusTracker({ onStatusChanged: () => {} } as StatusTrackerOptions),
    TypeError,
    "StatusTracker: unknown option onStatusChanged (did you mean onStatusChange?)",
  ],
  // Executor
  [
    "AsyncExecutor concurrency",
    () => new AsyncExecutor({ concurrency: 4 } as AsyncExecutorOptions),
    TypeError,
    "AsyncExecutor: unknown option concurrency (did you mean maxWorkers?)",
  ],
  [
    "submit retry",
    () => new AsyncExecutor().submit(() => 1, [], { retry: 2 } as SubmitOptions),
    TypeError,
    "AsyncExecutor.submit: unknown option retry (did you mean retries?)",
  ],
  [
    "map retryDelay",
    () => new AsyncExecutor().map(identity, [1], { retryDelay: 2 } as SubmitOptions),
    TypeError,
    "AsyncExecutor.map: unknown option retryDelay (did you mean retryDelayMs?)",
  ],
  [
    "mapIter limits",
    () => new AsyncExecutor().mapIter(identity, [1], { limits: new Semaphore(1) } as SubmitOptions),
    TypeError,
    "AsyncExecutor.mapIter: unknown option limits (did you mean limit?)",
  ],
  [
    "asCompleted timeout",
    () => asCompleted([], { timeout: 10 } as AsCompletedOptions),
    TypeError,
    "asCompleted: unknown option timeout (did you mean timeoutMs?)",
  ],
  [
    "executor.asCompleted timeout",
    () => new AsyncExecutor().asCompleted([], { timeout: 10 } as AsCompletedOptions),
    TypeError,
    "asCompleted: unknown option timeout (did you mean timeoutMs?)",
  ],
  [
    "wait returnwhen",
    () => wait([], { returnwhen: "FIRST_COMPLETED" } as WaitOptions),
    TypeError,
    "wait: unknown option returnwhen (did you mean returnWhen?)",
  ],
  [
    "shutdown cancelFuture",
    () => new AsyncExecutor().shutdown({ cancelFuture: true } as ShutdownOptions),
    TypeError,
    "AsyncExecutor.shutdown: unknown option cancelFuture (did you mean cancelFutures?)",
  ],
  [
    "future.result timeout",
    () => new AsyncExecutor().submit(() => 1).result({ timeout: 5 } as ResultOptions),
    TypeError,
    "AsyncFuture.result: unknown option timeout (did you mean timeoutMs?)",
  ],
  // Adapters
  [
    "antflowRoutes heartbeat",
    () => antflowRoutes({ tracker: new StatusTracker(), heartbeat: 100 } as AntflowRoutesOptions),
    TypeError,
    "antflowRoutes: unknown option heartbeat (did you mean heartbeatMs?)",
  ],
  [
    "subscribe retryMS",
    () => subscribe(url, { retryMS: 10, fetch: served204 } as SubscribeOptions),
    TypeError,
    "subscribe(): unknown option retryMS (did you mean retryMs?)",
  ],
  [
    "RemoteTracker autostart",
    () => new RemoteTracker(url, { autostart: false } as RemoteTrackerOptions),
    TypeError,
    "RemoteTracker: unknown option autostart (did you mean autoStart?)",
  ],
  [
    "RemoteTracker a subscribe-only option",
    () => new RemoteTracker(url, { autoStart: false, stage: "A" } as RemoteTrackerOptions),
    TypeError,
    "RemoteTracker: unknown option stage",
  ],
  [
    "SSEParserStream lastEventID",
    () => new SSEParserStream({ lastEventID: "1" } as SSEParserOptions),
    TypeError,
    "SSEParser: unknown option lastEventID (did you mean lastEventId?)",
  ],
  // Terminal displays
  [
    "progressBar column",
    () => progressBar({ column: 80 } as TerminalDisplayOptions),
    TypeError,
    "progressBar: unknown option column (did you mean columns?)",
  ],
  [
    "compactDashboard maxFailures (detailedDashboard's)",
    () => compactDashboard({ maxFailures: 3 } as TerminalDisplayOptions),
    TypeError,
    "compactDashboard: unknown option maxFailures",
  ],
  [
    "detailedDashboard maxFailure",
    () => detailedDashboard({ maxFailure: 3 } as DetailedDashboardOptions),
    TypeError,
    "detailedDashboard: unknown option maxFailure (did you mean maxFailures?)",
  ],
  // Limits
  [
    "Semaphore.acquire signl",
    () => new Semaphore(1).acquire({ signl: undefined } as AcquireOptions),
    TypeError,
    "Semaphore.acquire: unknown option signl (did you mean signal?)",
  ],
  [
    "Semaphore.run signl",
    () => new Semaphore(1).run(() => 1, { signl: undefined } as AcquireOptions),
    TypeError,
    "Semaphore.run: unknown option signl (did you mean signal?)",
  ],
  [
    "RateLimiter.acquire signl",
    () => new RateLimiter(1, 10).acquire({ signl: undefined } as RateLimitOptions),
    TypeError,
    "RateLimiter.acquire: unknown option signl (did you mean signal?)",
  ],
  [
    "RateLimiter.run signl",
    () => new RateLimiter(1, 10).run(() => 1, { signl: undefined } as RateLimitOptions),
    TypeError,
    "RateLimiter.run: unknown option signl (did you mean signal?)",
  ],
  [
    "delay signl",
    () => delay(1, { signl: undefined } as DelayOptions),
    TypeError,
    "delay: unknown option signl (did you mean signal?)",
  ],
  [
    "backoffDelay maxWait",
    () => backoffDelay(10, 1, { maxWait: 5 } as BackoffOptions),
    TypeError,
    "backoffDelay: unknown option maxWait (did you mean maxWaitMs?)",
  ],
];

describe("every options object rejects an unknown key, suggesting the closest known one", () => {
  for (const [what, call, type, message] of cases) {
    it(`${what}: ${type.name} "${message}"`, () => expectFailure(call, type, message));
  }

  it("a misspelt option is rejected, never run with its default (taskAtempts: 1)", async () => {
    let calls = 0;
    const flaky = () => {
      calls++;
      throw new Error("no");
    };
    await expectFailure(
      () => new Stage({ name: "A", workers: 1, tasks: [flaky], taskAtempts: 1 } as StageOptions),
      StageValidationError,
      'Stage "A": unknown option taskAtempts (did you mean taskAttempts?)',
    );
    assert.equal(calls, 0);
  });

  it("an unknown key is reported before a bad value of a known one", async () => {
    await expectFailure(
      () => stage({ workers: 0, taskAtempts: 1 }),
      StageValidationError,
      'Stage "A": unknown option taskAtempts (did you mean taskAttempts?)',
    );
  });
});

describe("only own enumerable string keys are options", () => {
  it("symbol keys are ignored", () => {
    const marker = Symbol("marker");
    assert.doesNotThrow(() => stage({ [marker]: true }));
    assert.doesNotThrow(() => new StatusTracker({ [marker]: 1 } as StatusTrackerOptions));
  });

  it("inherited and non-enumerable keys are ignored", () => {
    const options = Object.create({ inherited: 1 });
    Object.defineProperty(options, "hidden", { value: 1, enumerable: false });
    assert.doesNotThrow(() => new AsyncExecutor(options));
    const stageOptions = Object.assign(Object.create({ inherited: 1 }), {
      name: "A",
      workers: 1,
      tasks: [identity],
    });
    assert.doesNotThrow(() => new Stage(stageOptions));
    assert.equal(backoffDelay(1, 1, options), 1);
  });

  it("a function given where an object with keys may go is not checked for keys", () => {
    const rules = {
      backoff: {
        schema: z.custom(() => true),
        rule: "must be an object or a function",
        keys: ["multiplier"],
      },
    };
    const fn = Object.assign(() => 1, { multipler: 2 });
    assert.doesNotThrow(() => validateOptions("Owner", { backoff: fn }, rules, () => new Error()));
    assert.throws(
      () => validateOptions("Owner", { backoff: { multipler: 2 } }, rules, (m) => new TypeError(m)),
      {
        name: "TypeError",
        message: "Owner: unknown option backoff.multipler (did you mean backoff.multiplier?)",
      },
    );
  });
});

describe("suggestOption()", () => {
  const stageKeys = ["name", "workers", "taskAttempts", "stageAttempts", "callRatePeriodMs"];

  it("suggests the closest key within the distance bound", () => {
    assert.equal(suggestOption("taskAtempts", stageKeys), "taskAttempts");
    assert.equal(suggestOption("worker", stageKeys), "workers");
    assert.equal(suggestOption("callRatePeriod", stageKeys), "callRatePeriodMs");
    assert.equal(suggestOption("stagAettempts", stageKeys), "stageAttempts"); // transposition
  });

  it("ignores case", () => {
    assert.equal(suggestOption("TASKATTEMPTS", stageKeys), "taskAttempts");
    assert.equal(suggestOption("retryMS", ["retryMs", "maxRetryMs"]), "retryMs");
  });

  it("suggests nothing when no key is close", () => {
    assert.equal(suggestOption("concurrency", stageKeys), undefined);
    assert.equal(suggestOption("color", stageKeys), undefined);
    assert.equal(suggestOption("xy", ["id"]), undefined); // a complete rewrite is not a typo
    assert.equal(suggestOption("zzzzzzzzz", stageKeys), undefined);
  });

  it("uses the alias table first, ignoring case", () => {
    const aliases = { concurrency: "workers", tracker: "statusTracker" };
    assert.equal(suggestOption("concurrency", stageKeys, aliases), "workers");
    assert.equal(suggestOption("Concurrency", stageKeys, aliases), "workers");
  });

  it("falls back to a known key containing the typed one, or contained in it", () => {
    assert.equal(suggestOption("tracker", ["stages", "statusTracker"]), "statusTracker");
    assert.equal(suggestOption("attempts", stageKeys), "taskAttempts"); // the shorter one
    assert.equal(suggestOption("workersPerStage", stageKeys), "workers");
    assert.equal(suggestOption("work", ["workersPerStage"]), "workersPerStage");
    assert.equal(suggestOption("ork", ["workersPerStage"]), undefined); // under 4 characters
  });

  it("the bound grows with the key: max(2, floor(length / 3)), below the key's length", () => {
    assert.equal(suggestOption("abcdefghi", ["abcdefxyz"]), "abcdefxyz"); // 3 of 9
    assert.equal(suggestOption("abcdefgh", ["abcdefxyz"]), undefined); // 3 of 8
    assert.equal(suggestOption("ab", ["xy"]), undefined);
    assert.equal(suggestOption("abc", ["xbc"]), "xbc");
  });
});

describe("editDistance()", () => {
  it("counts insertions, deletions, substitutions and adjacent transpositions", () => {
    assert.equal(editDistance("", ""), 0);
    assert.equal(editDistance("abc", ""), 3);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("taskatempts", "taskattempts"), 1);
    assert.equal(editDistance("ab", "ba"), 1);
    assert.equal(editDistance("ca", "abc"), 3); // optimal string alignment, not full Damerau
    assert.equal(editDistance("multipler", "multiplier"), 1);
  });
});

describe("every documented option is still accepted", () => {
  // Each object is typed Required<...>: it must list every key of the options type (and only
  // those), so a new option that is missing from its owner's rule table fails here.
  const signal = new AbortController().signal;
  const noop = () => {};
  const dashboard = { onStart: noop, onUpdate: noop, onFinish: noop };
  const stageAll: Required<StageOptions> = {
    name: "All",
    workers: 2,
    tasks: [identity],
    retry: "per_task",
    taskAttempts: 2,
    taskWaitMs: 1,
    backoff: { multiplier: 2, maxWaitMs: 10, jitter: true },
    retryIf: () => true,
    stageAttempts: 2,
    taskTimeoutMs: 1000,
    taskConcurrencyLimits: { identity: 1 },
    callConcurrency: 1,
    callRate: 5,
    callRatePeriodMs: 1000,
    queueCapacity: 4,
    pull: false,
    skipIf: () => false,
    onSuccess: noop,
    onFailure: noop,
    onSkip: noop,
  };
  const runAll: Required<RunOptions> = {
    signal,
    idOf: (_item, index) => `run-${index}`,
    priority: 1,
    progress: false,
    dashboard,
    dashboardIntervalMs: 50,
    includeFailures: false,
  };

  it("Stage, Pipeline, run, stream, feed and join", async () => {
    const tracker = new StatusTracker();
    const pipelineAll: Required<PipelineOptions> = {
      stages: [new Stage(stageAll)],
      statusTracker: tracker,
      collectResults: true,
      failureLimit: 10,
      instrumentation: { startRun: () => undefined },
      queueBackend: memoryQueue,
    };
    const p = new Pipeline(pipelineAll);
    assert.deepEqual((await p.run([1], runAll)).map((r) => r.value), [1]);
    const streamAll: Required<StreamOptions> = {
      signal,
      idOf: (_item, index) => `stream-${index}`,
      priority: 1,
      highWaterMark: 4,
    };
    const streamed = [];
    for await (const result of p.stream([2], streamAll)) streamed.push(result.value);
    assert.deepEqual(streamed, [2]);
    const feedAll: Required<FeedOptions> = {
      targetStage: "All",
      priority: 1,
      idOf: (_item, index) => `feed-${index}`,
      signal,
    };
    await p.feed([3], feedAll);
    const joinAll: Required<JoinOptions> = { signal };
    assert.deepEqual((await p.join(joinAll)).map((r) => r.value), [3]);
    await p.shutdown();
  });

  it("the builder's add() and Pipeline.quick()", async () => {
    const { name: _name, tasks: _tasks, ...stageRest } = stageAll;
    const addAll: Required<BuilderStageOptions> = { ...stageRest, retries: 2 };
    const built = Pipeline.create().add("identity", identity, addAll).build();
    assert.equal(built.stages[0].taskAttempts, 2);
    const quickAll: Required<QuickOptions> = { ...runAll, workers: 2, retries: 2 };
    assert.deepEqual((await Pipeline.quick([4], identity, quickAll)).map((r) => r.value), [4]);
  });

  it("StatusTracker", () => {
    const trackerAll: Required<StatusTrackerOptions> = {
      onStatusChange: noop,
      onTaskStart: noop,
      onTaskComplete: noop,
      onTaskRetry: noop,
      onTaskFail: noop,
      onRunStart: noop,
      onRunEnd: noop,
      historyLimit: 10,
      maxItems: 10,
    };
    assert.doesNotThrow(() => new StatusTracker(trackerAll));
  });

  it("AsyncExecutor and every executor call", async () => {
    const executorAll: Required<AsyncExecutorOptions> = { maxWorkers: 2 };
    const executor = new AsyncExecutor(executorAll);
    const submitAll: Required<SubmitOptions> = {
      retries: 1,
      retryDelayMs: 1,
      limit: new Semaphore(2),
      signal,
    };
    const resultAll: Required<ResultOptions> = { timeoutMs: 1000, signal };
    assert.equal(await executor.submit(() => 5, [], submitAll).result(resultAll), 5);
    assert.deepEqual(await executor.map((x: number) => x, [6], submitAll), [6]);
    const iterated = [];
    for await (const x of executor.mapIter((x: number) => x, [7], submitAll)) iterated.push(x);
    assert.deepEqual(iterated, [7]);
    const future = executor.submit(() => 8);
    const waitAll: Required<WaitOptions> = { timeoutMs: 1000, returnWhen: "ALL_COMPLETED", signal };
    assert.equal((await wait([future], waitAll)).done.size, 1);
    const asCompletedAll: Required<AsCompletedOptions> = { timeoutMs: 1000, signal };
    for await (const done of asCompleted([future], asCompletedAll)) assert.equal(done, future);
    const shutdownAll: Required<ShutdownOptions> = { wait: true, cancelFutures: false, signal };
    await executor.shutdown(shutdownAll);
  });

  it("antflowRoutes", () => {
    const routesAll: Required<AntflowRoutesOptions> = {
      tracker: new StatusTracker(),
      pipeline: pipeline(),
      replay: 10,
      heartbeatMs: 1000,
      snapshotMs: 1000,
      retryMs: 1000,
      maxBufferedEvents: 10,
      maxClients: 1,
      exposeValues: false,
    };
    assert.doesNotThrow(() => antflowRoutes(routesAll));
  });

  it("subscribe() and RemoteTracker", async () => {
    const connection = {
      signal,
      headers: { authorization: "Bearer x" },
      fetch: served204,
      retryMs: 10,
      maxRetryMs: 100,
      maxRetries: 1,
      idleTimeoutMs: 1000,
    };
    const subscribeAll: Required<SubscribeOptions> = {
      ...connection,
      types: ["status"],
      stage: "A",
      status: "failed",
      item: 1,
      lastEventId: 0,
    };
    const stream = subscribe(url, subscribeAll);
    for await (const _ of stream) assert.fail("a 204 ends the stream without messages");
    const remoteAll: Required<RemoteTrackerOptions> = {
      ...connection,
      onStatusChange: noop,
      onTaskStart: noop,
      onTaskComplete: noop,
      onTaskRetry: noop,
      onTaskFail: noop,
      onRunStart: noop,
      onRunEnd: noop,
      historyLimit: 10,
      maxItems: 10,
      autoStart: false,
    };
    const remote = new RemoteTracker(url, remoteAll);
    assert.equal(remote.onStatusChange, noop);
    await remote.close();
  });

  it("the terminal displays", () => {
    const displayAll: Required<TerminalDisplayOptions> = {
      write: noop,
      isTTY: false,
      columns: 80,
      rows: 24,
      plainIntervalMs: 1000,
    };
    assert.doesNotThrow(() => progressBar(displayAll));
    assert.doesNotThrow(() => compactDashboard(displayAll));
    const detailedAll: Required<DetailedDashboardOptions> = { ...displayAll, maxFailures: 3 };
    assert.doesNotThrow(() => detailedDashboard(detailedAll));
  });

  it("the limits and the SSE parser", async () => {
    const acquireAll: Required<AcquireOptions> = { signal };
    const semaphore = new Semaphore(1);
    (await semaphore.acquire(acquireAll))();
    assert.equal(await semaphore.run(() => 1, acquireAll), 1);
    const rateAll: Required<RateLimitOptions> = { signal };
    const limiter = new RateLimiter(5, 1000);
    await limiter.acquire(rateAll);
    assert.equal(await limiter.run(() => 2, rateAll), 2);
    const delayAll: Required<DelayOptions> = { signal };
    await delay(1, delayAll);
    const backoffAll: Required<BackoffOptions> = { multiplier: 2, maxWaitMs: 300, jitter: false };
    assert.equal(backoffDelay(100, 3, backoffAll), 300);
    const parserAll: Required<SSEParserOptions> = { lastEventId: "1", onRetry: noop };
    assert.doesNotThrow(() => new SSEParserStream(parserAll));
  });
});
