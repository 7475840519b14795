/**
 * What an item's fate must be, computed from the case alone. Every failure, skip and retry refusal
 * is a pure function of the case seed and the item, stage, task and attempt, so when nothing can
 * time out and nothing is aborted, the outcome of every item is known in advance: which stage it
 * fails in (if any), how many `retrying` events each stage emits, and its final value.
 */
import { fate } from "./reliability_model.ts";
import type { CaseSpec } from "./reliability_model.ts";
import { skips } from "./reliability_build.ts";

export interface Prediction {
  /** The stage the item fails in, or -1 when it completes the pipeline. */
  failedAt: number;
  /** The attempt number of the failed `failed` event (per task or per stage). */
  failedAttempt: number;
  /** `retrying` events per stage. */
  retries: number[];
  /** Whether each stage skips the item. */
  skipped: boolean[];
  /** The final value (completed) or the failing stage's input (failed). */
  value: number;
}

function taskFails(c: CaseSpec, key: number, s: number, t: number, attempt: number): boolean {
  return fate(c.seed, key, s, t, attempt) < c.stages[s].tasks[t].failRate;
}

function refuses(c: CaseSpec, s: number, attempt: number): boolean {
  const rate = c.stages[s].refuseRate;
  return rate > 0 && fate(c.seed, s, attempt, 77, 0) < rate;
}

/** The item's fate from stage `entry` on (valid when no stage from `entry` has a timeout). */
export function predict(c: CaseSpec, key: number, entry: number): Prediction {
  const retries = c.stages.map(() => 0);
  const skipped = c.stages.map(() => false);
  let value = key * 1000;
  for (let s = entry; s < c.stages.length; s++) {
    const stage = c.stages[s];
    if (skips(c, s, key)) {
      skipped[s] = true;
      continue;
    }
    const attempts = stage.attempts;
    if (stage.retry === "per_task") {
      for (let t = 0; t < stage.tasks.length; t++) {
        for (let a = 1;; a++) {
          if (!taskFails(c, key, s, t, a)) break;
          if (a === attempts || refuses(c, s, a)) {
            return { failedAt: s, failedAttempt: a, retries, skipped, value };
          }
          retries[s]++;
        }
      }
    } else {
      for (let a = 1;; a++) {
        const fails = stage.tasks.some((_, t) => taskFails(c, key, s, t, a));
        if (!fails) break;
        if (a === attempts || refuses(c, s, a)) {
          return { failedAt: s, failedAttempt: a, retries, skipped, value };
        }
        retries[s]++;
      }
    }
    value += stage.tasks.length;
  }
  return { failedAt: -1, failedAttempt: 0, retries, skipped, value };
}

/** Whether outcomes are predictable from stage `entry` on (no timeouts there). */
export function predictable(c: CaseSpec, entry: number): boolean {
  return c.stages.slice(entry).every((s) => s.timeoutMs === undefined);
}

/** The input of stage `stage` for an item that entered at `entry` (skips add no tasks). */
export function inputOf(c: CaseSpec, key: number, entry: number, stage: number): number {
  let value = key * 1000;
  for (let s = entry; s < stage; s++) if (!skips(c, s, key)) value += c.stages[s].tasks.length;
  return value;
}
