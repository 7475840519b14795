import type { DashboardProtocol } from "../pipeline/types.ts";
import { TerminalDisplay } from "./display.ts";
import { resolveOptions, type TerminalDisplayOptions } from "./options.ts";

/**
 * A progress bar on stderr for `pipeline.run(items, { dashboard })`: percent, done/total, rate
 * (items/s), ETA, and the ok/failed/cancelled counts. On a terminal it redraws in place (the
 * cursor is hidden during the run and always shown again at the end, also after an abort);
 * otherwise it prints a plain line at most every `plainIntervalMs`. The run ends with a summary:
 * totals, elapsed time and errors by type.
 *
 * The percent is stage-weighted: an item waiting for or inside stage `j` of `S` counts `j / S`
 * done, so a multi-stage run advances smoothly. It never goes back, and reads 100 % exactly when
 * every item is finished (failed and cancelled items included). Without a known total (an async
 * iterable input) it shows counts and rate only.
 *
 * @param options Where to write, whether it is a terminal, its size, the plain-line interval.
 * @returns A dashboard to pass as `run(items, { dashboard })`.
 * @throws {TypeError} If an option is unknown or has the wrong type.
 * @throws {RangeError} If a number option is out of range.
 *
 * @example
 * ```ts
 * import { Pipeline, Stage } from "@antflow/antflow";
 * import { progressBar } from "@antflow/antflow/terminal";
 *
 * const pipeline = new Pipeline({
 *   stages: [new Stage({ name: "Double", workers: 4, tasks: [(n: number) => n * 2] })],
 * });
 * const results = await pipeline.run([1, 2, 3, 4], { dashboard: progressBar() });
 * console.log(results.length); // 4
 * ```
 */
export function progressBar(options: TerminalDisplayOptions = {}): DashboardProtocol {
  return new TerminalDisplay(resolveOptions("progressBar", options), () => []);
}
