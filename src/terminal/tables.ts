import type { FailedItem } from "../tracker/error_summary.ts";
import { safeText } from "./escape.ts";
import type { ProgressView, RunProgress } from "./progress.ts";
import { fit, formatMs, textWidth, truncate } from "./text.ts";

const NAME_MAX = 24;
const ITEM_MAX = 16;
const TASK_MIN = 8;

function widest(cells: string[], cap = Infinity): number {
  return Math.min(cap, cells.reduce((max, cell) => Math.max(max, textWidth(cell)), 0));
}

function row(cells: string[], widths: number[], right: boolean[]): string {
  const padded = cells.map((cell, i) => {
    const cut = truncate(cell, widths[i]);
    const gap = " ".repeat(Math.max(0, widths[i] - textWidth(cut)));
    return right[i] ? gap + cut : cut + gap;
  });
  return `  ${padded.join("  ")}`.trimEnd();
}

/** `compact`: one line per stage with busy/workers, pending, done and failed for this run. */
export function stageLines(view: ProgressView): string[] {
  if (view.stages.length === 0) return [];
  const names = view.stages.map((s) => safeText(s.name));
  const width = widest(names, NAME_MAX);
  const lines = ["Stages"];
  view.stages.forEach((stage, i) => {
    lines.push(
      `  ${fit(names[i], width)}  busy ${stage.busy}/${stage.workers}  ` +
        `pending ${stage.pending}  done ${stage.done}  failed ${stage.failed}`,
    );
  });
  return lines;
}

/**
 * `detailed`: the worker table (name, status, current item, current task, processed, failed,
 * average time), at most `maxRows` workers, the rest summed up on one line.
 */
export function workerLines(
  view: ProgressView,
  progress: RunProgress,
  columns: number,
  maxRows: number,
): string[] {
  const { workerStates, workerMetrics } = view.snapshot;
  const names = Object.keys(workerStates);
  if (names.length === 0) return [];
  const shown = names.length <= maxRows ? names : names.slice(0, Math.max(0, maxRows - 1));
  const header = ["Worker", "Status", "Item", "Task", "Done", "Failed", "Avg"];
  const body = shown.map((name) => {
    const state = workerStates[name];
    const metrics = workerMetrics[name];
    const busy = state.status === "busy";
    const { processed, failed, avgMs } = progress.workerCounts(metrics);
    return [
      safeText(name),
      state.status,
      busy ? safeText(state.currentItemId) : "",
      busy ? safeText(state.currentTask) : "",
      String(processed),
      String(failed),
      formatMs(avgMs),
    ];
  });
  const column = (i: number): string[] => [header[i], ...body.map((cells) => cells[i])];
  const widths = [0, 1, 2, 3, 4, 5, 6].map((i) =>
    widest(column(i), i === 0 ? NAME_MAX : i === 2 ? ITEM_MAX : Infinity)
  );
  const others = widths.reduce((sum, w, i) => (i === 3 ? sum : sum + w), 0) + 2 + 2 * 6;
  widths[3] = Math.max(TASK_MIN, Math.min(widths[3], columns - others));
  const right = [false, false, false, false, true, true, true];
  const lines = ["Workers", row(header, widths, right)];
  for (const cells of body) lines.push(row(cells, widths, right));
  if (shown.length < names.length) {
    lines.push(`  … and ${names.length - shown.length} more workers`);
  }
  return lines;
}

/** `detailed`: the newest `limit` failures of this run, one line each. */
export function failureLines(failures: FailedItem[], limit: number): string[] {
  if (failures.length === 0 || limit <= 0) return [];
  const shown = failures.slice(0, limit);
  const title = shown.length < failures.length
    ? `Latest failures (${shown.length} of ${failures.length})`
    : "Latest failures";
  return [
    title,
    ...shown.map((f) => {
      const stage = f.stage === null ? "" : ` @${safeText(f.stage)}`;
      const attempts = f.attempts === 1 ? "1 attempt" : `${f.attempts} attempts`;
      return `  ${safeText(f.itemId)}${stage} ${safeText(f.errorType)}: ${safeText(f.error)} ` +
        `(${attempts})`;
    }),
  ];
}
