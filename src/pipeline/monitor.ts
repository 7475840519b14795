import type { ErrorSummary } from "../tracker/error_summary.ts";
import type {
  DashboardProtocol,
  DashboardSnapshot,
  PipelineLike,
  PipelineResult,
  PipelineStats,
} from "./types.ts";

/** How often `progress: true` prints a line. */
export const PROGRESS_INTERVAL_MS = 2000;

/**
 * Drives a dashboard during one run: `onStart`, then `onUpdate` with a fresh snapshot every
 * interval (a slow async update skips ticks instead of piling up), then `onFinish`. Every call is
 * awaited and every error reported, never fatal. The timer is cleared at the end.
 *
 * @internal
 */
export class RunMonitor {
  #pipeline: PipelineLike;
  #dashboard: DashboardProtocol;
  #intervalMs: number;
  #report: (error: unknown, where: string) => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #updating = false;

  constructor(
    pipeline: PipelineLike,
    dashboard: DashboardProtocol,
    intervalMs: number,
    report: (error: unknown, where: string) => void,
  ) {
    this.#pipeline = pipeline;
    this.#dashboard = dashboard;
    this.#intervalMs = intervalMs;
    this.#report = report;
  }

  async begin(total: number | undefined): Promise<void> {
    await this.#call("onStart", () => this.#dashboard.onStart(this.#pipeline, total));
    this.#timer = setInterval(() => void this.#update(), this.#intervalMs);
  }

  async finish(results: PipelineResult[], summary: ErrorSummary): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#update();
    await this.#call("onFinish", () => this.#dashboard.onFinish(results, summary));
  }

  async #update(): Promise<void> {
    if (this.#updating) return;
    this.#updating = true;
    try {
      let snapshot: DashboardSnapshot;
      try {
        snapshot = this.#pipeline.getDashboardSnapshot();
      } catch (error) {
        this.#report(error, "getDashboardSnapshot");
        return;
      }
      await this.#call("onUpdate", () => this.#dashboard.onUpdate(snapshot));
    } finally {
      this.#updating = false;
    }
  }

  async #call(name: string, call: () => void | Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.#report(error, `dashboard ${name}`);
    }
  }
}

/** This run's finished items, by outcome. */
interface RunCounts {
  ok: number;
  failed: number;
  cancelled: number;
}

const NO_COUNTS: RunCounts = { ok: 0, failed: 0, cancelled: 0 };

/** The pipeline's counters, or `undefined` if reading them throws (they are only for display). */
function readStats(pipeline: PipelineLike | undefined): PipelineStats | undefined {
  try {
    return pipeline?.getStats();
  } catch {
    return undefined;
  }
}

/**
 * `progress: true`: a plain line through `console.log` every couple of seconds and at the end.
 * It needs nothing but `console`, so it works on every runtime, edge included. The pipeline's
 * counters are cumulative over all its runs, so the counts are taken against their values at
 * `onStart`: every number is this run's.
 *
 * @internal
 */
export class ConsoleProgress implements DashboardProtocol {
  #total: number | undefined;
  #started = 0;
  #pipeline: PipelineLike | undefined;
  #baseline: RunCounts = NO_COUNTS;

  onStart(pipeline: PipelineLike, total: number | undefined): void {
    this.#pipeline = pipeline;
    this.#total = total;
    this.#started = performance.now();
    const stats = readStats(pipeline);
    this.#baseline = stats === undefined ? NO_COUNTS : {
      ok: stats.itemsProcessed,
      failed: stats.itemsFailed,
      cancelled: stats.itemsCancelled,
    };
    console.log(`AntFlow: started${total === undefined ? "" : ` ${total} items`}`);
  }

  onUpdate(snapshot: DashboardSnapshot): void {
    console.log(`AntFlow: ${this.#line(snapshot.pipelineStats)}`);
  }

  onFinish(_results: PipelineResult[], _summary: ErrorSummary): void {
    const seconds = (performance.now() - this.#started) / 1000;
    const stats = readStats(this.#pipeline);
    const failedNow = stats === undefined ? 0 : this.#sinceStart(stats).failed;
    const failed = failedNow > 0 ? ` (${failedNow} failed)` : "";
    this.#pipeline = undefined;
    console.log(`AntFlow: finished in ${seconds.toFixed(1)} s${failed}`);
  }

  /** This run's counts: the counters minus their values at `onStart`. */
  #sinceStart(stats: PipelineStats): RunCounts {
    const base = this.#baseline;
    return {
      ok: Math.max(0, stats.itemsProcessed - base.ok),
      failed: Math.max(0, stats.itemsFailed - base.failed),
      cancelled: Math.max(0, stats.itemsCancelled - base.cancelled),
    };
  }

  #line(stats: PipelineStats): string {
    const { ok, failed, cancelled } = this.#sinceStart(stats);
    const done = ok + failed + cancelled;
    const seconds = Math.max((performance.now() - this.#started) / 1000, 1e-3);
    const total = this.#total;
    const share = total === undefined
      ? `${done} items done`
      : `${done}/${total} items (${(total === 0 ? 100 : (done / total) * 100).toFixed(1)}%)`;
    return `${share} | ${ok} ok, ${failed} failed, ${cancelled} cancelled | ` +
      `${(done / seconds).toFixed(1)} items/s | ${stats.itemsInFlight} in flight`;
  }
}
