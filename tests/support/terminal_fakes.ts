/** A fake pipeline and snapshot builders for the terminal display tests. */
import { ErrorSummary, type FailedItem } from "../../src/tracker/error_summary.ts";
import type {
  DashboardSnapshot,
  PipelineLike,
  PipelineStats,
  StageStats,
  WorkerMetrics,
  WorkerState,
} from "../../src/pipeline/types.ts";

/** The mutable state behind a {@linkcode FakePipeline}. */
export interface FakeState {
  processed: number;
  failed: number;
  cancelled: number;
  inFlight: number;
  stages: Record<string, Partial<StageStats>>;
  workers: Record<string, Partial<WorkerState> & { stage: string }>;
  metrics: Record<string, Partial<WorkerMetrics>>;
  failures: FailedItem[];
  errorsByType: Record<string, number>;
  /** Added to `Date.now()` in snapshot timestamps, to simulate time passing. */
  clockOffsetMs: number;
}

/** A `PipelineLike` whose numbers a test sets by hand. */
export class FakePipeline implements PipelineLike {
  state: FakeState = {
    processed: 0,
    failed: 0,
    cancelled: 0,
    inFlight: 0,
    stages: {},
    workers: {},
    metrics: {},
    failures: [],
    errorsByType: {},
    clockOffsetMs: 0,
  };

  constructor(state: Partial<FakeState> = {}) {
    Object.assign(this.state, state);
  }

  getStats(): PipelineStats {
    const s = this.state;
    const stageStats: Record<string, StageStats> = {};
    const queueSizes: Record<string, number> = {};
    for (const [name, stage] of Object.entries(s.stages)) {
      stageStats[name] = {
        stageName: name,
        pendingItems: 0,
        inProgressItems: 0,
        completedItems: 0,
        failedItems: 0,
        ...stage,
      };
      queueSizes[name] = stageStats[name].pendingItems;
    }
    return {
      itemsProcessed: s.processed,
      itemsFailed: s.failed,
      itemsCancelled: s.cancelled,
      itemsInFlight: s.inFlight,
      queueSizes,
      stageStats,
    };
  }

  getWorkerStates(): Record<string, WorkerState> {
    const out: Record<string, WorkerState> = {};
    for (const [name, w] of Object.entries(this.state.workers)) {
      out[name] = { workerName: name, status: "idle", ...w };
    }
    return out;
  }

  getWorkerMetrics(): Record<string, WorkerMetrics> {
    const out: Record<string, WorkerMetrics> = {};
    for (const [name, w] of Object.entries(this.state.workers)) {
      out[name] = {
        workerName: name,
        stage: w.stage,
        itemsProcessed: 0,
        itemsFailed: 0,
        totalProcessingTime: 0,
        avgProcessingTime: 0,
        ...this.state.metrics[name],
      };
    }
    return out;
  }

  getWorkerNames(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [name, w] of Object.entries(this.state.workers)) (out[w.stage] ??= []).push(name);
    return out;
  }

  getErrorSummary(): ErrorSummary {
    const s = this.state;
    return new ErrorSummary(s.failed, { ...s.errorsByType }, {}, [...s.failures]);
  }

  getDashboardSnapshot(): DashboardSnapshot {
    return {
      workerStates: this.getWorkerStates(),
      workerMetrics: this.getWorkerMetrics(),
      pipelineStats: this.getStats(),
      errorSummary: this.getErrorSummary(),
      timestamp: Date.now() + this.state.clockOffsetMs,
    };
  }
}

/** Collects what a display writes. */
export function recorder(): {
  write: (text: string) => void;
  chunks: string[];
  text: () => string;
} {
  const chunks: string[] = [];
  return { write: (text) => void chunks.push(text), chunks, text: () => chunks.join("") };
}

/** A failed item for `FakeState.failures`. */
export function failure(itemId: string | number, fields: Partial<FailedItem> = {}): FailedItem {
  return {
    itemId,
    error: "boom",
    errorType: "Error",
    stage: "Work",
    attempts: 1,
    timestamp: Date.now(),
    ...fields,
  };
}
