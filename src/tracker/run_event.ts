/** How many of a run's items ended in each terminal state. */
export interface RunCounts {
  /** Items that completed the final stage. */
  completed: number;
  /** Items that failed for good. */
  failed: number;
  /** Items skipped at the final stage (their terminal state is `skipped`). */
  skipped: number;
  /** Items cancelled by an abort or shutdown. */
  cancelled: number;
}

/**
 * One run's lifecycle (the `detail` of the tracker's `runstart` and `runend` events): a run is
 * one `run()`, one `stream()`, or the `feed()` calls up to the `join()` that waits for them.
 * `runId` is the same in both events; `endedAt` and the final `counts` come with `runend`.
 */
export interface RunEvent {
  /** The run's id (a random UUID, unique across processes). */
  runId: string;
  /** When it started, epoch ms. */
  startedAt: number;
  /** When its last item reached a terminal state (or it was aborted), epoch ms; `runend` only. */
  endedAt?: number;
  /** Its items by terminal state so far (all zeros in `runstart`). */
  counts: RunCounts;
}

/**
 * A run as a dashboard driven by `run(items, { dashboard })` sees it (`DashboardSnapshot.run`):
 * the lifecycle data plus this run's failures by error type.
 */
export interface RunSnapshot extends RunEvent {
  /** This run's failures by error `name`. */
  errorsByType: Record<string, number>;
}

/** The names of the run lifecycle events. */
export type RunEventType = "runstart" | "runend";

/** A copy of a run's state, safe to hand to listeners (they may keep or change it). */
export function copyRun(run: RunEvent): RunEvent {
  const copy: RunEvent = { runId: run.runId, startedAt: run.startedAt, counts: { ...run.counts } };
  if (run.endedAt !== undefined) copy.endedAt = run.endedAt;
  return copy;
}
