import { backoffDelay } from "../limits/backoff.ts";
import type { Semaphore } from "../limits/semaphore.ts";
import { isThenable } from "../utils/thenable.ts";
import { describeValue } from "../utils/validate.ts";
import { AttemptContext } from "./context.ts";
import type { Envelope } from "./envelope.ts";
import type { Stage } from "./stage.ts";
import type { StageRuntime } from "./stage_runtime.ts";
import type { WorkerSlot } from "./worker_slot.ts";

/**
 * The wait before the next attempt, after attempt `attempt` failed with `error`: the stage's
 * backoff options, or its backoff function (whose errors and bad values are reported, and
 * `taskWaitMs` waited instead).
 *
 * @internal
 */
export function retryWait(
  runtime: StageRuntime,
  attempt: number,
  error: Error,
  report: (error: unknown, where: string, stage: string) => void,
): number {
  return backoffWait(runtime.stage, attempt, error, report);
}

/**
 * {@linkcode retryWait} for a stage definition (shared with `@antflow/antflow/nats`, whose
 * per_stage retries wait in the server).
 *
 * @internal
 */
export function backoffWait(
  stage: Stage,
  attempt: number,
  error: Error,
  report: (error: unknown, where: string, stage: string) => void,
): number {
  const backoff = stage.backoff;
  if (typeof backoff !== "function") return backoffDelay(stage.taskWaitMs, attempt, backoff);
  try {
    const wait: unknown = backoff(attempt, error);
    if (typeof wait === "number" && wait >= 0 && Number.isFinite(wait)) return wait;
    report(
      new TypeError(
        `Stage ${JSON.stringify(stage.name)}: backoff must return a finite number of ms >= 0, got ${
          describeValue(wait)
        }`,
      ),
      "backoff",
      stage.name,
    );
  } catch (thrown) {
    report(thrown, "backoff", stage.name);
  }
  return stage.taskWaitMs;
}

/**
 * Asks `retryIf` whether to retry after attempt `attempt` failed with `error`: sync or async, and
 * a throw or rejection (reported) means "do not retry". The promise never rejects.
 *
 * @internal
 */
export function mayRetry(
  report: (error: unknown, where: string, stage: string) => void,
  stage: string,
  retryIf: (error: unknown, attempt: number) => boolean | Promise<boolean>,
  error: Error,
  attempt: number,
): boolean | Promise<boolean> {
  const refuse = (thrown: unknown): false => {
    report(thrown, "retryIf", stage);
    return false;
  };
  try {
    const verdict: unknown = retryIf(error, attempt);
    if (isThenable(verdict)) return Promise.resolve(verdict).then((v) => v !== false, refuse);
    return verdict !== false;
  } catch (thrown) {
    return refuse(thrown);
  }
}

/**
 * Starts one attempt of task `taskIndex` on `value`. Returns the task's result as is (a value, or a
 * promise for async tasks) and throws synchronously when a sync task throws, so the worker awaits
 * only what is a promise. Limits and timeouts take the slower, guarded path.
 *
 * @internal
 */
export function startAttempt(
  runtime: StageRuntime,
  slot: WorkerSlot,
  envelope: Envelope,
  taskIndex: number,
  value: unknown,
  attempt: number,
): unknown {
  const stage = runtime.stage;
  const name = stage.taskNames[taskIndex];
  slot.currentTask = name;
  const limit = runtime.taskLimits[taskIndex];
  const timeoutMs = stage.options.taskTimeoutMs;
  if (limit === undefined && timeoutMs === undefined) {
    const task = stage.tasks[taskIndex];
    if (!runtime.wantsContext[taskIndex]) return task(value, undefined as never);
    return task(
      value,
      new AttemptContext(runtime, slot, envelope, name, attempt, envelope.batch.signal),
    );
  }
  return guardedAttempt(runtime, slot, envelope, taskIndex, value, attempt, limit, timeoutMs);
}

async function guardedAttempt(
  runtime: StageRuntime,
  slot: WorkerSlot,
  envelope: Envelope,
  taskIndex: number,
  value: unknown,
  attempt: number,
  limit: Semaphore | undefined,
  timeoutMs: number | undefined,
): Promise<unknown> {
  const runSignal = envelope.batch.signal;
  const release = limit === undefined
    ? undefined
    : limit.tryAcquire() ?? await limit.acquire({ signal: runSignal });
  try {
    const name = runtime.stage.taskNames[taskIndex];
    const task = runtime.stage.tasks[taskIndex];
    if (timeoutMs === undefined) {
      return await task(
        value,
        new AttemptContext(runtime, slot, envelope, name, attempt, runSignal),
      );
    }
    return await withTimeout(
      timeoutMs,
      runSignal,
      `Task "${name}" of stage "${runtime.name}"`,
      (signal) => task(value, new AttemptContext(runtime, slot, envelope, name, attempt, signal)),
    );
  } finally {
    release?.();
  }
}

/**
 * Runs `call` with an attempt signal that aborts after `timeoutMs` (with a `TimeoutError`) or when
 * `runSignal` aborts. The returned promise settles at that moment even if the task ignores the
 * signal; the timer and listener are gone once it settles.
 */
function withTimeout(
  timeoutMs: number,
  runSignal: AbortSignal,
  what: string,
  call: (signal: AbortSignal) => unknown,
): Promise<unknown> {
  if (runSignal.aborted) return Promise.reject(runSignal.reason);
  const controller = new AbortController();
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      runSignal.removeEventListener("abort", onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (!finish()) return;
      controller.abort(runSignal.reason);
      reject(runSignal.reason);
    };
    const timer = setTimeout(() => {
      if (!finish()) return;
      const error = new DOMException(`${what} timed out after ${timeoutMs} ms`, "TimeoutError");
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    runSignal.addEventListener("abort", onAbort, { once: true });
    let out: unknown;
    try {
      out = call(controller.signal);
    } catch (error) {
      if (finish()) reject(error);
      return;
    }
    Promise.resolve(out).then(
      (result) => finish() && resolve(result),
      (error) => finish() && reject(error),
    );
  });
}

/**
 * The error a failed attempt carries: Error instances unchanged; any other thrown value becomes an
 * `Error` whose `cause` is that value, so `error !== undefined` exactly when an item failed.
 *
 * @internal
 */
export function toError(thrown: unknown, taskName: string): Error {
  if (isError(thrown)) return thrown;
  return new Error(`Task "${taskName}" threw a non-Error value: ${describeValue(thrown)}`, {
    cause: thrown,
  });
}

/** `{ error, errorType }` for status metadata, never throwing on exotic errors. */
export function errorFacts(error: Error): { error: string; errorType: string } {
  let message = "";
  let name = "Error";
  try {
    message = String(error.message);
    name = String(error.name);
  } catch {
    // an error whose getters throw: keep the defaults
  }
  return { error: message, errorType: name };
}

/** `value instanceof Error`, but false (not a throw) for proxies whose traps throw. */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}
