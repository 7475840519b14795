/** The work every contender does: the same task functions and the same seeded delays. */
import { seededRandom } from "./stats.ts";

/**
 * The trivial async task of the CPU-bound scenarios.
 *
 * @param x An integer.
 * @returns `x + 1`.
 */
export async function inc(x: number): Promise<number> {
  return x + 1;
}

/**
 * Delays for the I/O-bound scenario: integers 1..9 ms, uniform, from a seeded PRNG, so every
 * contender and every runtime sleeps the same amounts for the same items.
 *
 * @param count How many items.
 * @param seed PRNG seed.
 * @returns One delay in ms per item index.
 */
export function seededDelays(count: number, seed = 20_251_126): Int32Array {
  const random = seededRandom(seed);
  const delays = new Int32Array(count);
  for (let i = 0; i < count; i++) delays[i] = 1 + Math.floor(random() * 9);
  return delays;
}

/**
 * A task that sleeps for its item's delay (a `setTimeout`), then returns `x + 1`.
 *
 * @param delays From `seededDelays()`, indexed by item.
 * @returns The task.
 */
export function sleepingTask(delays: Int32Array): (x: number) => Promise<number> {
  return function sleepThenInc(x: number): Promise<number> {
    return new Promise((resolve) => setTimeout(() => resolve(x + 1), delays[x]));
  };
}
