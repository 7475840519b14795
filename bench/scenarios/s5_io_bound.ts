/**
 * Scenario 5: I/O-bound. 100 workers; each task awaits a timer of 1–9 ms (uniform integers from a
 * seeded PRNG); 20 000 items. The ideal rate is workers ÷ mean delay. p-map with the same
 * concurrency and 100 bare `async` loops (no library) show what the timers themselves allow.
 */
import { BASE_ITEMS, measure, rowOf, scaledItems, setRatios } from "../harness.ts";
import { runOneStage } from "../engine.ts";
import { type Body, pMapOnce } from "../peers.ts";
import { seededDelays, sleepingTask } from "../tasks.ts";
import { atLeast } from "../targets.ts";
import { grouped } from "../stats.ts";
import type { BenchConfig, Scenario, ScenarioResult } from "../types.ts";

const WORKERS = 100;
const ANTFLOW = "antflow run(), 100 workers";

/** `workers` async loops taking the next item from a shared index: the no-library floor. */
function bareLoops(workers: number, task: (x: number) => Promise<number>): Body {
  return async (input) => {
    let next = 0;
    const loop = async (): Promise<void> => {
      while (next < input.length) await task(input[next++]);
    };
    await Promise.all(Array.from({ length: workers }, loop));
  };
}

async function run(config: BenchConfig): Promise<ScenarioResult> {
  const started = performance.now();
  const n = scaledItems(BASE_ITEMS / 50, config);
  const delays = seededDelays(n);
  const meanMs = delays.reduce((a, b) => a + b, 0) / n;
  const ideal = WORKERS / (meanMs / 1000);
  const task = sleepingTask(delays);
  const rows = await measure(
    [
      { label: ANTFLOW, items: n, run: runOneStage(WORKERS, task) },
      { label: "p-map, concurrency 100 (reference)", items: n, run: pMapOnce(WORKERS, task) },
      { label: "100 bare async loops (reference)", items: n, run: bareLoops(WORKERS, task) },
    ],
    config,
    { tag: "s5", rounds: 3, noCap: true },
  );
  setRatios(rows, (row, rate) => rate(row) / ideal);
  const ours = rowOf(rows, ANTFLOW);
  return {
    id: 5,
    title: `I/O-bound: ${WORKERS} workers, tasks await a 1–9 ms timer`,
    kind: "throughput",
    ratioLabel: "row ÷ ideal",
    rows,
    targets: [atLeast("antflow ÷ ideal rate", ours.ratio! * 100, 95, "%", ours.bestRatio! * 100)],
    notes: [
      `Ideal: ${WORKERS} workers ÷ ${meanMs.toFixed(3)} ms mean delay = ${
        grouped(ideal)
      } items/s ` +
      `(the mean of the ${grouped(n)} seeded delays actually used).`,
      "A timer fires at or after its delay, never before: the bare loops show the best rate the " +
      "runtime's timers allow.",
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

/** Scenario 5. */
export const ioBound: Scenario = { id: 5, title: "I/O-bound efficiency", run };
