/** Scenario 1: one stage, 8 workers, no tracker — our `run()` against p-map, p-queue and fastq. */
import { BASE_ITEMS, measure, rowOf, scaledItems, setRatios } from "../harness.ts";
import { runOneStage } from "../engine.ts";
import { fastqCallback, fastqPromise, pMapOnce, pQueueAdd } from "../peers.ts";
import { inc } from "../tasks.ts";
import { ratioTarget } from "../targets.ts";
import type { BenchConfig, Contender, Scenario, ScenarioResult } from "../types.ts";

const WORKERS = 8;
const ANTFLOW = "antflow run()";
const P_MAP = "p-map";
const P_QUEUE = "p-queue (add + onIdle)";
const FASTQ = "fastq.promise";
const FASTQ_CB = "fastq callback API (reference)";

async function run(config: BenchConfig): Promise<ScenarioResult> {
  const started = performance.now();
  const n = scaledItems(BASE_ITEMS, config);
  const contenders: Contender[] = [
    { label: ANTFLOW, items: n, run: runOneStage(WORKERS, inc) },
    { label: P_MAP, items: n, run: pMapOnce(WORKERS, inc) },
    // p-queue 10 dequeues in O(1), but its per-task cost (events, a promise and closures per task)
    // makes 10^6 items take ~30 s here: it runs 1/10 of the items, stated in the table.
    {
      label: P_QUEUE,
      items: scaledItems(BASE_ITEMS / 10, config),
      fixedItems: true,
      run: pQueueAdd(WORKERS, inc),
    },
    { label: FASTQ, items: n, run: fastqPromise(WORKERS, inc) },
    { label: FASTQ_CB, items: n, run: fastqCallback(WORKERS, inc) },
  ];
  const rows = await measure(contenders, config, { tag: "s1", rounds: 5, noCap: true });
  const ours = rowOf(rows, ANTFLOW);
  setRatios(rows, (row, rate) => rate(ours) / rate(row));
  return {
    id: 1,
    title: `One stage, ${WORKERS} workers, no tracker, async x => x + 1`,
    kind: "throughput",
    ratioLabel: "antflow ÷ row",
    rows,
    targets: [
      ratioTarget(rowOf(rows, P_MAP), `antflow ÷ ${P_MAP}`, 1.5),
      ratioTarget(rowOf(rows, P_QUEUE), `antflow ÷ ${P_QUEUE}`, 5),
    ],
    notes: [
      "antflow: `new Pipeline({ stages: [new Stage({ workers: 8, tasks: [inc] })] }).run(items)` " +
      "(results collected in input order, like p-map).",
      "p-map: `pMap(items, inc, { concurrency: 8 })`. p-queue: `add` per item + `onIdle()`. " +
      "fastq: `fastq.promise(inc, 8)`, `push` per item, `Promise.all`.",
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

/** Scenario 1. */
export const oneStage: Scenario = { id: 1, title: "one stage vs p-map, p-queue, fastq", run };
