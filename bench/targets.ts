/** Builds the targets the suite checks (see BENCHMARKS.md). */
import type { Target } from "./types.ts";

/**
 * A "value must be at least threshold" target.
 *
 * @param label What is compared, e.g. "antflow ÷ p-map".
 * @param value The measured value.
 * @param threshold The goal.
 * @param unit How the numbers read.
 * @returns The target with `met` set.
 */
export function atLeast(
  label: string,
  value: number,
  threshold: number,
  unit: Target["unit"],
): Target {
  return { label, value, threshold, unit, atLeast: true, met: value >= threshold };
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
