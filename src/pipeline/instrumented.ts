import { startAttempt } from "./attempt.ts";
import type { Batch } from "./batch.ts";
import { type Envelope, NO_PASSAGE } from "./envelope.ts";
import type {
  PipelineInstrumentation,
  RunInstrumentation,
  RunKind,
  StageOutcome,
} from "./instrument.ts";
import type { StageRuntime } from "./stage_runtime.ts";
import type { WorkerSlot } from "./worker_slot.ts";

/**
 * The engine's side of the instrumentation seam: the calls into a run's
 * {@linkcode RunInstrumentation}, made only when the run has one (the worker checks
 * `batch.instrument !== undefined` once per phase; nothing here runs otherwise).
 *
 * @module
 * @internal
 */

/**
 * A run begins: asks the instrumentation for the run's hooks, synchronously in the caller's call.
 * A throwing instrumentation is reported and leaves the run uninstrumented.
 */
export function startRun(
  instrumentation: PipelineInstrumentation,
  batch: Batch,
  kind: RunKind,
  report: (error: unknown, where: string) => void,
): void {
  try {
    batch.instrument = instrumentation.startRun({
      runId: batch.run.runId,
      kind,
      startedAt: batch.run.startedAt,
    });
  } catch (error) {
    report(error, "instrumentation.startRun");
  }
}

/** A worker took the item into its stage. */
export function enterStage(
  instrument: RunInstrumentation,
  runtime: StageRuntime,
  slot: WorkerSlot,
  envelope: Envelope,
): void {
  envelope.passage = instrument.enterStage({
    runId: envelope.batch.run.runId,
    itemId: envelope.id,
    sequenceId: envelope.sequenceId,
    stage: runtime.name,
    stageIndex: runtime.index,
    worker: slot.name,
    attempt: envelope.attempt,
    retry: runtime.stage.retry,
    trace: envelope.trace,
  });
}

/**
 * Starts one attempt through `wrapAttempt` (returns what `startAttempt` returns). The closure is
 * made here, not in the worker loop: a closure there would make the loop's variables live in a
 * heap context allocated per item, instrumented or not.
 */
export function wrapAttempt(
  instrument: RunInstrumentation,
  runtime: StageRuntime,
  slot: WorkerSlot,
  envelope: Envelope,
  taskIndex: number,
  value: unknown,
  attempt: number,
): unknown {
  const call = (): unknown => startAttempt(runtime, slot, envelope, taskIndex, value, attempt);
  return instrument.wrapAttempt(envelope.passage, {
    itemId: envelope.id,
    stage: runtime.name,
    task: runtime.stage.taskNames[taskIndex],
    taskIndex,
    worker: slot.name,
    attempt,
    retry: runtime.stage.retry,
  }, call);
}

/** The item's passage through its stage ended; the item keeps the trace context it returns. */
export function leaveStage(
  instrument: RunInstrumentation,
  envelope: Envelope,
  outcome: StageOutcome,
  error: unknown,
): void {
  const passage = envelope.passage;
  envelope.passage = NO_PASSAGE;
  const trace = instrument.leaveStage(passage, outcome, error);
  if (trace !== undefined) envelope.trace = trace;
}

/**
 * An item was cancelled: its passage ends if a worker held it, otherwise the run hears of an item
 * cancelled in a queue.
 */
export function cancelled(
  instrument: RunInstrumentation,
  runtime: StageRuntime | undefined,
  envelope: Envelope,
  reason: unknown,
): void {
  if (envelope.passage !== NO_PASSAGE) {
    leaveStage(instrument, envelope, "cancelled", reason);
    return;
  }
  instrument.cancelled({
    runId: envelope.batch.run.runId,
    itemId: envelope.id,
    sequenceId: envelope.sequenceId,
    stage: runtime?.name ?? "",
    trace: envelope.trace,
  }, reason);
}
