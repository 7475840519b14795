/**
 * Turns a generated {@link CaseSpec} into a real pipeline whose tasks, callbacks and listeners
 * report to a {@link Probe}: peak concurrency per stage, per task name and per limited call, rate
 * limited call starts, callbacks that threw, and every task promise that must settle.
 */
import {
  Pipeline,
  Stage,
  type StageOptions,
  StatusTracker,
  type StatusTrackerOptions,
  type TaskContext,
  type TaskFn,
} from "../../../mod.ts";
import {
  type CallbackMode,
  type CaseSpec,
  fate,
  keyOf,
  type StageSpec,
  type TaskSpec,
  type ThrowKind,
} from "./reliability_model.ts";
import { clock } from "./reliability_clock.ts";

/** What the instrumented tasks and callbacks observed during one case. */
export class Probe {
  readonly stageActive: number[];
  readonly stagePeak: number[];
  readonly taskActive = new Map<string, number>();
  readonly taskPeak = new Map<string, number>();
  readonly callActive: number[];
  readonly callPeak: number[];
  readonly rateStarts: number[][];
  /** Task promises that will settle (deliberately hanging ones excluded). */
  readonly pending = new Set<Promise<unknown>>();
  /** How many times a user callback or listener threw or rejected. */
  thrown = 0;
  /** Task attempts started after their signal had already aborted. */
  startedAborted = 0;
  attempts = 0;
  failuresInjected = 0;
  hangsInjected = 0;

  constructor(stages: number) {
    this.stageActive = new Array(stages).fill(0);
    this.stagePeak = new Array(stages).fill(0);
    this.callActive = new Array(stages).fill(0);
    this.callPeak = new Array(stages).fill(0);
    this.rateStarts = Array.from({ length: stages }, () => []);
  }

  /**
   * A task attempt starts. It counts as active until it settles or its signal aborts (an attempt
   * the engine abandoned on timeout or abort no longer holds a worker). Returns `leave`.
   */
  enter(stage: number, task: string, signal: AbortSignal): () => void {
    this.attempts++;
    if (signal.aborted) {
      this.startedAborted++;
      return () => {};
    }
    this.stageActive[stage]++;
    this.stagePeak[stage] = Math.max(this.stagePeak[stage], this.stageActive[stage]);
    const active = (this.taskActive.get(task) ?? 0) + 1;
    this.taskActive.set(task, active);
    this.taskPeak.set(task, Math.max(this.taskPeak.get(task) ?? 0, active));
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      signal.removeEventListener("abort", leave);
      this.stageActive[stage]--;
      this.taskActive.set(task, this.taskActive.get(task)! - 1);
    };
    signal.addEventListener("abort", leave, { once: true });
    return leave;
  }

  async limitedCall(stage: number): Promise<void> {
    this.callActive[stage]++;
    this.callPeak[stage] = Math.max(this.callPeak[stage], this.callActive[stage]);
    try {
      await sleep(1);
    } finally {
      this.callActive[stage]--;
    }
  }
}

/** Resolves after `ms`; rejects with the signal's reason when it aborts (if one is given). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Never settles, unless `signal` aborts (then rejects with its reason). */
function never(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal === undefined) return;
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** The value a failing attempt throws. */
export function thrownValue(kind: ThrowKind): unknown {
  switch (kind) {
    case "error":
      return new Error("boom");
    case "string":
      return "boom";
    case "undefined":
      return undefined;
    case "object":
      return { code: 42, detail: { nested: true } };
    case "getterBomb":
      return {
        get message(): string {
          throw new Error("message getter");
        },
        get name(): string {
          throw new Error("name getter");
        },
        toJSON(): never {
          throw new Error("toJSON");
        },
      };
    case "errorBomb": {
      const error = new Error("hidden");
      for (const key of ["message", "name", "stack"]) {
        Object.defineProperty(error, key, {
          get() {
            throw new Error(`${key} getter`);
          },
        });
      }
      return error;
    }
  }
}

function makeTask(c: CaseSpec, s: number, t: number, probe: Probe): TaskFn {
  const stage = c.stages[s];
  const spec: TaskSpec = stage.tasks[t];
  const name = taskName(s, t);
  const fails = (value: number, attempt: number): boolean =>
    fate(c.seed, keyOf(value), s, t, attempt) < spec.failRate;
  let fn: TaskFn;
  if (!spec.async) {
    fn = (value: number, ctx: TaskContext) => {
      const leave = probe.enter(s, name, ctx.signal);
      try {
        if (fails(value, ctx.attempt)) {
          probe.failuresInjected++;
          throw thrownValue(spec.throwKind);
        }
        return value + 1;
      } finally {
        leave();
      }
    };
  } else {
    fn = (value: number, ctx: TaskContext) => {
      const { signal, attempt } = ctx;
      const leave = probe.enter(s, name, signal);
      const hangs = stage.timeoutMs !== undefined &&
        fate(c.seed, keyOf(value), s, t + 10, attempt) < spec.hangRate;
      const own = spec.honorsSignal ? signal : undefined;
      const work = (async () => {
        if (hangs) {
          probe.hangsInjected++;
          await never(own);
        }
        if (spec.delayMs > 0) await sleep(spec.delayMs, own);
        if (spec.useConcurrency && stage.callConcurrency !== undefined) {
          await ctx.concurrencyLimit(() => probe.limitedCall(s));
        }
        if (spec.useRate && stage.callRate !== undefined) {
          // The limiter's own reading of the clock for this start (see reliability_clock.ts).
          await ctx.rateLimit(() => void probe.rateStarts[s].push(clock.last));
        }
        if (fails(value, attempt)) {
          probe.failuresInjected++;
          throw thrownValue(spec.throwKind);
        }
        return value + 1;
      })();
      const settled = work.finally(leave);
      if (!hangs || spec.honorsSignal) probe.pending.add(settled.catch(() => {}));
      return settled;
    };
  }
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/** The name of task `t` of stage `s`. */
export function taskName(s: number, t: number): string {
  return `s${s}t${t}`;
}

/** A callback in the given mode; throwing and rejecting ones are counted on the probe. */
export function makeCallback<A extends unknown[]>(
  mode: CallbackMode,
  probe: Probe,
): ((...args: A) => void | Promise<void>) | undefined {
  switch (mode) {
    case "none":
      return undefined;
    case "sync":
      return () => {};
    case "async":
      return async () => {
        await null;
      };
    case "throw":
      return () => {
        probe.thrown++;
        throw new Error("callback threw");
      };
    case "reject":
      return async () => {
        probe.thrown++;
        await null;
        throw new TypeError("callback rejected");
      };
  }
}

/** Whether stage `s`'s skipIf throws for this item (then the item is not skipped). */
export function skipThrows(c: CaseSpec, s: number, key: number): boolean {
  const mode = c.stages[s].skipMode;
  return (mode === "throw" || mode === "reject") && fate(c.seed, key, s, 50, 0) < 0.5;
}

/** Whether stage `s` skips this item. */
export function skips(c: CaseSpec, s: number, key: number): boolean {
  const stage = c.stages[s];
  if (stage.skipRate === 0 || skipThrows(c, s, key)) return false;
  return fate(c.seed, key, s, 40, 0) < stage.skipRate;
}

function makeSkipIf(c: CaseSpec, s: number, probe: Probe): StageOptions["skipIf"] {
  const stage = c.stages[s];
  if (stage.skipRate === 0) return undefined;
  return (value: number) => {
    const key = keyOf(value);
    const verdict = skips(c, s, key);
    if (skipThrows(c, s, key)) {
      probe.thrown++;
      if (stage.skipMode === "throw") throw new Error("skipIf threw");
      return Promise.reject(new Error("skipIf rejected"));
    }
    return stage.skipMode === "async" ? Promise.resolve(verdict) : verdict;
  };
}

function stageOptions(c: CaseSpec, s: number, probe: Probe): StageOptions {
  const stage: StageSpec = c.stages[s];
  const limits: Record<string, number> = {};
  stage.taskLimits.forEach((n, t) => {
    if (n > 0) limits[taskName(s, t)] = n;
  });
  return {
    name: `S${s}`,
    workers: stage.workers,
    tasks: stage.tasks.map((_, t) => makeTask(c, s, t, probe)),
    retry: stage.retry,
    taskAttempts: stage.attempts,
    stageAttempts: stage.attempts,
    taskWaitMs: stage.waitMs,
    backoff: { multiplier: stage.multiplier, jitter: stage.jitter, maxWaitMs: 10 },
    retryIf: stage.refuseRate === 0
      ? undefined
      : (_error, attempt) => fate(c.seed, s, attempt, 77, 0) >= stage.refuseRate,
    taskTimeoutMs: stage.timeoutMs,
    taskConcurrencyLimits: limits,
    callConcurrency: stage.callConcurrency,
    callRate: stage.callRate,
    callRatePeriodMs: stage.callRatePeriodMs,
    queueCapacity: stage.queueCapacity,
    pull: stage.pull,
    skipIf: makeSkipIf(c, s, probe),
    onSuccess: makeCallback(stage.callbacks, probe),
    onFailure: makeCallback(stage.callbacks, probe),
    onSkip: makeCallback(stage.callbacks, probe),
  };
}

/** The pipeline, tracker and probe of a case. */
export function buildCase(
  c: CaseSpec,
): { pipeline: Pipeline; tracker: StatusTracker; probe: Probe } {
  const probe = new Probe(c.stages.length);
  const callback = makeCallback(c.trackerCallbacks, probe);
  const trackerOptions: StatusTrackerOptions = callback === undefined ? {} : {
    onStatusChange: callback,
    onTaskStart: callback,
    onTaskComplete: callback,
    onTaskRetry: callback,
    onTaskFail: callback,
  };
  const tracker = new StatusTracker(trackerOptions);
  const pipeline = new Pipeline({
    stages: c.stages.map((_, s) => new Stage(stageOptions(c, s, probe))),
    statusTracker: tracker,
  });
  return { pipeline, tracker, probe };
}
