import { PipelineError } from "../errors.ts";
import type { ItemId } from "../tracker/types.ts";
import type { Envelope } from "./envelope.ts";
import type { StageRuntime } from "./stage_runtime.ts";
import type { TaskContext } from "./types.ts";
import type { WorkerSlot } from "./worker_slot.ts";

/**
 * The `ctx` of one task attempt: a fresh object per attempt, so a context a task keeps (or hands
 * to code that runs later) keeps describing its own attempt. Its signal is the run's signal, or,
 * when the stage has a task timeout, an attempt signal that also aborts when the attempt times out.
 * Every field is an own, enumerable property; the methods sit on the prototype.
 *
 * @internal
 */
export class AttemptContext implements TaskContext {
  readonly itemId: ItemId;
  readonly stage: string;
  readonly task: string;
  readonly worker: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
  #runtime: StageRuntime;
  #slot: WorkerSlot;
  #envelope: Envelope;

  constructor(
    runtime: StageRuntime,
    slot: WorkerSlot,
    envelope: Envelope,
    task: string,
    attempt: number,
    signal: AbortSignal,
  ) {
    this.itemId = envelope.id;
    this.stage = runtime.name;
    this.task = task;
    this.worker = slot.name;
    this.attempt = attempt;
    this.signal = signal;
    this.#runtime = runtime;
    this.#slot = slot;
    this.#envelope = envelope;
  }

  setStatus(text: string, minIntervalMs = 0): boolean {
    const slot = this.#slot;
    if (slot.envelope !== this.#envelope || this.#envelope.done) return false;
    const now = performance.now();
    if (minIntervalMs > 0 && now - slot.lastStatusAt < minIntervalMs) return false;
    slot.lastStatusAt = now;
    slot.currentTask = String(text);
    return true;
  }

  concurrencyLimit<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    const semaphore = this.#runtime.callSemaphore;
    if (semaphore === undefined) {
      throw new PipelineError(
        `ctx.concurrencyLimit() was called in stage "${this.stage}", which has no callConcurrency: set callConcurrency on the Stage to use it`,
      );
    }
    return semaphore.run(fn, { signal: this.signal });
  }

  rateLimit<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    const limiter = this.#runtime.rateLimiter;
    if (limiter === undefined) {
      throw new PipelineError(
        `ctx.rateLimit() was called in stage "${this.stage}", which has no callRate: set callRate (and callRatePeriodMs) on the Stage to use it`,
      );
    }
    return limiter.run(fn, { signal: this.signal });
  }

  hasRateCapacity(amount = 1): boolean {
    return this.#runtime.rateLimiter?.hasCapacity(amount) ?? true;
  }
}
