/** Shared pieces of the cluster-view tests: a two-stage pipeline with a tracker, quick timings. */
import { Pipeline, Stage, type StatusTracker } from "../../mod.ts";

/** Heartbeats every 100 ms, gone after 1 s without one: quick enough for tests. */
export const QUICK = { heartbeatMs: 100, workersTtlMs: 1000 } as const;

/**
 * Square (per_task retries; `n === 13` always fails) then "Label it", recording into `tracker`.
 * `onRun` sees every task start.
 */
export function clusterPipeline(
  tracker: StatusTracker | undefined,
  options: { delayMs?: number; onRun?: (stage: string, n: number) => void } = {},
): Pipeline<number, string> {
  const { delayMs = 0, onRun } = options;
  const pause = () => delayMs > 0 ? new Promise((r) => setTimeout(r, delayMs)) : undefined;
  return new Pipeline({
    statusTracker: tracker,
    stages: [
      new Stage({
        name: "Square",
        workers: 4,
        taskAttempts: 2,
        taskWaitMs: 5,
        tasks: [async function square(n: number) {
          onRun?.("Square", n);
          await pause();
          if (n === 13) throw new TypeError("13 is unlucky");
          return n * n;
        }],
      }),
      new Stage({
        name: "Label it",
        workers: 2,
        tasks: [async function label(n: number) {
          onRun?.("Label it", n);
          await pause();
          return `#${n}`;
        }],
      }),
    ],
  });
}

/** Every status at zero but those given. */
export function counts(
  some: Partial<Record<string, number>>,
): Record<string, number> {
  return {
    queued: 0,
    in_progress: 0,
    completed: 0,
    failed: 0,
    retrying: 0,
    skipped: 0,
    cancelled: 0,
    ...some,
  };
}
