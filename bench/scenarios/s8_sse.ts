/**
 * Scenario 8: watching a run. Scenario 2's streamed three-stage pipeline (N = 100 000) untracked,
 * with a tracker (`maxItems: 10 000`) and no listener, with one `status` listener, and served by
 * `antflowRoutes({ tracker, pipeline })` to 1 or 100 `/events` clients (every event) or 100
 * summary clients (`?mode=summary`), each stream read in this process to the run's `runend` —
 * all measured side by side in alternating rounds.
 */
import { measure, rowOf, scaledItems, setRatios } from "../harness.ts";
import { streamStages } from "../engine.ts";
import { servedStages } from "../sse.ts";
import { inc } from "../tasks.ts";
import { ratioTarget } from "../targets.ts";
import type { BenchConfig, Scenario, ScenarioResult } from "../types.ts";

const WORKERS = 8;
const BASELINE = "no tracker";
const SILENT = "tracker (maxItems 10 000), no listener";
const LISTENER = "tracker + 1 status listener";
const FULL_1 = "SSE, 1 client, every event";
const FULL_100 = "SSE, 100 clients, every event";
const SUMMARY_100 = "SSE, 100 clients, mode=summary";

async function run(config: BenchConfig): Promise<ScenarioResult> {
  const started = performance.now();
  const n = scaledItems(100_000, config);
  const rows = await measure(
    [
      { label: BASELINE, items: n, run: streamStages(3, WORKERS, inc) },
      { label: SILENT, items: n, run: streamStages(3, WORKERS, inc, "silent") },
      { label: LISTENER, items: n, run: streamStages(3, WORKERS, inc, "listener") },
      { label: FULL_1, items: n, run: servedStages(1, "full", WORKERS, inc) },
      { label: FULL_100, items: n, run: servedStages(100, "full", WORKERS, inc) },
      { label: SUMMARY_100, items: n, run: servedStages(100, "summary", WORKERS, inc) },
    ],
    config,
    { tag: "s8", rounds: 5, sameItems: true, noCap: true },
  );
  const baseline = rowOf(rows, BASELINE);
  setRatios(rows, (row, rate) => rate(row) / rate(baseline));
  const target = (label: string, threshold: number) =>
    ratioTarget(rowOf(rows, label), `${label} ÷ no tracker`, threshold);
  return {
    id: 8,
    title: `Watching a run: three stages, ${WORKERS} workers each, streamed, served over SSE`,
    kind: "throughput",
    ratioLabel: "row ÷ no tracker",
    rows,
    targets: [
      target(SILENT, 0.6),
      target(LISTENER, 0.2),
      target(FULL_1, 0.25),
      target(FULL_100, 0.1),
      target(SUMMARY_100, 0.3),
    ],
    notes: [
      "SSE rows: `antflowRoutes({ tracker, pipeline })`, every stream opened with " +
      '`app.request("/events")` before the run and read in this process (bytes counted, not ' +
      "parsed) until the chunk that ends with the run's `runend`; the clock stops when every " +
      "stream got it.",
      "A full stream carries 15 messages per item (9 status changes, 3 `taskstart`, 3 " +
      "`taskcomplete`); a summary stream, a snapshot at most every 250 ms, the failures and the " +
      "run events.",
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

/** Scenario 8. */
export const watched: Scenario = { id: 8, title: "watching a run over SSE", run };
