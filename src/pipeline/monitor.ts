import type { ErrorSummary } from "../tracker/error_summary.ts";
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

/**
 * `progress: true`: a plain line through `console.log` every couple of seconds and at the end.
 * It needs nothing but `console`, so it works on every runtime, edge included.
 *
 * @internal
 */
export class ConsoleProgress implements DashboardProtocol {
  #total: number | undefined;
  #started = 0;

  onStart(_pipeline: PipelineLike, total: number | undefined): void {
    this.#total = total;
    this.#started = performance.now();
    console.log(`AntFlow: started${total === undefined ? "" : ` ${total} items`}`);
  }

  onUpdate(snapshot: DashboardSnapshot): void {
    console.log(`AntFlow: ${this.#line(snapshot)}`);
  }

  onFinish(_results: PipelineResult[], summary: ErrorSummary): void {
    const seconds = (performance.now() - this.#started) / 1000;
    const failed = summary.totalFailed > 0 ? ` (${summary.totalFailed} failed)` : "";
    console.log(`AntFlow: finished in ${seconds.toFixed(1)} s${failed}`);
  }

  #line(snapshot: DashboardSnapshot): string {
    const stats = snapshot.pipelineStats;
    const done = stats.itemsProcessed + stats.itemsFailed + stats.itemsCancelled;
    const seconds = Math.max((performance.now() - this.#started) / 1000, 1e-3);
    const total = this.#total;
    const share = total === undefined
      ? `${done} items done`
      : `${done}/${total} items (${total === 0 ? 100 : ((done / total) * 100).toFixed(1)}%)`;
    return `${share} | ${stats.itemsProcessed} ok, ${stats.itemsFailed} failed, ${stats.itemsCancelled} cancelled | ` +
      `${(done / seconds).toFixed(1)} items/s | ${stats.itemsInFlight} in flight`;
  }
}
