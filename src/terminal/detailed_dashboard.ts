import type { DashboardProtocol } from "../pipeline/types.ts";
import { type Layout, TerminalDisplay } from "./display.ts";
import { DETAILED_RULES, type DetailedDashboardOptions, resolveOptions } from "./options.ts";
import { failureLines, stageLines, workerLines } from "./tables.ts";

/** Lines of the worker table that are not workers: its title and its header. */
const WORKER_TABLE_CHROME = 2;

function detailedLayout(maxFailures: number): Layout {
  return (view, progress, { columns, maxLines }) => {
    const stages = stageLines(view);
    const failures = failureLines(progress.failures(view.snapshot.errorSummary), maxFailures);
    const room = maxLines - stages.length - failures.length - WORKER_TABLE_CHROME;
    const workers = workerLines(view, progress, columns, Math.max(1, room));
    return [...stages, ...workers, ...failures];
  };
}

/**
 * The {@linkcode compactDashboard} plus a worker table (name, status, current item, current task
 * as set by `ctx.setStatus()`, items processed, failed, average time) and this run's newest
 * failures (item, stage, error type and message, attempts). Output, terminal detection and
 * summary as for `progressBar()`; the frame is kept within the terminal's width and height.
 *
 * @param options As for `progressBar()`, plus `maxFailures` (default 5).
 * @returns A dashboard to pass as `run(items, { dashboard })`.
 * @throws {TypeError} If an option is unknown or has the wrong type.
 * @throws {RangeError} If a number option is out of range.
 *
 * @example
 * ```ts
 * import { Pipeline, Stage, StatusTracker } from "@antflow/antflow";
 * import { detailedDashboard } from "@antflow/antflow/terminal";
 *
 * const pipeline = new Pipeline({
 *   stages: [
 *     new Stage({
 *       name: "Fetch",
 *       workers: 3,
 *       taskAttempts: 1,
 *       tasks: [function fetchPage(n: number) {
 *         if (n === 3) throw new RangeError(`page ${n} is missing`);
 *         return `page ${n}`;
 *       }],
 *     }),
 *   ],
 *   statusTracker: new StatusTracker(), // the failures list comes from the tracker
 * });
 * const dashboard = detailedDashboard({ maxFailures: 3 });
 * const results = await pipeline.run([1, 2, 3, 4], { dashboard });
 * console.log(results.length); // 3
 * ```
 */
export function detailedDashboard(options: DetailedDashboardOptions = {}): DashboardProtocol {
  const resolved = resolveOptions("detailedDashboard", options, DETAILED_RULES);
  return new TerminalDisplay(resolved, detailedLayout(resolved.maxFailures));
}
