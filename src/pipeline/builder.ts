import * as z from "zod";
import type { StatusTracker } from "../tracker/status_tracker.ts";
import {
  CHECKED_BY_OWNER,
  type FieldRule,
  type OptionAliases,
  validateOptions,
} from "../utils/validate.ts";
import { StageValidationError } from "../errors.ts";
import { RUN_RULES, type RunOptions } from "./options.ts";
import type { Pipeline, PipelineInput, PipelineOptions } from "./pipeline.ts";
import { Stage, STAGE_ALIASES, STAGE_RULES, type StageOptions } from "./stage.ts";
import type { PipelineResult, StreamResult, Task, TaskFn, TaskList } from "./types.ts";

/**
 * Stage options for {@linkcode PipelineBuilder.prototype.add}: a `Stage`'s, minus name and tasks.
 *
 * @typeParam I The stage's input.
 * @typeParam O The stage's output.
 */
// deno-lint-ignore no-explicit-any
export interface BuilderStageOptions<I = any, O = unknown>
  extends Partial<Omit<StageOptions<I, O>, "name" | "tasks">> {
  /**
   * Total attempts: `taskAttempts` in per_task mode, `stageAttempts` in per_stage mode.
   * @default {3}
   */
  retries?: number;
}

/**
 * Options of `Pipeline.quick()`.
 *
 * @typeParam I The input (what `idOf` receives).
 */
export interface QuickOptions<I = unknown> extends RunOptions<I> {
  /**
   * Workers per stage.
   * @default {5}
   */
  workers?: number;
  /**
   * Total attempts per task.
   * @default {3}
   */
  retries?: number;
}

const positiveInt: FieldRule = {
  schema: z.number().int().min(1).optional(),
  rule: "must be an integer >= 1",
};

/** Every key of `rules` but `except`, accepted here and checked by whoever receives it. */
function passedOn(
  rules: Record<string, FieldRule>,
  except: string[] = [],
): Record<string, FieldRule> {
  const keys = Object.keys(rules).filter((key) => !except.includes(key));
  return Object.fromEntries(keys.map((key) => [key, CHECKED_BY_OWNER]));
}

/**
 * The options of `add()`: a Stage's (checked by the Stage), but `name` and `tasks`, plus `retries`,
 * which `add()` translates before the Stage sees it: checked here, so the message names `retries`
 * (the Stage would name `taskAttempts` or `stageAttempts`, which the caller never wrote).
 */
const ADD_RULES: Record<string, FieldRule> = {
  ...passedOn(STAGE_RULES, ["name", "tasks"]),
  retries: positiveInt,
};
/** The Stage's aliases but `retries`, an option of `add()` itself. */
const ADD_ALIASES: OptionAliases = Object.fromEntries(
  Object.entries(STAGE_ALIASES).filter(([alias]) => alias !== "retries"),
);

/**
 * The options `quick()` applies to every stage, checked once under `Pipeline.quick`; the rest are
 * `run()`'s, checked by `run()`.
 */
const QUICK_RULES: Record<string, FieldRule> = {
  ...passedOn(RUN_RULES),
  workers: positiveInt,
  retries: positiveInt,
};
const QUICK_ALIASES: OptionAliases = { concurrency: "workers" };

const stageError = (message: string): Error => new StageValidationError(message);

/**
 * `new Pipeline(options)`, handed over by the `Pipeline` class when it is defined: pipeline.ts
 * imports this module (`Pipeline.create()`, `Pipeline.quick()`), so this one does not import it
 * back at run time.
 */
let newPipeline: (options: PipelineOptions) => Pipeline;

/** @internal Called once, by the `Pipeline` class. */
export function providePipeline(create: (options: PipelineOptions) => Pipeline): void {
  newPipeline = create;
}

/**
 * Builds a pipeline step by step: `Pipeline.create().add(...).add(...).build()` (or `.run(items)`).
 *
 * Typed step by step too: `Pipeline.create()` is a `PipelineBuilder<never, never>` (no stages);
 * the first `add()` sets `I` from its task's parameter, and each later `add()`'s task takes the
 * previous stage's output (an unannotated parameter gets that type), so a mismatch fails to
 * type-check where it is written.
 *
 * @typeParam I The pipeline's input (`never` before the first `add()`).
 * @typeParam O The last stage's output (`never` before the first `add()`).
 *
 * @example
 * ```ts
 * import { Pipeline, StatusTracker } from "@antflow/antflow";
 * const tracker = new StatusTracker();
 * const pipeline = Pipeline.create()
 *   .add("Parse", (s: string) => Number(s), { workers: 2 })
 *   .add("Square", [(n: number) => n * n], { retries: 2 })
 *   .withTracker(tracker)
 *   .build();
 * console.log((await pipeline.run(["3"]))[0].value); // 9
 * ```
 */
export class PipelineBuilder<I = never, O = never> {
  #stages: Stage[] = [];
  #tracker: StatusTracker | undefined;
  #collect = true;
  /**
   * Type-only (nothing at runtime): makes `I` invariant, so that a builder whose last stage
   * returns `never` is not taken for an empty one by `add()`.
   */
  declare private readonly inputType?: (input: I) => I;

  /**
   * Adds the first stage: its task's parameter sets the pipeline's input type.
   *
   * @param name The stage's name.
   * @param tasks One task or several, run in order for each item.
   * @param options Stage options; `workers` defaults to 5, `retries` to 3 total attempts.
   * @returns The builder.
   * @throws {StageValidationError} When an option is invalid, e.g.
   * `Pipeline.create().add("F"): retries must be an integer >= 1, got 0`.
   */
  add<In, Out>(
    this: PipelineBuilder<never, never>,
    name: string,
    tasks: Task<In, Out> | TaskList<In, Out>,
    options?: BuilderStageOptions<In, Out>,
  ): PipelineBuilder<In, Out>;
  /**
   * Adds a stage after the others: its (first) task takes the previous stage's output.
   *
   * @param name The stage's name.
   * @param tasks One task or several, run in order for each item.
   * @param options Stage options; `workers` defaults to 5, `retries` to 3 total attempts.
   * @returns The builder.
   * @throws {StageValidationError} When an option is invalid.
   */
  add<Out>(
    name: string,
    tasks: Task<O, Out> | TaskList<O, Out>,
    options?: BuilderStageOptions<O, Out>,
  ): PipelineBuilder<I, Out>;
  /**
   * Adds a stage from an array of tasks held in a variable: its output is `unknown` (write the
   * tasks in place to have them typed).
   *
   * @param name The stage's name.
   * @param tasks The tasks, run in order for each item.
   * @param options Stage options; `workers` defaults to 5, `retries` to 3 total attempts.
   * @returns The builder.
   * @throws {StageValidationError} When an option is invalid.
   */
  add(
    name: string,
    tasks: readonly TaskFn[],
    options?: BuilderStageOptions<O>,
  ): PipelineBuilder<[I] extends [never] ? unknown : I, unknown>;
  add(
    name: string,
    tasks: TaskFn | readonly TaskFn[],
    options: BuilderStageOptions = {},
    // deno-lint-ignore no-explicit-any
  ): PipelineBuilder<any, unknown> {
    validateOptions(
      `Pipeline.create().add(${JSON.stringify(name)})`,
      options,
      ADD_RULES,
      stageError,
      ADD_ALIASES,
    );
    const { retries = 3, ...rest } = options;
    const perStage = rest.retry === "per_stage";
    this.#stages.push(
      new Stage({
        workers: 5,
        ...(perStage ? { stageAttempts: retries } : { taskAttempts: retries }),
        ...rest,
        name,
        tasks: Array.isArray(tasks) ? tasks : [tasks],
      }),
    );
    return this;
  }

  /**
   * Sets the tracker that receives every event.
   *
   * @param tracker The tracker.
   * @returns The builder.
   */
  withTracker(tracker: StatusTracker): this {
    this.#tracker = tracker;
    return this;
  }

  /**
   * Whether `run()` keeps results.
   *
   * @param enabled `false` makes `run()` resolve to `[]`.
   * @returns The builder.
   */
  collectResults(enabled = true): this {
    this.#collect = enabled;
    return this;
  }

  /**
   * Builds the pipeline.
   *
   * @returns The pipeline.
   * @throws {PipelineError} When the stages do not compose (none, duplicate names, pull first).
   */
  build(): Pipeline<I, O> {
    return newPipeline({
      stages: this.#stages,
      statusTracker: this.#tracker,
      collectResults: this.#collect,
    }) as Pipeline<I, O>;
  }

  /**
   * Builds the pipeline and runs `items` through it, resolving every item's result.
   *
   * @param items The input.
   * @param options `includeFailures: true` and any other run option.
   * @returns Every item's result (failures with `error` set), in input order.
   */
  run(
    items: PipelineInput<I>,
    options: RunOptions<I> & { includeFailures: true },
  ): Promise<StreamResult<O>[]>;
  /**
   * Builds the pipeline and runs `items` through it.
   *
   * @param items The input.
   * @param options Run options.
   * @returns The successful results, in input order.
   */
  run(items: PipelineInput<I>, options?: RunOptions<I>): Promise<PipelineResult<O>[]>;
  run(
    items: PipelineInput<I>,
    options: RunOptions<I> = {},
  ): Promise<PipelineResult<O>[] | StreamResult<O>[]> {
    return this.build().run(items, options);
  }
}

/** `Pipeline.quick()`: one stage per task, named after the task. */
export function quick(
  items: PipelineInput,
  tasks: TaskFn | readonly TaskFn[],
  options: QuickOptions = {},
): Promise<PipelineResult[]> {
  try {
    if (options !== null && typeof options === "object") {
      validateOptions("Pipeline.quick", options, QUICK_RULES, stageError, QUICK_ALIASES);
    }
    const { workers = 5, retries = 3, ...runOptions } = options;
    const list = Array.isArray(tasks) ? tasks : [tasks];
    const builder = new PipelineBuilder<unknown, unknown>();
    const used = new Set<string>();
    list.forEach((task, i) => {
      const base = stageName(typeof task === "function" ? task.name : "", i);
      let name = base;
      for (let n = 2; used.has(name); n++) name = `${base}${n}`;
      used.add(name);
      builder.add(name, task, { workers, retries });
    });
    return builder.run(items, runOptions);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `fetch_data` / `fetchData` → `FetchData`; anonymous → `Stage<i+1>`. */
function stageName(taskName: string, index: number): string {
  const words = taskName.replace(/^bound /, "").split(/[_\s-]+/).filter(Boolean);
  if (words.length === 0) return `Stage${index + 1}`;
  return words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}
