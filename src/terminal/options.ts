import * as z from "zod";
import { type FieldRule, typeOrRangeError, validateOptions } from "../utils/validate.ts";
import { customSink, type Sink, stderrSink } from "./sink.ts";

/** Options shared by {@linkcode progressBar}, {@linkcode compactDashboard} and {@linkcode detailedDashboard}. */
export interface TerminalDisplayOptions {
  /**
   * Where the text goes (each call gets one chunk, frames included). Give it for tests or a
   * custom sink; the display then assumes no terminal unless `isTTY` is `true`.
   * @default {the runtime's stderr: `Deno.stderr.writeSync` or `process.stderr.write`}
   */
  write?: (text: string) => void;
  /**
   * Redraw in place with ANSI escapes (`true`) or print plain lines without any escape code.
   * @default {whether stderr is a terminal; `false` with a custom `write`}
   */
  isTTY?: boolean;
  /**
   * The width frames are cut to (an integer >= 1).
   * @default {the terminal's width, or 80}
   */
  columns?: number;
  /**
   * The height frames are kept under (an integer >= 3), so redrawing never scrolls.
   * @default {the terminal's height, or no limit}
   */
  rows?: number;
  /**
   * When not a terminal: the least time between two plain progress lines, in ms.
   * @default {5000}
   */
  plainIntervalMs?: number;
}

/** Options of {@linkcode detailedDashboard}. */
export interface DetailedDashboardOptions extends TerminalDisplayOptions {
  /**
   * How many of the newest failures the frame lists.
   * @default {5}
   */
  maxFailures?: number;
}

/** The options with their defaults applied. */
export interface ResolvedOptions {
  sink: Sink;
  isTTY: boolean;
  columns: () => number;
  rows: () => number;
  plainIntervalMs: number;
  maxFailures: number;
}

const optional = (schema: z.ZodType): z.ZodType => schema.optional();

/** The keys of {@linkcode TerminalDisplayOptions}, with their rules. */
const DISPLAY_RULES: Record<string, FieldRule> = {
  write: {
    schema: z.custom((v) => v === undefined || typeof v === "function"),
    rule: "must be a function (text: string) => void",
  },
  isTTY: { schema: optional(z.boolean()), rule: "must be a boolean" },
  columns: { schema: optional(z.number().int().min(1)), rule: "must be an integer >= 1" },
  rows: { schema: optional(z.number().int().min(3)), rule: "must be an integer >= 3" },
  plainIntervalMs: {
    schema: optional(z.number().min(0).refine(Number.isFinite)),
    rule: "must be a finite number >= 0",
  },
};

/** The keys of {@linkcode DetailedDashboardOptions}, with their rules. */
export const DETAILED_RULES: Record<string, FieldRule> = {
  ...DISPLAY_RULES,
  maxFailures: { schema: optional(z.number().int().min(0)), rule: "must be an integer >= 0" },
};

const DEFAULT_COLUMNS = 80;

/**
 * Validates the options (TypeError for a wrong type or an unknown key, RangeError for a number out
 * of range) and applies the defaults. `rules` lists the keys the display accepts.
 */
export function resolveOptions(
  owner: string,
  options: DetailedDashboardOptions,
  rules: Record<string, FieldRule> = DISPLAY_RULES,
): ResolvedOptions {
  validateOptions(owner, options, rules, typeOrRangeError);
  const sink = options.write === undefined
    ? stderrSink()
    : customSink(options.write, options.isTTY === true);
  const fixedColumns = options.columns;
  const fixedRows = options.rows;
  return {
    sink,
    isTTY: options.isTTY ?? sink.isTTY,
    columns: () => fixedColumns ?? (sink.size().columns || DEFAULT_COLUMNS),
    rows: () => fixedRows ?? (sink.size().rows || Infinity),
    plainIntervalMs: options.plainIntervalMs ?? 5000,
    maxFailures: options.maxFailures ?? 5,
  };
}
