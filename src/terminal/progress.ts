import type { ErrorSummary, FailedItem } from "../tracker/error_summary.ts";
import type { RunSnapshot } from "../tracker/run_event.ts";
import type {
  DashboardSnapshot,
  PipelineStats,
  StageStats,
  WorkerMetrics,
} from "../pipeline/types.ts";

/** What the pipeline's counters held when this run started (they are cumulative across runs). */
export interface Baseline {
  /** Epoch ms at `onStart`. */
  startedAt: number;
  stats?: PipelineStats;
  workerMetrics: Record<string, WorkerMetrics>;
  errorsByType: Record<string, number>;
}

/** One stage's counters for this run. */
export interface StageView {
  name: string;
  workers: number;
  busy: number;
  pending: number;
  done: number;
  failed: number;
}

/** One worker's numbers for this run. */
export interface WorkerCounts {
  processed: number;
  failed: number;
  /** Average milliseconds per processed item during this run. */
  avgMs: number;
}

/** Everything a frame shows, computed from one snapshot. */
export interface ProgressView {
  ok: number;
  failed: number;
  cancelled: number;
  /** `ok + failed + cancelled`. */
  done: number;
  inFlight: number;
  total: number | undefined;
  /** Stage-weighted share of `total` in [0, 1]; never goes back; 1 only when `done >= total`. */
  fraction: number | undefined;
  elapsedMs: number;
  /** Finished items per second. */
  rate: number;
  etaMs: number | undefined;
  stages: StageView[];
  snapshot: DashboardSnapshot;
}

const ZERO_STAGE: StageStats = {
  stageName: "",
  pendingItems: 0,
  inProgressItems: 0,
  completedItems: 0,
  failedItems: 0,
};

function delta(now: number, before: number | undefined): number {
  return Math.max(0, now - (before ?? 0));
}

/**
 * Turns snapshots into this run's numbers: counters minus the baseline, rate, ETA and a
 * stage-weighted fraction. An item waiting for or inside stage `j` of `S` counts `j / S` done,
 * so a multi-stage run moves smoothly; the fraction is clamped so it never goes back, and it
 * reaches 1 only when every item is finished (failures and cancellations included).
 */
export class RunProgress {
  #baseline: Baseline;
  #total: number | undefined;
  #fraction = 0;
  /** The run's own numbers, from the latest snapshot that carried them. */
  #run: RunSnapshot | undefined;

  constructor(baseline: Baseline, total: number | undefined) {
    this.#baseline = baseline;
    this.#total = total;
  }

  get startedAt(): number {
    return this.#baseline.startedAt;
  }

  view(snapshot: DashboardSnapshot): ProgressView {
    if (snapshot.run !== undefined) this.#run = snapshot.run;
    const stats = snapshot.pipelineStats;
    const base = this.#baseline.stats;
    // A run's own counts when the snapshot carries them (other runs may share the pipeline);
    // otherwise the pipeline's counters minus their values at the start.
    const counts = snapshot.run?.counts;
    const ok = counts !== undefined
      ? counts.completed + counts.skipped
      : delta(stats.itemsProcessed, base?.itemsProcessed);
    const failed = counts?.failed ?? delta(stats.itemsFailed, base?.itemsFailed);
    const cancelled = counts?.cancelled ?? delta(stats.itemsCancelled, base?.itemsCancelled);
    const done = ok + failed + cancelled;
    const stages = this.#stages(snapshot);
    const elapsedMs = Math.max(0, snapshot.timestamp - this.#baseline.startedAt);
    const rate = done / Math.max(elapsedMs / 1000, 1e-3);
    const total = this.#total;
    let fraction: number | undefined;
    let etaMs: number | undefined;
    if (total !== undefined) {
      fraction = this.#advance(done, stages, total);
      if (fraction >= 1) etaMs = 0;
      else if (fraction > 0) etaMs = (elapsedMs * (1 - fraction)) / fraction;
    }
    return {
      ok,
      failed,
      cancelled,
      done,
      inFlight: stats.itemsInFlight,
      total,
      fraction,
      elapsedMs,
      rate,
      etaMs,
      stages,
      snapshot,
    };
  }

  /** This run's failures, newest first (the tracker may hold older runs' too). */
  failures(summary: ErrorSummary): FailedItem[] {
    const since = this.#baseline.startedAt;
    return summary.failedItems
      .filter((f) => f.timestamp >= since)
      .sort((a, b) => b.timestamp - a.timestamp);
  }

  /** This run's failure counts by error type, largest first. */
  errorsByType(summary: ErrorSummary): [string, number][] {
    const own = this.#run?.errorsByType;
    if (own !== undefined) {
      return Object.entries(own).filter(([, count]) => count > 0).sort((a, b) => b[1] - a[1]);
    }
    const before = this.#baseline.errorsByType;
    return Object.entries(summary.errorsByType)
      .map(([type, count]): [string, number] => [type, count - (before[type] ?? 0)])
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1]);
  }

  /**
   * A worker's items processed and failed during this run, and its average time per item over
   * this run (`totalProcessingTime / itemsProcessed`, both counted from the run's start; 0 before
   * the first item).
   */
  workerCounts(metrics: WorkerMetrics | undefined): WorkerCounts {
    if (metrics === undefined) return { processed: 0, failed: 0, avgMs: 0 };
    const before = this.#baseline.workerMetrics[metrics.workerName];
    const processed = delta(metrics.itemsProcessed, before?.itemsProcessed);
    const busyMs = delta(metrics.totalProcessingTime, before?.totalProcessingTime);
    return {
      processed,
      failed: delta(metrics.itemsFailed, before?.itemsFailed),
      avgMs: processed > 0 ? busyMs / processed : 0,
    };
  }

  /** How many items failed during this run, from the errors by type (0 if none). */
  failedCount(summary: ErrorSummary): number {
    return this.errorsByType(summary).reduce((sum, [, count]) => sum + count, 0);
  }

  #advance(done: number, stages: StageView[], total: number): number {
    if (done >= total) return (this.#fraction = 1);
    let credit = 0;
    stages.forEach((stage, index) => {
      credit += ((stage.pending + stage.busy) * index) / stages.length;
    });
    const next = Math.min((done + credit) / total, 0.9999);
    this.#fraction = Math.max(this.#fraction, next);
    return this.#fraction;
  }

  #stages(snapshot: DashboardSnapshot): StageView[] {
    const workers: Record<string, number> = {};
    for (const state of Object.values(snapshot.workerStates)) {
      workers[state.stage] = (workers[state.stage] ?? 0) + 1;
    }
    const before = this.#baseline.stats?.stageStats ?? {};
    return Object.entries(snapshot.pipelineStats.stageStats).map(([name, stage]) => {
      const base = before[name] ?? ZERO_STAGE;
      return {
        name,
        workers: workers[name] ?? 0,
        busy: stage.inProgressItems,
        pending: stage.pendingItems,
        done: delta(stage.completedItems, base.completedItems),
        failed: delta(stage.failedItems, base.failedItems),
      };
    });
  }
}
