/** Text measuring and number formatting for terminal lines (printable text only). */

/** Columns a code point takes in a terminal: 0 (combining), 1 or 2 (wide CJK and emoji). */
function charWidth(code: number): number {
  if (
    (code >= 0x300 && code <= 0x36f) || (code >= 0x200b && code <= 0x200d) ||
    (code >= 0xfe00 && code <= 0xfe0f) || (code >= 0x20d0 && code <= 0x20ff)
  ) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) || (code >= 0x20000 && code <= 0x3fffd)
  ) return 2;
  return 1;
}

/** How many terminal columns `text` takes (it must hold no control characters). */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char.codePointAt(0)!);
  return width;
}

/** Cuts `text` to at most `max` columns, ending with `…` when something was cut. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return "";
  if (text.length <= max && textWidth(text) <= max) return text;
  let out = "";
  let width = 0;
  for (const char of text) {
    const w = charWidth(char.codePointAt(0)!);
    if (width + w > max - 1) break;
    out += char;
    width += w;
  }
  return out + "…";
}

/** Pads (or cuts) `text` to exactly `width` columns. */
export function fit(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + " ".repeat(Math.max(0, width - textWidth(cut)));
}

/** `0s`, `250ms`, `3.6s`, `36s`, `3m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "--";
  if (ms === 0) return "0s";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** A processing time in ms: `850ms`, `1.2s`, or `-` before the first item. */
export function formatMs(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? formatDuration(ms) : "-";
}

/** Items per second: `0.25`, `12.3`, `1234`. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return "0.0";
  if (perSecond < 1) return perSecond.toFixed(2);
  return perSecond < 100 ? perSecond.toFixed(1) : String(Math.round(perSecond));
}

/** A fraction as a percent that reads `100.0%` only when the fraction is exactly 1. */
export function formatPercent(fraction: number): string {
  const tenths = Math.floor(Math.min(Math.max(fraction, 0), 1) * 1000);
  return `${(tenths / 10).toFixed(1)}%`;
}

/** A bar of `width` cells filled to `fraction` (floored, so it is full only at 1). */
export function bar(fraction: number, width: number): string {
  const filled = Math.floor(Math.min(Math.max(fraction, 0), 1) * width);
  return "█".repeat(filled) + "░".repeat(width - filled);
}
