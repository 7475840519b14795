/**
 * Small fixtures shared by the pipeline and tracker tests: tasks and stages that take a while, wait
 * at a gate or fail, and a way to collect a stream. Each builds exactly what a test would write out
 * by hand (an anonymous task of one parameter, so the engine names it `task<i>` and builds no
 * context for it).
 */
import { Stage, type StageOptions } from "../../mod.ts";
import { type gate, sleep } from "./helpers.ts";

/** A promise with its resolver, as {@link gate} makes it. */
export type Gate = ReturnType<typeof gate>;

/** A stage's options besides its name, workers and tasks. */
export type StageExtras = Omit<StageOptions, "name" | "workers" | "tasks">;

/**
 * A task that waits `ms` (a number, or computed from the input), then returns its input, or
 * `map(input)` when given.
 */
export function slowTask<T, R = T>(
  ms: number | ((x: T) => number),
  map?: (x: T) => R,
): (x: T) => Promise<R> {
  return async (x: T) => {
    await sleep(typeof ms === "number" ? ms : ms(x));
    return map ? map(x) : x as unknown as R;
  };
}

/**
 * A task that opens `started` (when given) as it starts, waits until `hold` opens, then returns its
 * input: the test waits on `started` instead of sleeping until the worker has the item.
 */
export function heldTask<T>(hold: Gate, started?: Gate): (x: T) => Promise<T> {
  return async (x: T) => {
    started?.open();
    await hold.promise;
    return x;
  };
}

/** A task that throws a new `type(message)` (an `Error` by default) on every call. */
export function failingTask(
  message: string,
  type: new (message: string) => Error = Error,
): () => never {
  return () => {
    throw new type(message);
  };
}

/** A task that throws `value` itself (the same object) on every call. */
export function throwingTask(value: unknown): () => never {
  return () => {
    throw value;
  };
}

/** A stage whose one task waits `ms`, then returns its input. */
export function slowStage(
  name: string,
  workers: number,
  ms: number,
  extras: StageExtras = {},
): Stage {
  return new Stage({ name, workers, tasks: [slowTask(ms)], ...extras });
}

/** A stage whose one task waits at `hold` (see {@link heldTask}), then returns its input. */
export function heldStage(
  name: string,
  workers: number,
  hold: Gate,
  extras: StageExtras & { started?: Gate } = {},
): Stage {
  const { started, ...options } = extras;
  return new Stage({ name, workers, tasks: [heldTask(hold, started)], ...options });
}

/** Everything a stream (or any async iterable) yields, in order. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of stream) out.push(value);
  return out;
}

/**
 * Resolves once `condition()` holds, checking every millisecond or so; rejects after `timeoutMs`.
 * For waiting until the engine is ready for the next step, never in place of an assertion.
 */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) {
      throw new Error(`still waiting after ${timeoutMs} ms: ${what}`);
    }
    await sleep(1);
  }
}
