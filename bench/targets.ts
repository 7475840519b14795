/** Builds the targets the suite checks (see BENCHMARKS.md). */
import type { Target, ThroughputRow } from "./types.ts";

/**
 * A "value must be at least threshold" target.
 *
 * @param label What is compared, e.g. "antflow ÷ p-map".
 * @param value The measured value.
 * @param threshold The goal.
 * @param unit How the numbers read.
 * @param best The same value from the best runs (shown, not judged).
 * @returns The target with `met` set (judged on `value`, the medians).
 */
export function atLeast(
  label: string,
  value: number,
  threshold: number,
  unit: Target["unit"],
  best?: number,
): Target {
  return {
    label,
    value,
    threshold,
    unit,
    atLeast: true,
    met: value >= threshold,
    ...(best === undefined ? {} : { best }),
  };
}

/**
 * A "value must be at most threshold" target.
 *
 * @param label What is measured, e.g. "peak RSS, no tracker".
 * @param value The measured value.
 * @param threshold The limit.
 * @param unit How the numbers read.
 * @returns The target with `met` set.
 */
export function atMost(
  label: string,
  value: number,
  threshold: number,
  unit: Target["unit"],
): Target {
  return { label, value, threshold, unit, atLeast: false, met: value <= threshold };
}

/**
 * A target on a row's ratio column (medians), carrying the best-runs ratio along.
 *
 * @param row A row whose `ratio` and `bestRatio` are set.
 * @param label What is compared.
 * @param threshold The goal (×).
 * @returns The target.
 */
export function ratioTarget(row: ThroughputRow, label: string, threshold: number): Target {
  return atLeast(label, row.ratio ?? NaN, threshold, "×", row.bestRatio);
}
