import * as z from "zod";
import type { StatusTracker } from "../tracker/status_tracker.ts";
import { type FieldRule, validateOptions } from "../utils/validate.ts";
import { StageValidationError } from "../errors.ts";
import type { RunOptions } from "./options.ts";
import type { Pipeline, PipelineInput, PipelineOptions } from "./pipeline.ts";
import { Stage, type StageOptions } from "./stage.ts";
import type { PipelineResult, TaskFn } from "./types.ts";

/** Stage options for {@linkcode PipelineBuilder.prototype.add}: a `Stage`'s, minus name and tasks. */
export interface BuilderStageOptions extends Partial<Omit<StageOptions, "name" | "tasks">> {
  /**
   * Total attempts: `taskAttempts` in per_task mode, `stageAttempts` in per_stage mode.
   * @default {3}
   */
  retries?: number;
}

/** Options of `Pipeline.quick()`. */
export interface QuickOptions extends RunOptions {
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

/**
 * The options `add()` translates before a `Stage` sees them: checked here, so the message names
 * `retries` (the Stage would name `taskAttempts` or `stageAttempts`, which the caller never wrote).
 */
const ADD_RULES: Record<string, FieldRule> = { retries: positiveInt };

/** The options `quick()` applies to every stage, checked once under `Pipeline.quick`. */
const QUICK_RULES: Record<string, FieldRule> = { workers: positiveInt, retries: positiveInt };

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
export class PipelineBuilder {
  #stages: Stage[] = [];
  #tracker: StatusTracker | undefined;
  #collect = true;

  /**
   * Adds a stage.
   *
   * @param name The stage's name.
   * @param tasks One task or several, run in order for each item.
   * @param options Stage options; `workers` defaults to 5, `retries` to 3 total attempts.
   * @returns The builder.
   * @throws {StageValidationError} When an option is invalid, e.g.
   * `Pipeline.create().add("F"): retries must be an integer >= 1, got 0`.
   */
  add(name: string, tasks: TaskFn | TaskFn[], options: BuilderStageOptions = {}): this {
    validateOptions(
      `Pipeline.create().add(${JSON.stringify(name)})`,
      options,
      ADD_RULES,
      stageError,
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
  build(): Pipeline {
    return newPipeline({
      stages: this.#stages,
      statusTracker: this.#tracker,
      collectResults: this.#collect,
    });
  }

  /**
   * Builds the pipeline and runs `items` through it.
   *
   * @param items The input.
   * @param options Run options.
   * @returns The successful results, in input order.
   */
  run(items: PipelineInput, options: RunOptions = {}): Promise<PipelineResult[]> {
    return this.build().run(items, options);
  }
}

/** `Pipeline.quick()`: one stage per task, named after the task. */
export function quick(
  items: PipelineInput,
  tasks: TaskFn | TaskFn[],
  options: QuickOptions = {},
): Promise<PipelineResult[]> {
  try {
    if (options !== null && typeof options === "object") {
      validateOptions("Pipeline.quick", options, QUICK_RULES, stageError);
    }
    const { workers = 5, retries = 3, ...runOptions } = options;
    const list = Array.isArray(tasks) ? tasks : [tasks];
    const builder = new PipelineBuilder();
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
