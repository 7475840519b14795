import type { Engine } from "./engine.ts";
import type { PipelineStats, WorkerMetrics, WorkerState } from "./types.ts";

/**
 * The plain-data views of a pipeline's engine that `Pipeline.getStats()` and friends return.
 *
 * @internal
 */

/** The pipeline's counters. */
export function statsOf(engine: Engine): PipelineStats {
  const queueSizes: Record<string, number> = {};
  const stageStats: PipelineStats["stageStats"] = {};
  for (const runtime of engine.stages) {
    queueSizes[runtime.name] = runtime.queue.size;
    stageStats[runtime.name] = runtime.stats();
  }
  return {
    itemsProcessed: engine.processed,
    itemsFailed: engine.failed,
    itemsCancelled: engine.cancelled,
    itemsInFlight: engine.fed - engine.processed - engine.failed - engine.cancelled,
    queueSizes,
    stageStats,
  };
}

/** Every worker's state by name; from now on workers note when each item starts. */
export function workerStatesOf(engine: Engine): Record<string, WorkerState> {
  const out: Record<string, WorkerState> = {};
  for (const runtime of engine.stages) {
    for (const slot of runtime.slots) {
      slot.observed = true;
      out[slot.name] = slot.state();
    }
  }
  return out;
}

/** Every worker's counters by name. */
export function workerMetricsOf(engine: Engine): Record<string, WorkerMetrics> {
  const out: Record<string, WorkerMetrics> = {};
  for (const runtime of engine.stages) {
    for (const slot of runtime.slots) out[slot.name] = slot.metrics();
  }
  return out;
}

/** Worker names by stage. */
export function workerNamesOf(engine: Engine): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const runtime of engine.stages) out[runtime.name] = runtime.slots.map((s) => s.name);
  return out;
}
