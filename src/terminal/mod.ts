/**
 * Terminal displays for `pipeline.run(items, { dashboard })`: {@linkcode progressBar},
 * {@linkcode compactDashboard} (adds a line per stage) and {@linkcode detailedDashboard} (adds a
 * worker table and the latest failures). They write to stderr (feature-detected on Deno, Node and
 * Bun), redraw in place on a terminal and print plain lines otherwise, escape control characters
 * in user text, and end with a summary. The core (`@antflow/antflow`) does not import this module.
 *
 * @example
 * ```ts
 * import { Pipeline, Stage } from "@antflow/antflow";
 * import { compactDashboard } from "@antflow/antflow/terminal";
 *
 * const pipeline = new Pipeline({
 *   stages: [new Stage({ name: "Work", workers: 2, tasks: [async (n: number) => n + 1] })],
 * });
 * await pipeline.run([1, 2, 3], { dashboard: compactDashboard() });
 * ```
 *
 * @module
 */
export { progressBar } from "./progress_bar.ts";
export { compactDashboard } from "./compact_dashboard.ts";
export { detailedDashboard } from "./detailed_dashboard.ts";
export { escapeControlChars } from "./escape.ts";
export type { DetailedDashboardOptions, TerminalDisplayOptions } from "./options.ts";
