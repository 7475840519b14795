import type { StatusTracker, TrackerSink } from "../tracker/status_tracker.ts";
import { trackerSink } from "../tracker/status_tracker.ts";
import { NO_NAME } from "../tracker/names.ts";
import type { EventOrigin } from "../tracker/sink.ts";
import { type ItemId, STATUS, type StatusMetadata } from "../tracker/types.ts";
import type { RunCounts } from "../tracker/run_event.ts";
import { macrotask, yieldEveryMs } from "../utils/macrotask.ts";
import { errorFacts } from "./attempt.ts";
import type { Batch } from "./batch.ts";
import { type Clock, FRESH, StretchClock } from "./clock.ts";
import { Envelope, NO_PASSAGE } from "./envelope.ts";
import { FailureLog } from "./failure_log.ts";
import type {
  QueueBackend,
  QueueBackendFactory,
  QueueBackendHooks,
  QueueRecord,
} from "./queue_backend.ts";
import type { Stage } from "./stage.ts";
import { memoryQueue } from "./stage_queue.ts";
import { StageRuntime } from "./stage_runtime.ts";
import { startWorker } from "./worker.ts";
import type { WorkerHost } from "./worker_loop.ts";
import type { WorkerSlot } from "./worker_slot.ts";
import type { PipelineInstrumentation, RunKind } from "./instrument.ts";
import { cancelled, leaveStage, startRun } from "./instrumented.ts";

/** Steps between two looks at the clock for the event-loop yield. */
const STEPS_PER_CLOCK_READ = 256;

/** The origin of events outside any stage (an item cancelled before it reached a queue). */
const NOWHERE: EventOrigin = { stageRef: NO_NAME, workerRef: NO_NAME };

/**
 * The pipeline's moving parts: stage runtimes, worker loops, counters, and the item registry of
 * every active batch. The public `Pipeline` drives it; the worker loops call back into it through
 * {@linkcode WorkerHost}.
 *
 * @internal
 */
export class Engine implements WorkerHost {
  readonly stages: StageRuntime[];
  readonly tracker: StatusTracker | undefined;
  readonly sink: TrackerSink | undefined;
  processed = 0;
  failed = 0;
  cancelled = 0;
  fed = 0;
  #sequence = 0;
  #running = false;
  readonly batches: Set<Batch> = new Set();
  #queues: QueueBackendFactory<Envelope>;
  /**
   * The open serve batch (see `serve.ts`), if any: the batch that items a backend delivers but
   * this process did not feed are adopted into. Without one, no item is adopted.
   */
  serving: Batch | undefined = undefined;
  /** Items adopted so far (their position in the serve batch's input). */
  #adopted = 0;
  /**
   * Set while every worker waits for a turn of the event loop. Tasks that settle in microtasks
   * would otherwise run a whole pipeline without ever letting timers, I/O or other requests (an
   * SSE client reading the events, a dashboard) run.
   */
  pause: Promise<void> | undefined;
  #steps = 0;
  #lastTurn = 0;
  /** Ids in flight, checked only for caller-chosen ids (default ids are never reused). */
  readonly customIds: Map<ItemId, Envelope> = new Map();

  /** The pipeline's own record of failures (with or without a tracker). */
  readonly failures: FailureLog;
  /** Follows runs, items and attempts (traces, metrics), if set. */
  readonly instrumentation: PipelineInstrumentation | undefined;

  /**
   * @param queues Creates each stage's queue (`PipelineOptions.queueBackend`); the in-memory queue
   *   by default.
   * @param instrumentation Follows runs, items and attempts (`PipelineOptions.instrumentation`).
   */
  constructor(
    stages: readonly Stage[],
    tracker: StatusTracker | undefined,
    failureLimit: number,
    queues: QueueBackendFactory<Envelope> = memoryQueue,
    instrumentation?: PipelineInstrumentation,
  ) {
    this.instrumentation = instrumentation;
    this.failures = new FailureLog(failureLimit);
    this.#queues = queues;
    this.stages = stages.map((stage, i) =>
      new StageRuntime(stage, i, i === stages.length - 1, this.#newQueue(stage, i))
    );
    this.tracker = tracker;
    this.sink = tracker === undefined ? undefined : trackerSink(tracker);
    if (this.sink !== undefined) {
      for (const runtime of this.stages) {
        runtime.stageRef = this.sink.nameRef(runtime.name);
        for (const slot of runtime.slots) {
          slot.stageRef = runtime.stageRef;
          slot.workerRef = this.sink.nameRef(slot.name);
        }
      }
    }
  }

  #newQueue(stage: Stage, index: number): QueueBackend<Envelope> {
    const hooks: QueueBackendHooks<Envelope> = {
      adopt: (record) => this.#adopt(index, record),
    };
    return this.#queues({
      stage: stage.name,
      capacity: stage.queueCapacity,
      workers: stage.workers,
      maxDeliveries: stage.retry === "per_stage" ? stage.stageAttempts : 1,
    }, hooks);
  }

  /**
   * A backend delivers an item this process did not feed: it becomes an item of the open serve
   * batch, in stage `stageIndex`, reported `queued` as an enqueued item is (an async `queued`
   * listener is not awaited: the backend hands the item out at once). `undefined` when no serve
   * batch is open (or it is being aborted), the engine is stopped, or the id is in flight here.
   */
  #adopt(stageIndex: number, record: QueueRecord): Envelope | undefined {
    const batch = this.serving;
    if (batch === undefined || batch.settled || batch.aborting || !this.#running) return undefined;
    if (this.customIds.has(record.id)) return undefined;
    const envelope = this.admit(
      batch,
      record.value,
      this.#adopted++,
      record.id,
      record.priority,
      stageIndex,
    );
    envelope.attempt = record.attempt;
    if (this.sink !== undefined) void this.#emitQueued(envelope, FRESH);
    return envelope;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts one worker loop per worker (idempotent). Idle loops hold no timers. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#lastTurn = performance.now();
    for (const runtime of this.stages) {
      for (const slot of runtime.slots) {
        // A loop spawned here runs until its first await: an event it emits may shut the
        // pipeline down. Then spawn no more, or they would wait on the fresh queues.
        if (!this.#running) return;
        this.spawn(runtime, slot.index);
      }
    }
  }

  /** (Re)starts the worker loop of one slot, abandoning any previous loop in it. */
  spawn(runtime: StageRuntime, index: number): void {
    const slot = runtime.slots[index];
    retire(runtime, slot);
    slot.idle();
    slot.loop = startWorker(this, runtime, this.stages[runtime.index + 1], slot, this.sink);
  }

  /** Creates the envelope of a newly fed item and registers it with its batch. */
  admit(
    batch: Batch,
    value: unknown,
    index: number,
    id: ItemId | undefined,
    priority: number,
    stageIndex: number,
  ): Envelope {
    const sequenceId = this.#sequence++;
    const envelope = new Envelope(
      id ?? sequenceId,
      sequenceId,
      index,
      value,
      priority,
      stageIndex,
      batch,
    );
    if (id !== undefined) this.customIds.set(id, envelope);
    if (batch.instrument !== undefined) envelope.trace = batch.instrument.trace;
    batch.register(envelope);
    this.fed++;
    return envelope;
  }

  /**
   * Puts the envelope into its stage's queue and emits `queued` for it (stamped by `clock`):
   * before the put when the queue takes it at once, or, when the producer has to wait for room,
   * once it actually enters (the queue calls back), so an item is never reported queued while its
   * producer still holds it.
   */
  enqueue(envelope: Envelope, clock: Clock): Promise<void> | undefined {
    const queue = this.stages[envelope.stageIndex].queue;
    if (this.sink === undefined) return queue.put(envelope);
    if (queue.full) return queue.put(envelope, this.#onEnter);
    const pending = this.#emitQueued(envelope, clock);
    return pending === undefined ? this.#put(envelope) : pending.then(() => this.#put(envelope));
  }

  /** A waiting producer's item entered its queue (inside a worker's take, or a purge). */
  #onEnter = (envelope: Envelope): void | Promise<void> => this.#emitQueued(envelope, FRESH);

  #emitQueued(envelope: Envelope, clock: Clock): void | Promise<void> {
    const runtime = this.stages[envelope.stageIndex];
    return this.sink!.status(envelope, STATUS.queued, runtime, undefined, clock.now());
  }

  /** Puts an announced envelope, unless a listener of its `queued` event cancelled it. */
  #put(envelope: Envelope): Promise<void> | undefined {
    if (envelope.done) return undefined;
    return this.stages[envelope.stageIndex].queue.put(envelope);
  }

  /** Counts a worker step; after about 10 ms of steps, pauses every worker for a turn. */
  step(): void {
    if (++this.#steps < STEPS_PER_CLOCK_READ) return;
    this.#steps = 0;
    const now = performance.now();
    if (now - this.#lastTurn < yieldEveryMs() || this.pause !== undefined) return;
    this.pause = macrotask().then(() => {
      this.pause = undefined;
      this.#lastTurn = performance.now();
    });
  }

  /** Records a status change, if a tracker is attached (`clock` is read only then). */
  emit(
    envelope: Envelope,
    status: number,
    origin: EventOrigin,
    metadata: StatusMetadata | undefined,
    clock: Clock,
  ): void | Promise<void> {
    if (this.sink === undefined) return;
    return this.sink.status(envelope, status, origin, metadata, clock.now());
  }

  /** Marks an item terminal (not yet released): it leaves the registry and is counted once. */
  settleItem(envelope: Envelope, outcome: keyof RunCounts): void {
    envelope.done = true;
    envelope.batch.unregister(envelope);
    // Its delivery in its stage is over (a pending stage retry is dropped).
    this.stages[envelope.stageIndex]?.queue.ack(envelope);
    if (this.customIds.size > 0 && this.customIds.get(envelope.id) === envelope) {
      this.customIds.delete(envelope.id);
    }
    envelope.batch.run.counts[outcome]++;
    if (outcome === "completed" || outcome === "skipped") this.processed++;
    else this[outcome]++;
  }

  /** Records an item's final failure in the pipeline's log and its run's counts by type. */
  recordFailure(
    envelope: Envelope,
    stage: string,
    facts: { error: string; errorType: string },
    attempts: number,
    value: unknown,
  ): void {
    this.failures.record(envelope.id, stage, facts, attempts, value);
    const byType = envelope.batch.errorsByType;
    byType[facts.errorType] = (byType[facts.errorType] ?? 0) + 1;
  }

  /**
   * A run begins: the tracker (if any) gets `runstart` now and `runend` when the batch settles.
   * Returns a promise when an async `onRunStart` callback is to be awaited before feeding.
   */
  beginRun(batch: Batch): void | Promise<void> {
    const sink = this.sink;
    if (sink === undefined) return;
    batch.onEnd = (run) => sink.run("runend", run);
    return sink.run("runstart", batch.run);
  }

  /**
   * A run begins: its instrumentation (if any) is asked for the run's hooks, synchronously in the
   * caller's call (so the caller's context can be captured).
   */
  instrumentRun(batch: Batch, kind: RunKind): void {
    if (this.instrumentation !== undefined) {
      startRun(this.instrumentation, batch, kind, this.report);
    }
  }

  /**
   * Cancels every live item of the batch: each gets the terminal status `cancelled`, queues drop
   * them, pending retry timers are cleared, and workers stuck on one of them are replaced.
   */
  cancelBatch(batch: Batch): Promise<void> | undefined {
    const items = batch.liveItems();
    // First make every item terminal, so that nothing below (a respawned worker taking the next
    // queued item, say) can pick up one that is about to be cancelled.
    const holders: WorkerSlot[] = [];
    for (const envelope of items) {
      const holder = envelope.holder;
      if (holder !== null && holder.envelope === envelope) holders.push(holder);
      this.settleItem(envelope, "cancelled");
    }
    for (const runtime of this.stages) runtime.queue.purge();
    const instrument = batch.instrument;
    if (instrument !== undefined) {
      for (const envelope of items) {
        cancelled(instrument, this.stages[envelope.stageIndex], envelope, batch.signal.reason);
      }
    }
    // Workers still inside a task (or callback) of a cancelled item are replaced: if the task
    // ignores its signal, the old loop just leaves when it finally returns.
    for (const slot of holders) {
      const runtime = this.stages.find((r) => r.name === slot.stage)!;
      if (this.#running) this.spawn(runtime, slot.index);
      else retire(runtime, slot);
    }
    const pending: Promise<void>[] = [];
    // The events share a reading while they run no user code.
    const clock = this.sink === undefined ? FRESH : new StretchClock(this.sink.quiet);
    for (const envelope of items) {
      const origin = this.stages[envelope.stageIndex] ?? NOWHERE;
      const emitted = this.emit(envelope, STATUS.cancelled, origin, undefined, clock);
      if (emitted !== undefined) pending.push(emitted);
      batch.release(envelope);
    }
    if (pending.length > 0) return Promise.all(pending).then(() => {});
  }

  /** Aborts one batch: its tasks' signals, then every live item becomes `cancelled`. */
  async abortBatch(batch: Batch, reason: unknown): Promise<void> {
    if (batch.settled) return;
    batch.aborting = true;
    if (!batch.signal.aborted) batch.controller.abort(reason);
    const pending = this.cancelBatch(batch);
    if (pending !== undefined) await pending;
    batch.fail(reason);
  }

  /** Cancels one item that never reached a queue (taken from the input as intake stopped). */
  cancelItem(envelope: Envelope): void {
    this.settleItem(envelope, "cancelled");
    const instrument = envelope.batch.instrument;
    if (instrument !== undefined) {
      cancelled(
        instrument,
        this.stages[envelope.stageIndex],
        envelope,
        envelope.batch.signal.reason,
      );
    }
    void this.emit(envelope, STATUS.cancelled, this.stages[envelope.stageIndex], undefined, FRESH);
    envelope.batch.release(envelope);
  }

  /** Stops every worker loop; queues are replaced so a later start begins afresh. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.serving = undefined;
    for (const runtime of this.stages) {
      const old = runtime.queue;
      runtime.disarmKeepAlive();
      runtime.queue = this.#newQueue(runtime.stage, runtime.index);
      for (const slot of runtime.slots) retire(runtime, slot);
      old.close();
    }
  }

  /**
   * A worker hit an error in AntFlow's own code (a bug): report it, fail its item if it is still
   * live (so it is never lost or left hanging), and free the worker for the next item.
   */
  internalFailure(
    runtime: StageRuntime,
    slot: WorkerSlot,
    envelope: Envelope,
    error: unknown,
  ): void {
    console.error(`AntFlow: internal error in worker ${slot.name} (please report it):`, error);
    if (!envelope.done) {
      runtime.failed++;
      slot.itemsFailed++;
      this.settleItem(envelope, "failed");
      const instrument = envelope.batch.instrument;
      if (instrument !== undefined && envelope.passage !== NO_PASSAGE) {
        try {
          leaveStage(instrument, envelope, "failed", error);
        } catch {
          // the instrumentation itself may be what failed
        }
      }
      const error2 = error instanceof Error ? error : new Error(String(error), { cause: error });
      const facts = { ...errorFacts(error2), errorType: "InternalError" };
      this.recordFailure(envelope, runtime.name, facts, envelope.attempt, envelope.value);
      if (envelope.batch.output.wantsFailures) {
        void envelope.batch.output.deliver(envelope, envelope.value, error2);
      }
      try {
        const metadata = { error: String(error), errorType: "InternalError" };
        void this.emit(envelope, STATUS.failed, slot, metadata, FRESH);
      } catch {
        // the tracker itself is what failed
      }
    }
    envelope.batch.release(envelope);
    if (slot.busy) {
      slot.end();
      runtime.busy--;
    }
  }

  /**
   * Reports an error thrown by a stage callback (`where` is its option name, `stage` the stage)
   * or a dashboard: never fatal for the item.
   */
  readonly report = (error: unknown, where: string, stage?: string): void => {
    if (this.tracker !== undefined) this.sink!.report(error, where, stage);
    else {
      const owner = stage === undefined ? "" : `stage "${stage}"'s `;
      console.error(`AntFlow: ${owner}${where} threw (the item is unaffected):`, error);
    }
  };
}

/** Takes a slot from its loop (which leaves when it next gets control) and frees it. */
function retire(runtime: StageRuntime, slot: WorkerSlot): void {
  if (slot.loop !== null) slot.loop.abandoned = true;
  slot.loop = null;
  if (slot.busy) runtime.busy--;
  slot.reset();
}
