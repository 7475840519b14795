import type { ErrorSummary } from "../tracker/error_summary.ts";
import { copyRun, type RunCounts, type RunSnapshot } from "../tracker/run_event.ts";
import type { Batch } from "./batch.ts";
import type {
  DashboardProtocol,
  DashboardSnapshot,
  PipelineLike,
  PipelineResult,
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
  #batch: Batch;
  #dashboard: DashboardProtocol;
  #intervalMs: number;
  #report: (error: unknown, where: string) => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #updating = false;

  constructor(
    pipeline: PipelineLike,
    batch: Batch,
    dashboard: DashboardProtocol,
    intervalMs: number,
    report: (error: unknown, where: string) => void,
  ) {
    this.#pipeline = pipeline;
    this.#batch = batch;
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
        snapshot = { ...this.#pipeline.getDashboardSnapshot(), run: this.#runSnapshot() };
      } catch (error) {
        this.#report(error, "getDashboardSnapshot");
        return;
      }
      await this.#call("onUpdate", () => this.#dashboard.onUpdate(snapshot));
    } finally {
      this.#updating = false;
    }
  }

  #runSnapshot(): RunSnapshot {
    return { ...copyRun(this.#batch.run), errorsByType: { ...this.#batch.errorsByType } };
  }

  async #call(name: string, call: () => void | Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.#report(error, `dashboard ${name}`);
    }
  }
}

/**
 * `progress: true`: a plain line through `console.log` every couple of seconds and at the end.
 * It needs nothing but `console`, so it works on every runtime, edge included. Every number is
 * this run's: the snapshots it gets carry the run's own counts (`snapshot.run`), so other runs
 * sharing the pipeline do not show up in it.
 *
 * @internal
 */
export class ConsoleProgress implements DashboardProtocol {
  #total: number | undefined;
  #started = 0;
  #counts: RunCounts = { completed: 0, failed: 0, skipped: 0, cancelled: 0 };

  onStart(_pipeline: PipelineLike, total: number | undefined): void {
    this.#total = total;
    this.#started = performance.now();
    console.log(`AntFlow: started${total === undefined ? "" : ` ${total} items`}`);
  }

  onUpdate(snapshot: DashboardSnapshot): void {
    if (snapshot.run !== undefined) this.#counts = snapshot.run.counts;
    console.log(`AntFlow: ${this.#line(snapshot.pipelineStats.itemsInFlight)}`);
  }

  onFinish(_results: PipelineResult[], _summary: ErrorSummary): void {
    const seconds = (performance.now() - this.#started) / 1000;
    const failedNow = this.#counts.failed;
    const failed = failedNow > 0 ? ` (${failedNow} failed)` : "";
    console.log(`AntFlow: finished in ${seconds.toFixed(1)} s${failed}`);
  }

  #line(inFlight: number): string {
    const { completed, skipped, failed, cancelled } = this.#counts;
    const ok = completed + skipped;
    const done = ok + failed + cancelled;
    const seconds = Math.max((performance.now() - this.#started) / 1000, 1e-3);
    const total = this.#total;
    const share = total === undefined
      ? `${done} items done`
      : `${done}/${total} items (${(total === 0 ? 100 : (done / total) * 100).toFixed(1)}%)`;
    return `${share} | ${ok} ok, ${failed} failed, ${cancelled} cancelled | ` +
      `${(done / seconds).toFixed(1)} items/s | ${inFlight} in flight`;
  }
}
