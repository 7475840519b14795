/**
 * A worker loop's state and the helpers its phases share (see worker.ts for the phases).
 *
 * @module
 */
import { TaskEvent } from "../tracker/events.ts";
import type { TrackerSink } from "../tracker/sink.ts";
import type { StatusMetadata, TaskEventType } from "../tracker/types.ts";
import type { RunCounts } from "../tracker/run_event.ts";
import { isThenable } from "../utils/thenable.ts";
import { type Clock, StretchClock } from "./clock.ts";
import type { Envelope } from "./envelope.ts";
import type { RunInstrumentation } from "./instrument.ts";
import type { QueueBackend } from "./queue_backend.ts";
import type { Stage } from "./stage.ts";
import type { StageRuntime } from "./stage_runtime.ts";
import type { WorkerSlot } from "./worker_slot.ts";

/**
 * What a worker loop may ask of the engine: the whole of their interface.
 *
 * @internal
 */
export interface WorkerHost {
  /** Set while every worker waits for a turn of the event loop. */
  readonly pause: Promise<void> | undefined;
  /** Records an item's final failure (the pipeline's log and its run's counts by type). */
  recordFailure(
    envelope: Envelope,
    stage: string,
    facts: { error: string; errorType: string },
    attempts: number,
    value: unknown,
  ): void;
  /** Counts a worker step (it may set `pause`). */
  step(): void;
  /**
   * Puts an item into the queue of its `stageIndex` and reports it `queued` (stamped by
   * `clock`). Returns a promise while the producer must wait for room.
   */
  enqueue(envelope: Envelope, clock: Clock): Promise<void> | undefined;
  /** Marks an item terminal (not yet released): it leaves the registry and is counted once. */
  settleItem(envelope: Envelope, outcome: keyof RunCounts): void;
  /** AntFlow's own code failed on an item (a bug): fail the item, free the worker. */
  internalFailure(
    runtime: StageRuntime,
    slot: WorkerSlot,
    envelope: Envelope,
    error: unknown,
  ): void;
  /**
   * Reports an error thrown by a stage callback (`where`: its option name): never fatal. A
   * function property, so it may be passed on detached.
   */
  readonly report: (error: unknown, where: string, stage: string) => void;
}

/**
 * What a phase returns to the driver: a promise to wait for, or `undefined` to have it run
 * `loop.phase` next (after user code ran, say). A phase that goes on by itself returns what its
 * continuation returns.
 */
export type Step = PromiseLike<unknown> | void;

/** A step of the loop (see the module doc of worker.ts). */
export type Phase = (loop: WorkerLoop) => Step;

/**
 * One worker loop's state: its stage, its slot, and the item in hand. Allocated once per loop,
 * so no phase allocates per item.
 *
 * @internal
 */
export class WorkerLoop {
  readonly host: WorkerHost;
  readonly runtime: StageRuntime;
  readonly stage: Stage;
  readonly slot: WorkerSlot;
  readonly sink: TrackerSink | undefined;
  /** The queue it takes from (the one its stage had when the loop started). */
  readonly queue: QueueBackend<Envelope>;
  /** The stage items pass on to; `undefined` in the last stage. */
  readonly next: StageRuntime | undefined;
  readonly perStage: boolean;
  /** Event timestamps (the driver drops its reading each time a phase returns). */
  readonly clock: StretchClock;
  /** Set by the engine when it gives the slot to a fresh loop: this one leaves. */
  abandoned = false;
  /** The phase the driver runs next. */
  phase: Phase;
  /** What the promise the driver awaited last resolved to (or an attempt's result or error). */
  settled: unknown = undefined;
  /** The attempt threw (or its promise rejected): `settled` holds what it threw. */
  threw = false;
  // ---- the item in hand ----
  envelope: Envelope | undefined = undefined;
  /** Its run's instrumentation, if any (each phase that reports to it checks this once). */
  instrument: RunInstrumentation | undefined = undefined;
  /** The item's input to this stage. */
  input: unknown = undefined;
  /** The value the next task gets (the last task's result). */
  value: unknown = undefined;
  skipped = false;
  task = 0;
  attempt = 1;
  /** Which task events someone wants, read at the start of each attempt. */
  mask = 0;
  /** performance.now() when the attempt started (read only when task events are wanted). */
  started = 0;
  error: Error | undefined = undefined;
  retry = false;
  /** The backoff before a stage retry. */
  wait = 0;
  /** What delivering the final result returned (the last stage waits for it before onSuccess). */
  delivered: void | Promise<void> = undefined;

  constructor(
    host: WorkerHost,
    runtime: StageRuntime,
    next: StageRuntime | undefined,
    slot: WorkerSlot,
    sink: TrackerSink | undefined,
    first: Phase,
  ) {
    this.host = host;
    this.phase = first;
    this.runtime = runtime;
    this.stage = runtime.stage;
    this.slot = slot;
    this.sink = sink;
    this.queue = runtime.queue;
    this.next = next;
    this.perStage = runtime.stage.retry === "per_stage";
    this.clock = new StretchClock(sink === undefined ? alwaysQuiet : sink.quiet);
  }
}

const alwaysQuiet = (): boolean => true;

/** Whether status events run no user code (no tracker, or no status listener or callback). */
export function quiet(loop: WorkerLoop): boolean {
  return loop.sink === undefined || loop.sink.quiet();
}

/**
 * Records a status change of the item in hand, then goes on with `then`: at once while no user
 * code ran, through the driver otherwise.
 */
export function emitThen(
  loop: WorkerLoop,
  status: number,
  metadata: StatusMetadata | undefined,
  then: Phase,
): Step {
  const sink = loop.sink;
  if (sink === undefined) return then(loop);
  const silent = sink.quiet();
  const pending = sink.status(loop.envelope!, status, loop.slot, metadata, loop.clock.now());
  if (pending === undefined && silent) return then(loop);
  loop.phase = then;
  return pending;
}

/** A task event of the current attempt (only built when someone wants its type). */
export function taskEvent(
  loop: WorkerLoop,
  eventType: TaskEventType,
  error: Error | undefined,
): void | Promise<void> {
  return loop.sink!.task(
    new TaskEvent({
      itemId: loop.envelope!.id,
      stage: loop.runtime.name,
      taskName: loop.stage.taskNames[loop.task],
      worker: loop.slot.name,
      eventType,
      attempt: loop.attempt,
      // Shares the reading of the status events emitted with it (the driver drops the reading
      // whenever user code may have run).
      timestamp: loop.clock.now(),
      error,
      duration: eventType === "start" ? undefined : performance.now() - loop.started,
    }),
  );
}

/** Runs a stage callback (user code): errors are reported, never fatal; then `then`. */
export function callBack(
  loop: WorkerLoop,
  name: string,
  call: () => void | Promise<void>,
  then: Phase,
): Step {
  loop.phase = then;
  try {
    const result = call();
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        undefined,
        (error) => loop.host.report(error, name, loop.runtime.name),
      );
    }
  } catch (error) {
    loop.host.report(error, name, loop.runtime.name);
  }
  return undefined;
}
