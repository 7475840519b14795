/**
 * One worker's loop, in phases: take an item, check `skipIf`, run the stage's tasks (each attempt
 * with its retries), then pass the item on, give it back for a stage retry, or fail it for good.
 *
 * Each phase is a function of the loop's state that either goes on to the next phase itself or
 * returns to the driver, {@linkcode runWorker}: with a promise when it has to wait, with
 * `undefined` once user code ran (a task, a callback, an event listener). It sets `loop.phase` to
 * its continuation first. The driver is the only place that awaits, the only place that checks
 * whether the loop was abandoned, and the only place where the loop's clock reading is dropped;
 * a phase cannot forget any of it. The common path (no tracker listeners, no limits, no failures)
 * awaits only the task's own promise.
 *
 * @module
 */
import { delay } from "../limits/delay.ts";
import { TASK_BITS, TASK_USER_CODE } from "../tracker/status_tracker.ts";
import { STATUS } from "../tracker/types.ts";
import type { TrackerSink } from "../tracker/sink.ts";
import { isThenable } from "../utils/thenable.ts";
import { errorFacts, mayRetry, retryWait, startAttempt, toError } from "./attempt.ts";
import type { Envelope } from "./envelope.ts";
import type { StageRuntime } from "./stage_runtime.ts";
import type { WorkerSlot } from "./worker_slot.ts";
import { enterStage, leaveStage, wrapAttempt } from "./instrumented.ts";
import {
  callBack,
  emitThen,
  quiet,
  type Step,
  taskEvent,
  type WorkerHost,
  WorkerLoop,
} from "./worker_loop.ts";

/**
 * Starts a worker loop in `slot`, taking items from `runtime`'s queue and passing them on to
 * `next` (none in the last stage).
 *
 * @returns The loop, for the engine to abandon it.
 * @internal
 */
export function startWorker(
  host: WorkerHost,
  runtime: StageRuntime,
  next: StageRuntime | undefined,
  slot: WorkerSlot,
  sink: TrackerSink | undefined,
): WorkerLoop {
  const loop = new WorkerLoop(host, runtime, next, slot, sink, takeItem);
  runWorker(loop).catch((error) => {
    console.error(`AntFlow: worker ${slot.name} stopped on an internal error:`, error);
  });
  return loop;
}

/**
 * Drives a worker loop until it is abandoned or its queue closes. The only `await` of the loop:
 * after each return of a phase it drops the clock reading and checks whether the engine
 * abandoned the loop (its item was cancelled while a task ignored the signal; a fresh loop took
 * the slot), so an abandoned loop touches nothing once it gets control back.
 */
async function runWorker(loop: WorkerLoop): Promise<void> {
  while (!loop.abandoned) {
    loop.clock.forget();
    let pending: Step;
    try {
      pending = loop.phase(loop);
    } catch (error) {
      failInternally(loop, error);
      continue;
    }
    if (pending === undefined) continue;
    try {
      loop.settled = await pending;
    } catch (error) {
      if (loop.abandoned) return;
      // Only an attempt's promise (user code) may reject; AntFlow's own never do.
      if (loop.phase !== settleAttempt) failInternally(loop, error);
      else {
        loop.threw = true;
        loop.settled = error;
      }
    }
  }
}

/** AntFlow's own code threw: the item in hand (never lost) fails, and the loop goes on. */
function failInternally(loop: WorkerLoop, error: unknown): void {
  if (loop.abandoned) return;
  const envelope = loop.envelope;
  if (envelope === undefined) throw error;
  loop.envelope = undefined;
  loop.phase = takeItem;
  loop.host.internalFailure(loop.runtime, loop.slot, envelope, error);
}

// ---- take ----

function takeItem(loop: WorkerLoop): Step {
  const host = loop.host;
  loop.phase = takeItem;
  if (host.pause !== undefined) return host.pause;
  host.step();
  const envelope = loop.queue.tryTake();
  if (envelope !== undefined) return beginItem(loop, envelope);
  loop.slot.idle();
  loop.phase = receiveItem;
  return loop.queue.take();
}

function receiveItem(loop: WorkerLoop): Step {
  const envelope = loop.settled as Envelope | undefined;
  loop.phase = takeItem;
  if (envelope === undefined) {
    loop.abandoned = true; // the queue closed: the engine stopped
    return undefined;
  }
  // Handed over while this worker waited, but cancelled before it woke up.
  if (envelope.done) return undefined;
  return beginItem(loop, envelope);
}

function beginItem(loop: WorkerLoop, envelope: Envelope): Step {
  loop.runtime.busy++;
  if (loop.queue.keepAliveMs !== undefined) loop.runtime.armKeepAlive();
  loop.slot.begin(envelope, loop.clock);
  loop.envelope = envelope;
  loop.input = loop.value = envelope.value;
  loop.skipped = false;
  const instrument = envelope.batch.instrument;
  loop.instrument = instrument;
  if (instrument !== undefined) enterStage(instrument, loop.runtime, loop.slot, envelope);
  if (loop.stage.options.skipIf !== undefined) return checkSkip(loop);
  return startTasks(loop);
}

// ---- skip check ----

function checkSkip(loop: WorkerLoop): Step {
  loop.phase = afterSkipCheck;
  const skipIf = loop.stage.options.skipIf!;
  const report = (error: unknown): false => {
    loop.host.report(error, "skipIf", loop.runtime.name);
    return false;
  };
  try {
    const verdict: unknown = skipIf(loop.input);
    if (isThenable(verdict)) return Promise.resolve(verdict).then(Boolean, report);
    loop.settled = verdict;
  } catch (error) {
    loop.settled = report(error);
  }
  return undefined;
}

function afterSkipCheck(loop: WorkerLoop): Step {
  loop.skipped = Boolean(loop.settled);
  return startTasks(loop);
}

// ---- tasks ----

function startTasks(loop: WorkerLoop): Step {
  if (loop.skipped) return passOn(loop);
  loop.task = 0;
  loop.attempt = loop.perStage ? loop.envelope!.attempt : 1;
  return emitThen(loop, STATUS.in_progress, undefined, runAttempt);
}

/** Attempt `loop.attempt` of task `loop.task`: `settleAttempt` takes its outcome. */
function runAttempt(loop: WorkerLoop): Step {
  const sink = loop.sink;
  const mask = sink === undefined ? 0 : sink.taskMask();
  loop.mask = mask;
  loop.started = mask === 0 ? 0 : performance.now();
  if (mask & TASK_BITS.start) {
    loop.phase = callTask;
    const pending = taskEvent(loop, "start", undefined);
    // Taken by taps only (no user code ran): on at once.
    return pending === undefined && (mask & TASK_USER_CODE) === 0 ? callTask(loop) : pending;
  }
  return callTask(loop);
}

/**
 * The attempt itself: the only call of a task, returning its promise as is (through the run's
 * instrumentation's `wrapAttempt`, when there is one).
 */
function callTask(loop: WorkerLoop): Step {
  loop.phase = settleAttempt;
  loop.threw = false;
  try {
    const instrument = loop.instrument;
    const out = instrument === undefined
      ? startAttempt(loop.runtime, loop.slot, loop.envelope!, loop.task, loop.value, loop.attempt)
      : wrapAttempt(
        instrument,
        loop.runtime,
        loop.slot,
        loop.envelope!,
        loop.task,
        loop.value,
        loop.attempt,
      );
    if (isThenable(out)) return out;
    loop.settled = out;
  } catch (error) {
    loop.threw = true;
    loop.settled = error;
  }
  return undefined;
}

function settleAttempt(loop: WorkerLoop): Step {
  if (loop.threw) return attemptFailed(loop);
  loop.value = loop.settled;
  if (loop.mask & TASK_BITS.complete) {
    loop.phase = nextTask;
    const pending = taskEvent(loop, "complete", undefined);
    return pending === undefined && (loop.mask & TASK_USER_CODE) === 0 ? nextTask(loop) : pending;
  }
  return nextTask(loop);
}

function nextTask(loop: WorkerLoop): Step {
  if (++loop.task === loop.stage.tasks.length) return passOn(loop);
  loop.attempt = loop.perStage ? loop.envelope!.attempt : 1;
  return runAttempt(loop);
}

function attemptFailed(loop: WorkerLoop): Step {
  const { stage, envelope } = loop;
  const error = toError(loop.settled, stage.taskNames[loop.task]);
  loop.error = error;
  const attemptsLeft = loop.perStage
    ? envelope!.attempt < stage.stageAttempts
    : loop.attempt < stage.taskAttempts;
  loop.retry = attemptsLeft && !envelope!.batch.signal.aborted;
  const retryIf = stage.options.retryIf;
  if (!loop.retry || retryIf === undefined) return reportAttempt(loop);
  loop.phase = afterRetryIf;
  const verdict = mayRetry(loop.host.report, stage.name, retryIf, error, loop.attempt);
  if (verdict instanceof Promise) return verdict;
  loop.settled = verdict;
  return undefined;
}

function afterRetryIf(loop: WorkerLoop): Step {
  loop.retry = loop.settled as boolean;
  return reportAttempt(loop);
}

function reportAttempt(loop: WorkerLoop): Step {
  const type = loop.retry ? "retry" : "fail";
  if (loop.mask & TASK_BITS[type]) {
    loop.phase = retryOrFail;
    return taskEvent(loop, type, loop.error);
  }
  return retryOrFail(loop);
}

function retryOrFail(loop: WorkerLoop): Step {
  if (!loop.retry) return failForGood(loop);
  if (loop.perStage) return retryStage(loop);
  // per_task: the worker keeps the item and retries the same task with the same input.
  if (loop.instrument !== undefined) {
    loop.instrument.retrying(loop.envelope!.passage, loop.attempt + 1, loop.error!);
  }
  const metadata = { ...errorFacts(loop.error!), attempt: loop.attempt + 1 };
  return emitThen(loop, STATUS.retrying, metadata, waitToRetryTask);
}

function waitToRetryTask(loop: WorkerLoop): Step {
  loop.phase = retryTask;
  const wait = retryWait(loop.runtime, loop.attempt, loop.error!, loop.host.report);
  if (wait <= 0) return undefined; // a backoff function is user code: back to the driver
  loop.slot.currentTask = `waiting to retry ${loop.stage.taskNames[loop.task]}`;
  // Aborted when the item is cancelled: the loop is abandoned then.
  return delay(wait, { signal: loop.envelope!.batch.signal }).then(undefined, ignore);
}

function retryTask(loop: WorkerLoop): Step {
  loop.attempt++;
  return runAttempt(loop);
}

// ---- outcome: pass on ----

function passOn(loop: WorkerLoop): Step {
  const { runtime, slot } = loop;
  if (loop.instrument !== undefined) {
    leaveStage(loop.instrument, loop.envelope!, loop.skipped ? "skipped" : "completed", undefined);
  }
  runtime.completed++;
  slot.itemsProcessed++;
  const status = loop.skipped ? STATUS.skipped : STATUS.completed;
  if (loop.next !== undefined) return emitThen(loop, status, undefined, callOnSkip);
  const envelope = loop.envelope!;
  loop.host.settleItem(envelope, loop.skipped ? "skipped" : "completed");
  const emitted = loop.sink?.status(envelope, status, slot, undefined, loop.clock.now());
  // A finished item's result is delivered before anything else can intervene: even if a
  // shutdown inside its event (or a callback) abandons this loop, the result is kept.
  loop.phase = callOnSkip;
  if (emitted !== undefined) return emitted.then(() => deliverResult(loop, envelope));
  deliverResult(loop, envelope);
  return quiet(loop) ? callOnSkip(loop) : undefined;
}

function deliverResult(loop: WorkerLoop, envelope: Envelope): void {
  loop.delivered = envelope.batch.output.deliver(envelope, loop.value, undefined);
}

function callOnSkip(loop: WorkerLoop): Step {
  const onSkip = loop.stage.options.onSkip;
  if (!loop.skipped || onSkip === undefined) return handOn(loop);
  const { envelope, input } = loop;
  return callBack(loop, "onSkip", () => onSkip(envelope!.id, input), handOn);
}

/** Into the next stage's queue; in the last stage, waits until the result was taken. */
function handOn(loop: WorkerLoop): Step {
  const next = loop.next;
  if (next === undefined) {
    const delivered = loop.delivered;
    loop.delivered = undefined;
    if (delivered === undefined) return callOnSuccess(loop);
    loop.phase = callOnSuccess;
    return delivered;
  }
  const envelope = loop.envelope!;
  envelope.value = loop.value;
  envelope.stageIndex = next.index;
  envelope.attempt = 1;
  envelope.holder = null;
  const entered = loop.host.enqueue(envelope, loop.clock);
  loop.phase = acknowledge;
  if (entered !== undefined) return entered;
  return quiet(loop) ? acknowledge(loop) : undefined;
}

/** The item entered the next stage's queue: its delivery here is over. */
function acknowledge(loop: WorkerLoop): Step {
  loop.queue.ack(loop.envelope!);
  return callOnSuccess(loop);
}

function callOnSuccess(loop: WorkerLoop): Step {
  const onSuccess = loop.stage.options.onSuccess;
  const { envelope, value, input } = loop;
  // Not for an item cancelled after it was handed on.
  if (loop.skipped || onSuccess === undefined || (loop.next !== undefined && envelope!.done)) {
    return finishItem(loop);
  }
  return callBack(loop, "onSuccess", () => onSuccess(envelope!.id, value, input), finishItem);
}

// ---- outcome: back into the queue (per_stage) ----

function retryStage(loop: WorkerLoop): Step {
  if (loop.instrument !== undefined) {
    leaveStage(loop.instrument, loop.envelope!, "retrying", loop.error);
  }
  const metadata = { ...errorFacts(loop.error!), attempt: loop.envelope!.attempt + 1 };
  return emitThen(loop, STATUS.retrying, metadata, waitToRetryStage);
}

function waitToRetryStage(loop: WorkerLoop): Step {
  loop.phase = giveBack;
  loop.wait = retryWait(loop.runtime, loop.envelope!.attempt, loop.error!, loop.host.report);
  return undefined; // a backoff function is user code: back to the driver
}

/** Releases the item: after the backoff it goes to the back of the stage's queue. */
function giveBack(loop: WorkerLoop): Step {
  const envelope = loop.envelope!;
  envelope.attempt++;
  envelope.holder = null;
  loop.slot.reset();
  loop.runtime.busy--;
  loop.envelope = undefined;
  loop.queue.retry(envelope, loop.wait);
  return takeItem(loop);
}

// ---- outcome: failed for good ----

function failForGood(loop: WorkerLoop): Step {
  const { runtime, slot, host } = loop;
  const envelope = loop.envelope!;
  if (loop.instrument !== undefined) leaveStage(loop.instrument, envelope, "failed", loop.error);
  runtime.failed++;
  slot.itemsFailed++;
  host.settleItem(envelope, "failed");
  const facts = errorFacts(loop.error!);
  host.recordFailure(envelope, runtime.name, facts, loop.attempt, loop.input);
  return emitThen(loop, STATUS.failed, { ...facts, attempt: loop.attempt }, deliverFailure);
}

function deliverFailure(loop: WorkerLoop): Step {
  const envelope = loop.envelope!;
  const output = envelope.batch.output;
  if (!output.wantsFailures) return callOnFailure(loop);
  const pending = output.deliver(envelope, loop.input, loop.error);
  if (pending === undefined) return callOnFailure(loop);
  loop.phase = callOnFailure;
  return pending;
}

function callOnFailure(loop: WorkerLoop): Step {
  const onFailure = loop.stage.options.onFailure;
  if (onFailure === undefined) return finishItem(loop);
  const { envelope, error, input } = loop;
  return callBack(loop, "onFailure", () => onFailure(envelope!.id, error!, input), finishItem);
}

// ---- the item is done here ----

function finishItem(loop: WorkerLoop): Step {
  const envelope = loop.envelope!;
  loop.slot.end();
  loop.runtime.busy--;
  loop.envelope = undefined;
  // An item that ended in this stage is released once its callbacks ran (one handed on is the
  // next stage's business, even once it is done there).
  if (envelope.done && envelope.stageIndex === loop.runtime.index) envelope.batch.release(envelope);
  return takeItem(loop);
}

function ignore(): void {}
