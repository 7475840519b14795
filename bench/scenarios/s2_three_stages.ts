/** Scenario 2: three stages, 8 workers each, streamed — against three chained p-map calls. */
import { BASE_ITEMS, measure, rowOf, scaledItems, setRatios } from "../harness.ts";
import { streamStages } from "../engine.ts";
import { pMapChained, pMapIterableChained } from "../peers.ts";
import { inc } from "../tasks.ts";
import { ratioTarget } from "../targets.ts";
import type { BenchConfig, Scenario, ScenarioResult } from "../types.ts";

const WORKERS = 8;
const ANTFLOW = "antflow stream(), 3 stages";
const P_MAP = "p-map ×3 chained";
const P_MAP_ITERABLE = "pMapIterable ×3 chained (reference)";

async function run(config: BenchConfig): Promise<ScenarioResult> {
  const started = performance.now();
  const n = scaledItems(BASE_ITEMS, config);
  const rows = await measure(
    [
      { label: ANTFLOW, items: n, run: streamStages(3, WORKERS, inc) },
      { label: P_MAP, items: n, run: pMapChained(WORKERS, inc) },
      { label: P_MAP_ITERABLE, items: n, run: pMapIterableChained(WORKERS, inc) },
    ],
    config,
    { tag: "s2", rounds: 5, noCap: true },
  );
  const ours = rowOf(rows, ANTFLOW);
  setRatios(rows, (row, rate) => rate(ours) / rate(row));
  return {
    id: 2,
    title: `Three stages, ${WORKERS} workers each, no tracker, streamed`,
    kind: "throughput",
    ratioLabel: "antflow ÷ row",
    rows,
    targets: [ratioTarget(rowOf(rows, P_MAP), `antflow ÷ ${P_MAP}`, 1.5)],
    notes: [
      "antflow: `for await (const _ of pipeline.stream(items))` — results read and dropped.",
      "p-map ×3: `pMap(await pMap(await pMap(items, inc, c), inc, c), inc, c)` (batch by batch). " +
      "pMapIterable ×3: the streaming form, three chained `pMapIterable` read with `for await`.",
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

/** Scenario 2. */
export const threeStages: Scenario = { id: 2, title: "three stages vs chained p-map", run };
