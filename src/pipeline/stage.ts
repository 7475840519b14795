import * as z from "zod";
import { StageValidationError } from "../errors.ts";
import type { BackoffFn, BackoffOptions } from "../limits/backoff.ts";
import type { ItemId } from "../tracker/types.ts";
import {
  CHECKED_BY_OWNER,
  describeValue,
  type FieldRule,
  type OptionAliases,
  validateOptions,
} from "../utils/validate.ts";
import type { Task, TaskFn, TaskList } from "./types.ts";

/** `per_task` retries only the failing task; `per_stage` re-queues the item and restarts the stage. */
export type RetryMode = "per_task" | "per_stage";

/**
 * Options of a {@linkcode Stage}.
 *
 * @typeParam I The stage's input: what its first task takes.
 * @typeParam O The stage's output: what its last task returns (awaited).
 */
// deno-lint-ignore no-explicit-any
export interface StageOptions<I = any, O = unknown> {
  /** Unique in the pipeline; names the workers (`"<name>-W<i>"`). */
  name: string;
  /** How many items the stage works on at once (an integer >= 1). */
  workers: number;
  /**
   * Run in order for each item; each output feeds the next task. Written in place, the first
   * task's parameter types the stage's input and the last task's (awaited) return its output.
   */
  tasks: TaskList<I, O> | readonly Task<I, O>[];
  /**
   * `per_task` retries only the failing task with the same input; `per_stage` re-queues the item
   * behind the stage's queue and restarts the stage from its original input.
   * @default {"per_task"}
   */
  retry?: RetryMode;
  /**
   * Total tries of one task (per_task).
   * @default {3}
   */
  taskAttempts?: number;
  /**
   * Base wait between attempts, in ms (both modes).
   * @default {1000}
   */
  taskWaitMs?: number;
  /**
   * How the wait grows (`{ multiplier, maxWaitMs, jitter }`; without it the wait is fixed), or a
   * function `(attempt, error) => ms` that returns the wait before the next attempt (a
   * `Retry-After` header, a rate-limit reset). If the function throws or returns something other
   * than a finite number >= 0, that is reported and `taskWaitMs` is waited instead.
   */
  backoff?: BackoffOptions | BackoffFn;
  /**
   * Return `false` (or a promise of it) to fail at once without retrying; gets the attempt number
   * that just failed. Throwing also means "do not retry" (and is reported).
   */
  retryIf?: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  /**
   * Total tries of the whole stage (per_stage).
   * @default {3}
   */
  stageAttempts?: number;
  /** Per attempt: aborts `ctx.signal` and fails the attempt with a `TimeoutError`. */
  taskTimeoutMs?: number;
  /** At most this many attempts of the named task at once, across the stage's workers. */
  taskConcurrencyLimits?: Record<string, number>;
  /** Slots shared by the stage's `ctx.concurrencyLimit(fn)` calls. */
  callConcurrency?: number;
  /** At most this many `ctx.rateLimit(fn)` calls start in any window of `callRatePeriodMs`. */
  callRate?: number;
  /**
   * The rate window, in ms.
   * @default {60000}
   */
  callRatePeriodMs?: number;
  /**
   * The input queue's bound (producers wait while it is full); `0` = unbounded.
   * @default {workers * 10}
   */
  queueCapacity?: number;
  /**
   * Zero-buffer handoff: an item enters only when a worker is free, so `workers` is an exact cap
   * on items in the stage. Not allowed first, nor with `per_stage`.
   * @default {false}
   */
  pull?: boolean;
  /**
   * Skip the stage for a value: it is forwarded unchanged, with a `skipped` event (so the next
   * stage receives an `I` where the types say `O`: skip only values that are both).
   */
  skipIf?(value: NoInfer<I>): boolean | Promise<boolean>;
  /**
   * After an item leaves the stage successfully, with the stage's output and input. Errors are
   * reported, never fatal.
   */
  onSuccess?(itemId: ItemId, result: NoInfer<O>, value: NoInfer<I>): void | Promise<void>;
  /**
   * After an item fails for good in the stage, with the error (always an `Error`) and the stage's
   * input. Errors are reported, never fatal.
   */
  onFailure?(itemId: ItemId, error: Error, value: NoInfer<I>): void | Promise<void>;
  /** After an item is skipped, with the stage's input. Errors are reported, never fatal. */
  onSkip?(itemId: ItemId, value: NoInfer<I>): void | Promise<void>;
}

const isFunction = (v: unknown): boolean => typeof v === "function";
const optionalFunction = z.custom((v) => v === undefined || isFunction(v));
const positiveInt = z.number().int().min(1);
const nonNegative = z.number().min(0).refine(Number.isFinite);

/** @internal Every key a Stage accepts (any other is an unknown option), with its rule. */
export const STAGE_RULES: Record<string, FieldRule> = {
  name: CHECKED_BY_OWNER,
  workers: { schema: positiveInt, rule: "must be an integer >= 1" },
  tasks: {
    schema: z.array(z.custom((v) => isFunction(v))).min(1),
    rule: "must be a non-empty array of functions",
  },
  retry: {
    schema: z.enum(["per_task", "per_stage"]).optional(),
    rule: 'must be "per_task" or "per_stage"',
  },
  taskAttempts: { schema: positiveInt.optional(), rule: "must be an integer >= 1" },
  stageAttempts: { schema: positiveInt.optional(), rule: "must be an integer >= 1" },
  taskWaitMs: { schema: nonNegative.optional(), rule: "must be a finite number >= 0" },
  backoff: {
    schema: z.union([
      z.custom((v) => isFunction(v)),
      z.object({
        multiplier: z.number().min(1).refine(Number.isFinite).optional(),
        maxWaitMs: z.union([z.number().min(0), z.literal(Infinity)]).optional(),
        jitter: z.boolean().optional(),
      }),
    ]).optional(),
    rule:
      "must be { multiplier?: finite number >= 1, maxWaitMs?: number >= 0, jitter?: boolean } or a function (attempt, error) => ms",
    keys: ["multiplier", "maxWaitMs", "jitter"],
  },
  retryIf: { schema: optionalFunction, rule: "must be a function" },
  taskTimeoutMs: {
    schema: z.number().gt(0).refine(Number.isFinite).optional(),
    rule: "must be a finite number > 0",
  },
  taskConcurrencyLimits: {
    schema: z.record(z.string(), positiveInt).optional(),
    rule: "must map task names to integers >= 1",
  },
  callConcurrency: { schema: positiveInt.optional(), rule: "must be an integer >= 1" },
  callRate: { schema: positiveInt.optional(), rule: "must be an integer >= 1" },
  callRatePeriodMs: {
    schema: z.number().gt(0).refine(Number.isFinite).optional(),
    rule: "must be a finite number > 0",
  },
  queueCapacity: {
    schema: z.number().int().min(0).optional(),
    rule: "must be an integer >= 0 (0 = unbounded)",
  },
  pull: { schema: z.boolean().optional(), rule: "must be a boolean" },
  skipIf: { schema: optionalFunction, rule: "must be a function" },
  onSuccess: { schema: optionalFunction, rule: "must be a function" },
  onFailure: { schema: optionalFunction, rule: "must be a function" },
  onSkip: { schema: optionalFunction, rule: "must be a function" },
};

/** @internal Names peers use for Stage options, suggested as the Stage's own. */
export const STAGE_ALIASES: OptionAliases = {
  concurrency: "workers",
  retries: "taskAttempts",
  timeout: "taskTimeoutMs",
  timeoutMs: "taskTimeoutMs",
};

const stageError = (message: string): Error => new StageValidationError(message);

/**
 * A stage of a pipeline: a pool of `workers` that each take the next item the moment they are
 * free and run the stage's `tasks` on it in order. Options are validated here, at construction.
 *
 * Its types come from its tasks: `I` from the first task's parameter, `O` from the last task's
 * (awaited) return, so `new Stage({ ..., tasks: [(url: string) => fetch(url)] })` is a
 * `Stage<string, Response>`. An untyped task (a {@linkcode TaskFn}) gives `Stage<any, unknown>`.
 *
 * @typeParam I The stage's input.
 * @typeParam O The stage's output.
 *
 * @example
 * ```ts
 * import { Pipeline, Stage } from "@antflow/antflow";
 * const fetch = new Stage({
 *   name: "Fetch",
 *   workers: 4,
 *   tasks: [async function download(url: string) { return `<html of ${url}>`; }],
 *   taskAttempts: 3,
 *   taskWaitMs: 100,
 *   backoff: { multiplier: 2, maxWaitMs: 2000, jitter: true },
 * });
 * const results = await new Pipeline({ stages: [fetch] }).run(["a", "b"]);
 * console.log(results.map((r) => r.value));
 * ```
 */
// deno-lint-ignore no-explicit-any
export class Stage<I = any, O = unknown> {
  /** The stage's name. */
  readonly name: string;
  /** How many workers. */
  readonly workers: number;
  /** The tasks, in order. */
  readonly tasks: readonly TaskFn[];
  /** The task names (each function's `name`, or `task<i>` when it has none). */
  readonly taskNames: readonly string[];
  /** The retry mode. */
  readonly retry: RetryMode;
  /** Total tries of one task (per_task). */
  readonly taskAttempts: number;
  /** Base wait between attempts, in ms. */
  readonly taskWaitMs: number;
  /** How the wait grows, or the function that gives it. */
  readonly backoff: Readonly<BackoffOptions> | BackoffFn;
  /** Total tries of the stage (per_stage). */
  readonly stageAttempts: number;
  /** The input queue's bound (`Infinity` = unbounded, `0` for pull stages). */
  readonly queueCapacity: number;
  /** Whether the stage is a zero-buffer pull stage. */
  readonly pull: boolean;
  /** The options as given. */
  readonly options: Readonly<StageOptions<I, O>>;

  /**
   * Creates a stage.
   *
   * @param options The stage's options.
   * @throws {StageValidationError} When an option is invalid or unknown; the message names the
   * stage, the field, the rule and the value received.
   */
  constructor(options: Omit<StageOptions<I, O>, "tasks"> & { tasks: TaskList<I, O> });
  /**
   * Creates a stage from an array of tasks held in a variable: a `Stage<any, unknown>` unless
   * typed explicitly (`new Stage<string, number>({ ... })`).
   *
   * @param options The stage's options.
   * @throws {StageValidationError} When an option is invalid.
   */
  constructor(options: Omit<StageOptions<I, O>, "tasks"> & { tasks: readonly TaskFn[] });
  constructor(options: StageOptions<I, O>) {
    if (options === null || typeof options !== "object") {
      throw new StageValidationError(
        `Stage: options must be an object, got ${describeValue(options)}`,
      );
    }
    const name = options.name;
    if (typeof name !== "string" || name.trim() === "") {
      throw new StageValidationError(
        `Stage: name must be a non-empty string, got ${describeValue(name)}`,
      );
    }
    const owner = `Stage ${JSON.stringify(name)}`;
    validateOptions(owner, options, STAGE_RULES, stageError, STAGE_ALIASES);
    this.name = name;
    this.workers = options.workers;
    this.tasks = [...options.tasks];
    this.taskNames = this.tasks.map((task, i) => task.name || `task${i}`);
    this.retry = options.retry ?? "per_task";
    this.taskAttempts = options.taskAttempts ?? 3;
    this.stageAttempts = options.stageAttempts ?? 3;
    this.taskWaitMs = options.taskWaitMs ?? 1000;
    const backoff = options.backoff;
    this.backoff = typeof backoff === "function" ? backoff : { ...backoff };
    this.pull = options.pull ?? false;
    if (this.pull && this.retry === "per_stage") {
      throw new StageValidationError(
        `${owner}: pull must not be combined with retry "per_stage" (a pull stage has no queue to re-queue into), got pull: true`,
      );
    }
    const capacity = options.queueCapacity ?? this.workers * 10;
    this.queueCapacity = this.pull ? 0 : capacity === 0 ? Infinity : capacity;
    for (const key of Object.keys(options.taskConcurrencyLimits ?? {})) {
      if (!this.taskNames.includes(key)) {
        throw new StageValidationError(
          `${owner}: taskConcurrencyLimits must only name tasks of the stage (${
            this.taskNames.map((n) => JSON.stringify(n)).join(", ")
          }), got ${JSON.stringify(key)}`,
        );
      }
    }
    this.options = Object.freeze({ ...options });
  }
}
