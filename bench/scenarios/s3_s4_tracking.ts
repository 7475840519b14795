/**
 * Scenarios 3 and 4: the cost of tracking. Scenario 2's streamed three-stage pipeline with a
 * `StatusTracker({ maxItems: 10_000 })` — with one `status` listener (3) or with no listener and no
 * callback (4) — measured side by side with the untracked pipeline, at the same N.
 */
import { BASE_ITEMS, measure, rowOf, scaledItems, setRatios } from "../harness.ts";
import { streamStages, type Tracking } from "../engine.ts";
import { inc } from "../tasks.ts";
import { ratioTarget } from "../targets.ts";
import type { BenchConfig, Scenario, ScenarioResult } from "../types.ts";

const WORKERS = 8;
const BASELINE = "no tracker (scenario 2)";

function tracking(id: 3 | 4, mode: Tracking, label: string, threshold: number): Scenario {
  async function run(config: BenchConfig): Promise<ScenarioResult> {
    const started = performance.now();
    const n = scaledItems(BASE_ITEMS, config);
    const rows = await measure(
      [
        { label, items: n, run: streamStages(3, WORKERS, inc, mode) },
        { label: BASELINE, items: n, run: streamStages(3, WORKERS, inc) },
      ],
      config,
      { tag: `s${id}`, rounds: 3, sameItems: true },
    );
    const baseline = rowOf(rows, BASELINE);
    setRatios(rows, (row, rate) => rate(row) / rate(baseline));
    return {
      id,
      title: `Three stages, ${WORKERS} workers each, streamed, ${label}`,
      kind: "throughput",
      ratioLabel: "row ÷ no tracker",
      rows,
      targets: [ratioTarget(rowOf(rows, label), `${label} ÷ no tracker`, threshold)],
      notes: [],
      seconds: (performance.now() - started) / 1000,
    };
  }
  return { id, title: label, run };
}

/** Scenario 3: a tracker with one `status` listener. */
export const trackedWithListener: Scenario = tracking(
  3,
  "listener",
  "tracker (maxItems 10 000) + 1 status listener",
  0.4,
);

/** Scenario 4: a tracker with no listener and no callback. */
export const trackedSilent: Scenario = tracking(
  4,
  "silent",
  "tracker (maxItems 10 000), no listeners",
  0.6,
);
