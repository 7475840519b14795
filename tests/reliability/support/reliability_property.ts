/**
 * Runs generated cases and wraps `fc.assert` for the reliability suite: the number of cases comes
 * from `ANTFLOW_FUZZ_RUNS` (default 200 per property), a failure can be replayed with
 * `ANTFLOW_FUZZ_SEED` and `ANTFLOW_FUZZ_PATH`, and the failure message always carries both.
 */
import fc from "fast-check";
import { buildCase, sleep } from "./reliability_build.ts";
import { checkCase } from "./reliability_check.ts";
import { drive, type Outcome } from "./reliability_drive.ts";
import type { CaseSpec } from "./reliability_model.ts";
import { Observation, within } from "./reliability_observe.ts";
import { env } from "./reliability_env.ts";
import { clock } from "./reliability_clock.ts";

export { env };

/** A generous bound on one case: every promise of a case must settle well within it. */
export const WATCHDOG_MS = 10_000;
/** A case whose events and task attempts stop moving for this long is hung (cases take ~30 ms). */
export const STALL_MS = 2_000;

/** Totals over every case run in this process (for the summary lines and RELIABILITY.md). */
export const totals = {
  cases: 0,
  items: 0,
  attempts: 0,
  failuresInjected: 0,
  hangsInjected: 0,
  callbackErrors: 0,
  aborts: 0,
  events: 0,
};

/** Runs one case end to end and throws with every violated invariant. */
export async function runCase(c: CaseSpec): Promise<void> {
  const { pipeline, tracker, probe } = buildCase(c);
  const observation = new Observation(tracker, probe, c.throwingListener);
  const consoleErrors: string[] = [];
  const originalError = console.error;
  clock.install();
  console.error = (...args: unknown[]) => void consoleErrors.push(args.map(String).join(" "));
  const describe = (): string => {
    const stats = JSON.stringify(pipeline.getStats());
    const busy = Object.values(pipeline.getWorkerStates()).filter((w) => w.status === "busy");
    const last = `S${c.stages.length - 1}`;
    const open = [...observation.events].filter(([, list]) => {
      const { status, stage } = list[list.length - 1];
      return !(status === "failed" || status === "cancelled" ||
        ((status === "completed" || status === "skipped") && stage === last));
    }).map(([id, list]) => `${id}: ${list.map((e) => `${e.status}@${e.stage}`).join(" > ")}`);
    return `stats ${stats}; busy workers ${JSON.stringify(busy)}; ` +
      `items without a terminal state: ${open.join("; ") || "none"}`;
  };
  let outcome: Outcome;
  try {
    try {
      const progress = {
        read: () => observation.statusEvents + observation.taskEvents + probe.attempts,
        stallMs: STALL_MS,
      };
      const driving = drive(c, pipeline, observation);
      outcome = await within(WATCHDOG_MS, `${c.mode}()`, driving, describe, progress);
      const pending = Promise.all(probe.pending);
      await within(WATCHDOG_MS, "the case's task promises", pending, describe, progress);
      await sleep(0);
    } catch (error) {
      // Leave nothing running behind a hung case (without waiting long for it either).
      await Promise.race([pipeline.shutdown(), sleep(1000)]);
      throw error;
    }
    const problems = checkCase(c, outcome, pipeline, tracker, probe, observation);
    observation.detach();
    for (const type of ["status", "taskstart", "taskcomplete", "taskretry", "taskfail", "error"]) {
      const left = tracker.listenerCount(type as "status");
      if (left !== 0) {
        problems.push(`${left} "${type}" listeners left on the tracker after the run`);
      }
    }
    problems.push(...consoleErrors.map((line) => `console.error: ${line}`));
    totals.cases++;
    totals.items += outcome.idOfKey.size;
    totals.attempts += probe.attempts;
    totals.failuresInjected += probe.failuresInjected;
    totals.hangsInjected += probe.hangsInjected;
    totals.callbackErrors += probe.thrown;
    totals.aborts += outcome.abortTriggered || outcome.streamCancelled ? 1 : 0;
    totals.events += observation.statusEvents + observation.taskEvents;
    if (problems.length > 0) {
      const shown = problems.slice(0, 12);
      if (problems.length > 12) shown.push(`… and ${problems.length - 12} more`);
      throw new Error(`${problems.length} invariant(s) violated:\n  ${shown.join("\n  ")}`);
    }
  } finally {
    console.error = originalError;
    clock.uninstall();
    observation.detach();
  }
}

/** The fast-check parameters: runs, seed and path from the environment. */
export function parameters(defaultRuns: number): fc.Parameters<unknown> {
  const runs = Number(env("ANTFLOW_FUZZ_RUNS") ?? defaultRuns);
  const seed = env("ANTFLOW_FUZZ_SEED");
  const path = env("ANTFLOW_FUZZ_PATH");
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns,
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
    // Shrinking re-runs cases, and a hung one waits for the stall detector each time: bound the
    // whole property (a failure found before the limit is still reported, shrunk as far as it got).
    interruptAfterTimeLimit: Number(
      env("ANTFLOW_FUZZ_TIME_LIMIT_MS") ??
        30_000 + 100 * (Number.isInteger(runs) ? runs : defaultRuns),
    ),
    markInterruptAsFailure: false,
  };
}

/**
 * `fc.assert` over generated cases. On failure the error message starts with the replay command
 * (seed and path), followed by fast-check's report (counterexample and the violated invariants).
 */
export async function assertCases(
  name: string,
  arbitrary: fc.Arbitrary<CaseSpec>,
  defaultRuns = 200,
): Promise<{ cases: number; ms: number }> {
  const params = parameters(defaultRuns);
  const before = totals.cases;
  const started = performance.now();
  const details = await fc.check(fc.asyncProperty(arbitrary, runCase), params);
  const ms = performance.now() - started;
  if (details.failed) {
    const replay =
      `ANTFLOW_FUZZ_SEED=${details.seed} ANTFLOW_FUZZ_PATH="${details.counterexamplePath}"`;
    const report = fc.defaultReportMessage(details) ?? "";
    const error = details.errorInstance;
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`property "${name}" failed; replay with ${replay}\n${report}\nGot: ${why}`);
  }
  if (details.interrupted) {
    console.log(`property "${name}": time limit reached after ${details.numRuns} cases`);
  }
  return { cases: totals.cases - before, ms };
}
