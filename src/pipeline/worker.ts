import { delay } from "../limits/delay.ts";
import { TASK_BITS } from "../tracker/status_tracker.ts";
import { STATUS } from "../tracker/types.ts";
import { errorFacts, retryWait, startAttempt, toError } from "./attempt.ts";
import type { Engine } from "./engine.ts";
import type { Envelope } from "./envelope.ts";
import { CLOSED } from "./stage_queue.ts";
import type { StageRuntime } from "./stage_runtime.ts";
import type { WorkerSlot } from "./worker_slot.ts";
import { enterStage, leaveStage, wrapAttempt } from "./instrumented.ts";

const NOTHING: unique symbol = Symbol("nothing");

/**
 * One worker's loop: take the next item, run the stage's tasks on it (with retries), pass it on,
 * repeat. The common path (no tracker listeners, no limits, no failures) awaits only the task's
 * own promise. After every await the loop checks its generation: when its item was cancelled
 * while a task ignored the signal, a new loop took the slot and this one just leaves.
 *
 * @internal
 */
export async function runWorker(
  engine: Engine,
  runtime: StageRuntime,
  slot: WorkerSlot,
  generation: number,
): Promise<void> {
  const stage = runtime.stage;
  const taskCount = stage.tasks.length;
  const perStage = stage.retry === "per_stage";
  const { skipIf, onSuccess, onFailure, onSkip, retryIf } = stage.options;
  const sink = engine.sink;
  const next = runtime.isLast ? undefined : engine.stages[runtime.index + 1];
  const queue = runtime.queue;

  for (;;) {
    if (engine.pause !== undefined) {
      await engine.pause;
      engine.tick();
      if (slot.generation !== generation) return;
    }
    engine.step();
    let envelope = queue.tryTake();
    if (envelope === undefined) {
      slot.idle();
      const taken = await queue.take();
      if (taken === CLOSED) return;
      engine.tick();
      // Handed over while this worker waited, but cancelled before it woke up.
      if (taken.done) continue;
      envelope = taken;
    }
    runtime.busy++;
    slot.begin(envelope);
    try {
      const batch = envelope.batch;
      const input = envelope.value;
      const instrument = batch.instrument;
      let pending: void | Promise<void>;
      if (instrument !== undefined) enterStage(instrument, runtime, slot, envelope);

      // ---- skipIf ----
      let skipped = false;
      if (skipIf !== undefined) {
        try {
          let verdict: unknown = skipIf(input);
          if (isThenable(verdict)) verdict = await verdict;
          skipped = Boolean(verdict);
        } catch (error) {
          engine.report(error, "skipIf", runtime.name);
        }
        if (slot.generation !== generation) return;
        engine.tick();
      }

      // ---- tasks ----
      let value: unknown = input;
      let failure: Error | undefined;
      let failedAttempt = 0;
      let retryStage = false;
      if (!skipped && sink !== undefined) {
        pending = engine.emit(
          envelope,
          runtime.stageRef,
          STATUS.in_progress,
          slot.workerRef,
          undefined,
          false,
        );
        if (pending !== undefined) {
          await pending;
          engine.tick();
        }
        if (slot.generation !== generation) return;
      }
      for (let t = skipped ? taskCount : 0; t < taskCount && failure === undefined; t++) {
        let attempt = perStage ? envelope.attempt : 1;
        for (;;) {
          const mask = sink === undefined ? 0 : sink.taskMask();
          const started = mask === 0 ? 0 : performance.now();
          if (mask & TASK_BITS.start) {
            pending = sink!.task(
              envelope.id,
              runtime.name,
              stage.taskNames[t],
              slot.name,
              "start",
              attempt,
              undefined,
              undefined,
            );
            if (pending !== undefined) {
              await pending;
              engine.tick();
            }
            if (slot.generation !== generation) return;
          }
          let out: unknown;
          let thrown: unknown = NOTHING;
          try {
            out = instrument === undefined
              ? startAttempt(runtime, slot, envelope, t, value, attempt)
              : wrapAttempt(instrument, runtime, slot, envelope, t, value, attempt);
            if (isThenable(out)) out = await out;
          } catch (error) {
            thrown = error;
          }
          if (slot.generation !== generation) return;
          engine.tick();
          if (thrown === NOTHING) {
            value = out;
            if (mask & TASK_BITS.complete) {
              pending = sink!.task(
                envelope.id,
                runtime.name,
                stage.taskNames[t],
                slot.name,
                "complete",
                attempt,
                undefined,
                performance.now() - started,
              );
              if (pending !== undefined) {
                await pending;
                engine.tick();
              }
              if (slot.generation !== generation) return;
            }
            break;
          }
          const error = toError(thrown, stage.taskNames[t]);
          const attemptsLeft = perStage
            ? envelope.attempt < stage.stageAttempts
            : attempt < stage.taskAttempts;
          let retry = attemptsLeft && !batch.signal.aborted;
          if (retry && retryIf !== undefined) {
            let verdict = mayRetry(engine, runtime, retryIf, error, attempt);
            engine.tick();
            if (verdict instanceof Promise) {
              verdict = await verdict;
              engine.tick();
              if (slot.generation !== generation) return;
            }
            retry = verdict;
          }
          const type = retry ? "retry" : "fail";
          if (mask & TASK_BITS[type]) {
            pending = sink!.task(
              envelope.id,
              runtime.name,
              stage.taskNames[t],
              slot.name,
              type,
              attempt,
              error,
              performance.now() - started,
            );
            if (pending !== undefined) {
              await pending;
              engine.tick();
            }
            if (slot.generation !== generation) return;
          }
          if (!retry || perStage) {
            failure = error;
            failedAttempt = attempt;
            retryStage = retry;
            break;
          }
          // per_task: the worker keeps the item and retries the same task with the same input.
          if (instrument !== undefined) instrument.retrying(envelope.passage, attempt + 1, error);
          pending = engine.emit(envelope, runtime.stageRef, STATUS.retrying, slot.workerRef, {
            ...errorFacts(error),
            attempt: attempt + 1,
          }, false);
          if (pending !== undefined) {
            await pending;
            engine.tick();
          }
          if (slot.generation !== generation) return;
          const wait = retryWait(runtime, attempt, error, engine.report);
          if (wait > 0) {
            slot.currentTask = `waiting to retry ${stage.taskNames[t]}`;
            try {
              await delay(wait, { signal: batch.signal });
            } catch {
              // aborted: the item was cancelled and this loop abandoned (checked below)
            }
            if (slot.generation !== generation) return;
            engine.tick();
          }
          attempt++;
        }
      }

      // ---- outcome: pass on ----
      if (failure === undefined) {
        if (instrument !== undefined) {
          leaveStage(instrument, envelope, skipped ? "skipped" : "completed", undefined);
        }
        runtime.completed++;
        slot.itemsProcessed++;
        const last = next === undefined;
        if (last) engine.settleItem(envelope, skipped ? "skipped" : "completed");
        pending = engine.emit(
          envelope,
          runtime.stageRef,
          skipped ? STATUS.skipped : STATUS.completed,
          slot.workerRef,
          undefined,
          last,
        );
        if (pending !== undefined) {
          await pending;
          engine.tick();
        }
        // A finished item's result is delivered before anything else can intervene: even if a
        // shutdown inside its event (or a callback) stops this worker, the result is kept.
        const delivered = last ? batch.output.deliver(envelope, value, undefined) : undefined;
        if (slot.generation !== generation) return;
        if (skipped && onSkip !== undefined) {
          const call = callback(engine, runtime, "onSkip", () => onSkip(envelope!.id, input));
          const waiting = settled(engine, call);
          if (waiting !== undefined) await waiting;
          if (slot.generation !== generation) return;
        }
        if (last) {
          pending = delivered;
        } else {
          envelope.value = value;
          envelope.stageIndex = next.index;
          envelope.attempt = 1;
          envelope.holder = null;
          pending = engine.enqueue(envelope);
        }
        if (pending !== undefined) {
          await pending;
          engine.tick();
        }
        if (slot.generation !== generation) return;
        if (!skipped && onSuccess !== undefined && (last || !envelope.done)) {
          const call = callback(
            engine,
            runtime,
            "onSuccess",
            () => onSuccess(envelope!.id, value, input),
          );
          const waiting = settled(engine, call);
          if (waiting !== undefined) await waiting;
          if (slot.generation !== generation) return;
        }
        slot.end();
        runtime.busy--;
        if (last) batch.release(envelope);
        continue;
      }

      // ---- outcome: retry the stage ----
      if (retryStage) {
        // per_stage: release the item; after the backoff it goes to the back of the stage's queue.
        if (instrument !== undefined) leaveStage(instrument, envelope, "retrying", failure);
        pending = engine.emit(envelope, runtime.stageRef, STATUS.retrying, slot.workerRef, {
          ...errorFacts(failure),
          attempt: envelope.attempt + 1,
        }, false);
        if (pending !== undefined) {
          await pending;
          engine.tick();
        }
        if (slot.generation !== generation) return;
        const wait = retryWait(runtime, envelope.attempt, failure, engine.report);
        envelope.attempt++;
        envelope.holder = null;
        slot.reset();
        runtime.busy--;
        requeue(runtime, envelope, wait);
        continue;
      }

      // ---- outcome: failed for good ----
      if (instrument !== undefined) leaveStage(instrument, envelope, "failed", failure);
      runtime.failed++;
      slot.itemsFailed++;
      engine.settleItem(envelope, "failed");
      const facts = errorFacts(failure);
      engine.recordFailure(envelope, runtime.name, facts, failedAttempt, input);
      pending = engine.emit(envelope, runtime.stageRef, STATUS.failed, slot.workerRef, {
        ...facts,
        attempt: failedAttempt,
      }, true);
      if (pending !== undefined) {
        await pending;
        engine.tick();
      }
      if (slot.generation !== generation) return;
      if (batch.output.wantsFailures) {
        pending = batch.output.deliver(envelope, input, failure);
        if (pending !== undefined) {
          await pending;
          engine.tick();
        }
        if (slot.generation !== generation) return;
      }
      if (onFailure !== undefined) {
        const error = failure;
        const call = callback(
          engine,
          runtime,
          "onFailure",
          () => onFailure(envelope!.id, error, input),
        );
        const waiting = settled(engine, call);
        if (waiting !== undefined) await waiting;
        if (slot.generation !== generation) return;
      }
      slot.end();
      runtime.busy--;
      batch.release(envelope);
    } catch (error) {
      // Only AntFlow's own code can throw here (user code is isolated): never lose the item.
      if (slot.generation !== generation) return;
      engine.tick();
      engine.internalFailure(runtime, slot, envelope, error);
    }
  }
}

function requeue(runtime: StageRuntime, envelope: Envelope, wait: number): void {
  if (wait <= 0) {
    runtime.queue.force(envelope);
    return;
  }
  envelope.timer = setTimeout(() => {
    envelope.timer = undefined;
    if (!envelope.done) runtime.queue.force(envelope);
  }, wait);
}

/** Asks `retryIf`; sync or async, and a throw or rejection (reported) means "do not retry". */
function mayRetry(
  engine: Engine,
  runtime: StageRuntime,
  retryIf: (error: unknown, attempt: number) => boolean | Promise<boolean>,
  error: Error,
  attempt: number,
): boolean | Promise<boolean> {
  const report = (thrown: unknown): false => {
    engine.report(thrown, "retryIf", runtime.name);
    return false;
  };
  try {
    const verdict: unknown = retryIf(error, attempt);
    if (isThenable(verdict)) return Promise.resolve(verdict).then((v) => v !== false, report);
    return verdict !== false;
  } catch (thrown) {
    return report(thrown);
  }
}

/**
 * After a stage callback (user code) ran: a promise to await when it is async (`undefined` when it
 * already finished, so a sync callback costs no extra turn). The caller checks its generation after.
 */
function settled(engine: Engine, call: void | Promise<void>): Promise<void> | undefined {
  engine.tick();
  if (call === undefined) return undefined;
  return call.then(() => engine.tick());
}

/** Runs a stage callback; errors (sync or async) are reported, never fatal. */
function callback(
  engine: Engine,
  runtime: StageRuntime,
  name: string,
  call: () => void | Promise<void>,
): Promise<void> | void {
  try {
    const result = call();
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        undefined,
        (error) => engine.report(error, name, runtime.name),
      );
    }
  } catch (error) {
    engine.report(error, name, runtime.name);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value instanceof Promise) return true;
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}
