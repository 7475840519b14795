import { RateLimiter } from "../limits/rate_limiter.ts";
import { type NameRef, NO_NAME } from "../tracker/names.ts";
import { Semaphore } from "../limits/semaphore.ts";
import type { EventOrigin } from "../tracker/sink.ts";
import type { Envelope } from "./envelope.ts";
import type { QueueBackend } from "./queue_backend.ts";
import type { Stage } from "./stage.ts";
import type { StageStats } from "./types.ts";
import { WorkerSlot } from "./worker_slot.ts";

/**
 * A stage's moving parts inside one pipeline: its queue, worker slots, limits and counters. As an
 * event origin it stands for the stage itself (`queued` and cancellations carry no worker).
 *
 * @internal
 */
export class StageRuntime implements EventOrigin {
  readonly stage: Stage;
  readonly name: string;
  readonly index: number;
  readonly isLast: boolean;
  readonly slots: WorkerSlot[];
  /**
   * Per task: whether it can read a context. A task declared with exactly one parameter
   * (`(value) => …`) cannot, so its plain attempts get none (no object to build per call).
   */
  readonly wantsContext: readonly boolean[];
  /** One semaphore per task index with a limit (tasks sharing a name share it). */
  readonly taskLimits: (Semaphore | undefined)[];
  readonly callSemaphore: Semaphore | undefined;
  readonly rateLimiter: RateLimiter | undefined;
  /** Its input queue (replaced by a fresh one when the pipeline stops). */
  queue: QueueBackend<Envelope>;
  /** The tracker's reference for this stage's name. */
  stageRef: NameRef = NO_NAME;
  readonly workerRef: NameRef = NO_NAME;
  /**
   * Calls `queue.working()` for the items its workers hold, if the queue asks for it: armed when a
   * worker begins an item, cleared once no worker holds one (an idle pipeline holds no timer).
   */
  keepAlive: ReturnType<typeof setInterval> | undefined = undefined;
  busy = 0;
  completed = 0;
  failed = 0;

  constructor(stage: Stage, index: number, isLast: boolean, queue: QueueBackend<Envelope>) {
    this.stage = stage;
    this.name = stage.name;
    this.index = index;
    this.isLast = isLast;
    this.queue = queue;
    this.slots = Array.from({ length: stage.workers }, (_, i) => new WorkerSlot(stage.name, i));
    this.wantsContext = stage.tasks.map((task) => task.length !== 1);
    const limits = stage.options.taskConcurrencyLimits ?? {};
    const byName = new Map<string, Semaphore>();
    for (const [name, permits] of Object.entries(limits)) byName.set(name, new Semaphore(permits));
    this.taskLimits = stage.taskNames.map((name) => byName.get(name));
    const { callConcurrency, callRate, callRatePeriodMs = 60_000 } = stage.options;
    this.callSemaphore = callConcurrency === undefined ? undefined : new Semaphore(callConcurrency);
    this.rateLimiter = callRate === undefined
      ? undefined
      : new RateLimiter(callRate, callRatePeriodMs);
  }

  /** A worker began an item: keeps the items alive every `queue.keepAliveMs`, if not already. */
  armKeepAlive(): void {
    if (this.keepAlive !== undefined) return;
    const queue = this.queue;
    this.keepAlive = setInterval(() => {
      let held = 0;
      for (const slot of this.slots) {
        if (slot.envelope === null) continue;
        held++;
        queue.working(slot.envelope);
      }
      if (held === 0) this.disarmKeepAlive();
    }, queue.keepAliveMs);
  }

  /** Stops the keep-alive timer (no worker holds an item, or the pipeline stopped). */
  disarmKeepAlive(): void {
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  stats(): StageStats {
    return {
      stageName: this.name,
      pendingItems: this.queue.size,
      inProgressItems: this.busy,
      completedItems: this.completed,
      failedItems: this.failed,
    };
  }
}
