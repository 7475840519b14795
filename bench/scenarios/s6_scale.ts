/**
 * Scenario 6: scale. One stage, `run()`, over a grid of 10 000 / 100 000 / 1 000 000 items and
 * 8 / 64 / 1 000 workers; items/s should stay flat. Runs shorter than 100 000 items are repeated
 * so every sample times at least 100 000 items. `run()` keeps every result until it resolves (as
 * p-map does), so a reference row streams the same items with 8 workers (`stream()`, results
 * dropped) to tell the engine's own scaling from the cost of holding N results.
 */
import { BASE_ITEMS, measure, scaledItems, setRatios } from "../harness.ts";
import { runOneStage, streamStages } from "../engine.ts";
import { inc } from "../tasks.ts";
import { atLeast } from "../targets.ts";
import { grouped } from "../stats.ts";
import type {
  BenchConfig,
  Contender,
  Scenario,
  ScenarioResult,
  Target,
  ThroughputRow,
} from "../types.ts";

const WORKERS = [8, 64, 1000];
const ITEMS = [BASE_ITEMS / 100, BASE_ITEMS / 10, BASE_ITEMS];

function cell(rows: ThroughputRow[], workers: number, items: number): ThroughputRow {
  const row = rows.find((r) =>
    r.tags?.workers === workers && r.tags?.nominal === items && r.tags?.api === "run()"
  );
  if (row === undefined) throw new Error(`Benchmark: no cell ${workers} workers × ${items} items`);
  return row;
}

/** "a keeps at least `threshold` of b's rate", on medians (and best runs, for reading). */
function versus(a: ThroughputRow, b: ThroughputRow, label: string, threshold: number): Target {
  return atLeast(label, a.median / b.median, threshold, "×", a.max / b.max);
}

async function run(config: BenchConfig): Promise<ScenarioResult> {
  const started = performance.now();
  const minSample = scaledItems(BASE_ITEMS / 10, config);
  const contenders: Contender[] = [];
  for (const workers of WORKERS) {
    for (const nominal of ITEMS) {
      const items = scaledItems(nominal, config);
      contenders.push({
        label: `${grouped(workers)} workers × ${grouped(items)} items`,
        items,
        reps: Math.max(1, Math.round(minSample / items)),
        run: runOneStage(workers, inc),
        tags: { workers, nominal, api: "run()" },
      });
    }
  }
  for (const nominal of ITEMS) {
    const items = scaledItems(nominal, config);
    contenders.push({
      label: `8 workers × ${grouped(items)} items, stream() (reference)`,
      items,
      reps: Math.max(1, Math.round(minSample / items)),
      run: streamStages(1, 8, inc),
      tags: { workers: 8, nominal, api: "stream()" },
    });
  }
  const rows = await measure(contenders, config, { tag: "s6", rounds: 3, noCap: true });
  const reference = cell(rows, 8, ITEMS[0]);
  setRatios(rows, (row, rate) => rate(row) / rate(reference));
  const [small, middle, large] = ITEMS;
  return {
    id: 6,
    title: "Scale: one stage, items × workers",
    kind: "throughput",
    ratioLabel: "row ÷ (8 workers, fewest items, run())",
    rows,
    targets: [
      versus(
        cell(rows, 1000, middle),
        cell(rows, 8, middle),
        `1 000 workers ÷ 8 workers (${grouped(cell(rows, 8, middle).items)} items)`,
        0.5,
      ),
      versus(
        cell(rows, 8, large),
        cell(rows, 8, small),
        `${grouped(cell(rows, 8, large).items)} items ÷ ${
          grouped(cell(rows, 8, small).items)
        } items (8 workers)`,
        0.8,
      ),
    ],
    notes: [`Each sample times at least ${grouped(minSample)} items: shorter runs are repeated.`],
    seconds: (performance.now() - started) / 1000,
  };
}

/** Scenario 6. */
export const scale: Scenario = { id: 6, title: "scale", run };
