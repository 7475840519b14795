import type { DashboardProtocol } from "../pipeline/types.ts";
import { TerminalDisplay } from "./display.ts";
import { resolveOptions, type TerminalDisplayOptions } from "./options.ts";
import { stageLines } from "./tables.ts";

/**
 * The {@linkcode progressBar} plus one line per stage: busy workers, pending, done and failed
 * items of this run. Output, terminal detection and summary as for `progressBar()`.
 *
 * @param options Where to write, whether it is a terminal, its size, the plain-line interval.
 * @returns A dashboard to pass as `run(items, { dashboard })`.
 * @throws {TypeError} If an option is unknown or has the wrong type.
 * @throws {RangeError} If a number option is out of range.
 *
 * @example
 * ```ts
 * import { Pipeline, Stage } from "@antflow/antflow";
 * import { compactDashboard } from "@antflow/antflow/terminal";
 *
 * const pipeline = new Pipeline({
 *   stages: [
 *     new Stage({ name: "Parse", workers: 2, tasks: [(s: string) => Number(s)] }),
 *     new Stage({ name: "Square", workers: 2, tasks: [(n: number) => n * n] }),
 *   ],
 * });
 * const results = await pipeline.run(["1", "2", "3"], { dashboard: compactDashboard() });
 * console.log(results.map((r) => r.value)); // [1, 4, 9]
 * ```
 */
export function compactDashboard(options: TerminalDisplayOptions = {}): DashboardProtocol {
  return new TerminalDisplay(resolveOptions("compactDashboard", options), stageLines);
}
