import * as z from "zod";
import { PipelineError } from "../errors.ts";
import type { ItemId } from "../tracker/types.ts";
import {
  CHECKED_BY_OWNER,
  describeValue,
  type FieldRule,
  typeOrRangeError,
  validateOptions,
} from "../utils/validate.ts";
import type { DashboardProtocol } from "./types.ts";

/**
 * Options of `run()`.
 *
 * @typeParam I The pipeline's input (what `idOf` receives).
 */
export interface RunOptions<I = unknown> {
  /** Aborting it stops intake, aborts running tasks and cancels every unfinished item. */
  signal?: AbortSignal;
  /** The caller's id for each item (`index` is its position in this call's input). */
  idOf?(item: I, index: number): ItemId;
  /**
   * Lower runs first; FIFO within a priority; inherited downstream.
   * @default {100}
   */
  priority?: number;
  /**
   * Resolve every item's result in input order, failures included (with `error` set and the
   * failing stage's input as `value`), instead of the successes only.
   * @default {false}
   */
  includeFailures?: boolean;
  /** Print a plain progress line through `console.log` every few seconds and at the end. */
  progress?: boolean;
  /** A display driven during the run (see `@antflow/antflow/terminal`). */
  dashboard?: DashboardProtocol;
  /**
   * How often the dashboard gets a snapshot, in ms.
   * @default {500}
   */
  dashboardIntervalMs?: number;
}

/**
 * Options of `stream()`.
 *
 * @typeParam I The pipeline's input (what `idOf` receives).
 */
export interface StreamOptions<I = unknown> {
  /** Aborting it stops the run; the stream errors with the signal's reason. */
  signal?: AbortSignal;
  /** The caller's id for each item. */
  idOf?(item: I, index: number): ItemId;
  /**
   * Lower runs first.
   * @default {100}
   */
  priority?: number;
  /**
   * How many finished results may wait for the consumer before workers wait too.
   * @default {16}
   */
  highWaterMark?: number;
}

/**
 * Options of `feed()`.
 *
 * @typeParam I The fed items (what `idOf` receives).
 */
export interface FeedOptions<I = unknown> {
  /** Put the items into this stage (skipping the earlier ones). */
  targetStage?: string;
  /**
   * Lower runs first.
   * @default {100}
   */
  priority?: number;
  /** The caller's id for each item. */
  idOf?(item: I, index: number): ItemId;
  /** Aborting it stops this feed's intake (items already fed carry on). */
  signal?: AbortSignal;
}

const optionalFunction = z.custom((v) => v === undefined || typeof v === "function");
const optionalSignal = z.custom((v) => v === undefined || v instanceof AbortSignal);
const priority = z.number().refine(Number.isFinite).optional();
const isDashboard = (v: unknown): boolean =>
  v !== null && typeof v === "object" &&
  ["onStart", "onUpdate", "onFinish"].every((k) =>
    typeof (v as Record<string, unknown>)[k] === "function"
  );

const COMMON: Record<string, FieldRule> = {
  signal: { schema: optionalSignal, rule: "must be an AbortSignal" },
  idOf: { schema: optionalFunction, rule: "must be a function (item, index) => id" },
  priority: { schema: priority, rule: "must be a finite number" },
};

/**
 * Every key `new Pipeline(options)` accepts (any other is an unknown option). The ones without a
 * schema are checked by the constructor itself.
 */
const PIPELINE_RULES: Record<string, FieldRule> = {
  stages: CHECKED_BY_OWNER,
  statusTracker: CHECKED_BY_OWNER,
  collectResults: CHECKED_BY_OWNER,
  failureLimit: {
    schema: z.number().int().min(0).optional(),
    rule: "must be an integer >= 0",
  },
  instrumentation: {
    schema: z.custom((v) =>
      v === undefined ||
      (v !== null && typeof v === "object" &&
        typeof (v as Record<string, unknown>).startRun === "function")
    ),
    rule: "must be a PipelineInstrumentation (an object with a startRun method)",
  },
  queueBackend: {
    schema: optionalFunction,
    rule: "must be a function (options, hooks) => QueueBackend",
  },
};

/** `tracker` (the name peers and the builder's `withTracker` use) is rejected, suggesting this. */
const PIPELINE_ALIASES = { tracker: "statusTracker" };

const pipelineError = (message: string): Error => new PipelineError(message);

/** Validates the Pipeline constructor's options object and its keys (a PipelineError if not). */
export function checkPipelineOptions(options: unknown): void {
  validateOptions("Pipeline", options, PIPELINE_RULES, pipelineError, PIPELINE_ALIASES);
}

/** @internal Every key `run()` accepts, with its rule (`Pipeline.quick()` passes them on). */
export const RUN_RULES: Record<string, FieldRule> = {
  ...COMMON,
  progress: { schema: z.boolean().optional(), rule: "must be a boolean" },
  includeFailures: { schema: z.boolean().optional(), rule: "must be a boolean" },
  dashboard: {
    schema: z.custom((v) => v === undefined || isDashboard(v)),
    rule: "must have onStart, onUpdate and onFinish methods",
  },
  dashboardIntervalMs: {
    schema: z.number().min(10).refine(Number.isFinite).optional(),
    rule: "must be a finite number >= 10",
  },
};

const STREAM_RULES: Record<string, FieldRule> = {
  ...COMMON,
  highWaterMark: { schema: z.number().int().min(0).optional(), rule: "must be an integer >= 0" },
};

const FEED_RULES: Record<string, FieldRule> = {
  ...COMMON,
  targetStage: { schema: z.string().optional(), rule: "must be a stage name" },
};

const JOIN_RULES: Record<string, FieldRule> = { signal: COMMON.signal };

/** Validates a call's options (TypeError for a wrong type, RangeError for a bad number). */
export function checkRunOptions(options: RunOptions): void {
  validateOptions("Pipeline.run", options, RUN_RULES, typeOrRangeError);
  if (options.progress && options.dashboard !== undefined) {
    throw new TypeError("Pipeline.run: progress and dashboard cannot be used together, got both");
  }
}

/** Validates `stream()` options. */
export function checkStreamOptions(options: StreamOptions): void {
  validateOptions("Pipeline.stream", options, STREAM_RULES, typeOrRangeError);
}

/** Validates `join()` options. */
export function checkJoinOptions(options: { signal?: AbortSignal }): void {
  validateOptions("Pipeline.join", options, JOIN_RULES, typeOrRangeError);
}

/** Validates `feed()` options. */
export function checkFeedOptions(options: FeedOptions): void {
  validateOptions("Pipeline.feed", options, FEED_RULES, typeOrRangeError);
}

/** Checks that `items` can be iterated, sync or async. */
export function checkItems(owner: string, items: unknown): void {
  const ok = items !== null && items !== undefined &&
    (typeof (items as Iterable<unknown>)[Symbol.iterator] === "function" ||
      typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function");
  if (!ok) {
    throw new TypeError(
      `${owner}: items must be an iterable or async iterable, got ${describeValue(items)}`,
    );
  }
}

/** How many items the input holds, when it says so (arrays, sets, maps). */
export function knownSize(items: unknown): number | undefined {
  const record = items as { length?: unknown; size?: unknown };
  if (typeof record.length === "number") return record.length;
  if (typeof record.size === "number") return record.size;
  return undefined;
}

/** The index of a named stage, or a PipelineError naming the known ones. */
export function stageIndexOf(
  owner: string,
  names: readonly string[],
  target: string | undefined,
): number {
  if (target === undefined) return 0;
  const index = names.indexOf(target);
  if (index === -1) {
    throw new PipelineError(
      `${owner}: targetStage must name a stage of the pipeline (${
        names.map((n) => JSON.stringify(n)).join(", ")
      }), got ${JSON.stringify(target)}`,
    );
  }
  return index;
}
