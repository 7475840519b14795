import type { ErrorSummary } from "../tracker/error_summary.ts";
import { safeText } from "./escape.ts";
import type { ProgressView, RunProgress } from "./progress.ts";
import { bar, formatDuration, formatPercent, formatRate, textWidth } from "./text.ts";

const BAR_MIN = 10;
const BAR_MAX = 40;

function counts(view: ProgressView, separator: string): string {
  return [`ok ${view.ok}`, `failed ${view.failed}`, `cancelled ${view.cancelled}`].join(separator);
}

function share(view: ProgressView): string {
  return view.total === undefined
    ? `${view.done} done`
    : `${view.done}/${view.total} (${formatPercent(view.fraction ?? 0)})`;
}

function eta(view: ProgressView): string {
  return `ETA ${view.etaMs === undefined ? "--" : formatDuration(view.etaMs)}`;
}

/**
 * The two lines every TTY frame starts with: the bar (percent, done/total, rate, ETA), then the
 * counts. Without a total: counts and rate only. The bar takes the width the text leaves.
 */
export function headerLines(view: ProgressView, columns: number): string[] {
  const rate = `${formatRate(view.rate)} items/s`;
  const second = `Items    ${counts(view, "  ")}  in flight ${view.inFlight}  ` +
    `elapsed ${formatDuration(view.elapsedMs)}`;
  if (view.total === undefined) return [`Progress ${view.done} done  ${rate}`, second];
  const fraction = view.fraction ?? 0;
  const text = ` ${formatPercent(fraction).padStart(6)}  ${view.done}/${view.total}  ${rate}  ` +
    eta(view);
  const room = columns - textWidth(text) - "Progress ".length - 1;
  const width = Math.min(BAR_MAX, Math.max(BAR_MIN, room));
  return [`Progress ${bar(fraction, width)}${text}`, second];
}

/** The line printed every few seconds when stderr is not a terminal. */
export function plainLine(view: ProgressView): string {
  const parts = [share(view), `${formatRate(view.rate)} items/s`];
  if (view.total !== undefined) parts.push(eta(view));
  parts.push(`${counts(view, ", ")}, in flight ${view.inFlight}`);
  return `AntFlow: ${parts.join(" | ")}`;
}

/** The final summary: totals, elapsed time, rate, and this run's errors by type. */
export function summaryLines(
  view: ProgressView,
  summary: ErrorSummary,
  progress: RunProgress,
): string[] {
  const lines = [
    `AntFlow: finished ${share(view)} in ${formatDuration(view.elapsedMs)}, ` +
    `${formatRate(view.rate)} items/s | ${counts(view, ", ")}`,
  ];
  const byType = progress.errorsByType(summary);
  if (byType.length > 0) {
    const list = byType.map(([type, count]) => `${safeText(type)} ${count}`).join(", ");
    lines.push(`AntFlow: errors by type: ${list}`);
  }
  return lines;
}
