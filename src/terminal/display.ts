import type { ErrorSummary } from "../tracker/error_summary.ts";
import type {
  DashboardProtocol,
  DashboardSnapshot,
  PipelineLike,
  PipelineResult,
} from "../pipeline/types.ts";
import { headerLines, plainLine, summaryLines } from "./lines.ts";
import type { ResolvedOptions } from "./options.ts";
import { type ProgressView, RunProgress } from "./progress.ts";
import { truncate } from "./text.ts";

/** The lines a display adds under the progress header, for a frame of `maxLines` lines at most. */
export type Layout = (
  view: ProgressView,
  progress: RunProgress,
  size: { columns: number; maxLines: number },
) => string[];

const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";
const CLEAR_LINE = "\x1b[2K";
const CLEAR_DOWN = "\x1b[J";
const HEADER_LINES = 2;

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** Keeps a frame under `max` lines, saying how many were left out. */
function fitHeight(lines: string[], max: number): string[] {
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, Math.max(1, max - 1));
  kept.push(`… ${lines.length - kept.length} more lines (enlarge the terminal to see them)`);
  return kept;
}

/**
 * The terminal display behind `progressBar()`, `compactDashboard()` and `detailedDashboard()`.
 * On a terminal it hides the cursor and redraws one frame in place on every update; otherwise it
 * prints a plain line at most every `plainIntervalMs`. `onFinish` draws the final frame, prints
 * the summary and shows the cursor again; updates after it are ignored until the next `onStart`.
 */
export class TerminalDisplay implements DashboardProtocol {
  #options: ResolvedOptions;
  #layout: Layout;
  #pipeline: PipelineLike | undefined;
  #progress: RunProgress | undefined;
  #active = false;
  #broken = false;
  #frameLines = 0;
  #lastPlain = 0;
  #last: DashboardSnapshot | undefined;
  #undoExit: (() => void) | undefined;

  constructor(options: ResolvedOptions, layout: Layout) {
    this.#options = options;
    this.#layout = layout;
  }

  onStart(pipeline: PipelineLike, total: number | undefined): void {
    if (this.#active) this.#restore();
    const startedAt = Date.now();
    const snapshot = attempt(() => pipeline.getDashboardSnapshot());
    this.#pipeline = pipeline;
    this.#progress = new RunProgress({
      startedAt,
      stats: snapshot?.pipelineStats,
      workerMetrics: snapshot?.workerMetrics ?? {},
      errorsByType: { ...snapshot?.errorSummary.errorsByType },
    }, total);
    this.#active = true;
    this.#broken = false;
    this.#frameLines = 0;
    this.#lastPlain = startedAt;
    this.#last = undefined;
    if (!this.#options.isTTY) return;
    this.#undoExit = this.#options.sink.onExit(() => this.#restore());
    this.#write(HIDE_CURSOR);
    if (snapshot === undefined) return;
    this.#write(this.#frame(this.#progress.view({ ...snapshot, timestamp: startedAt })));
  }

  onUpdate(snapshot: DashboardSnapshot): void {
    if (!this.#active || this.#broken) return;
    this.#last = snapshot;
    const view = this.#progress!.view(snapshot);
    if (this.#options.isTTY) {
      this.#write(this.#frame(view));
    } else if (snapshot.timestamp - this.#lastPlain >= this.#options.plainIntervalMs) {
      this.#lastPlain = snapshot.timestamp;
      this.#write(plainLine(view) + "\n");
    }
  }

  onFinish(results: PipelineResult[], summary: ErrorSummary): void {
    if (!this.#active) return;
    try {
      if (this.#broken) return;
      const fresh = attempt(() => this.#pipeline!.getDashboardSnapshot()) ?? this.#last;
      if (fresh === undefined) {
        const failed = this.#progress!.failedCount(summary);
        this.#write(`AntFlow: finished | ok ${results.length}, failed ${failed}\n`);
        return;
      }
      const timestamp = Math.max(Date.now(), this.#last?.timestamp ?? 0);
      // The run's own counts come with the snapshots of run(); a fresh one has the pipeline's.
      const run = fresh.run ?? this.#last?.run;
      const view = this.#progress!.view({ ...fresh, run, errorSummary: summary, timestamp });
      const lines = summaryLines(view, summary, this.#progress!);
      const frame = this.#options.isTTY ? this.#frame(view) : "";
      this.#write(frame + lines.join("\n") + "\n");
    } finally {
      this.#restore();
    }
  }

  /** Ends the run's display: shows the cursor (on a terminal) and drops the exit hook. */
  #restore(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#undoExit?.();
    this.#undoExit = undefined;
    if (!this.#options.isTTY) return;
    try {
      this.#options.sink.write(SHOW_CURSOR);
    } catch {
      // stderr is gone: nothing left to restore
    }
  }

  /** The text that replaces the previous frame with this one. */
  #frame(view: ProgressView): string {
    const columns = this.#options.columns();
    const maxLines = Math.max(HEADER_LINES, this.#options.rows() - 1);
    // The last column stays free, so no terminal wraps a full line.
    const width = Math.max(1, columns - 1);
    const body = this.#layout(view, this.#progress!, {
      columns: width,
      maxLines: maxLines - HEADER_LINES,
    });
    const lines = fitHeight([...headerLines(view, width), ...body], maxLines)
      .map((line) => truncate(line, width));
    const up = this.#frameLines > 0 ? `\x1b[${this.#frameLines}A` : "";
    this.#frameLines = lines.length;
    return `${up}\r${lines.map((line) => CLEAR_LINE + line).join("\n")}\n${CLEAR_DOWN}`;
  }

  #write(text: string): void {
    if (this.#broken) return;
    try {
      this.#options.sink.write(text);
    } catch (error) {
      this.#broken = true;
      throw error;
    }
  }
}
