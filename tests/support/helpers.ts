/** Small helpers shared by the engine tests. */
import { StatusTracker } from "../../mod.ts";

/** Counts concurrent entries into a section, remembering the peak. */
export class PeakCounter {
  active = 0;
  peak = 0;
  enter(): void {
    this.active++;
    if (this.active > this.peak) this.peak = this.active;
  }
  leave(): void {
    this.active--;
  }
  /** Wraps an async function so every call is counted. */
  wrap<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      this.enter();
      try {
        return await fn(...args);
      } finally {
        this.leave();
      }
    };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A tracker that records every status and task event as compact strings. */
export function recordingTracker(): { tracker: StatusTracker; log: string[] } {
  const tracker = new StatusTracker();
  const log: string[] = [];
  tracker.addEventListener("status", (e) => {
    const d = e.detail;
    const meta = Object.keys(d.metadata).length > 0 ? ` ${JSON.stringify(d.metadata)}` : "";
    log.push(`S:${d.itemId}:${d.status}:${d.stage}:${d.worker}${meta}`);
  });
  for (const type of ["taskstart", "taskcomplete", "taskretry", "taskfail"] as const) {
    tracker.addEventListener(type, (e) => {
      const d = e.detail;
      const err = d.error === undefined ? "" : `:${(d.error as Error).message}`;
      log.push(`T:${d.itemId}:${d.eventType}:${d.stage}:${d.taskName}:${d.attempt}${err}`);
    });
  }
  return { tracker, log };
}

/** A promise with its resolver, for tasks that wait for the test. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
