/**
 * The suite as a function: runs the chosen scenarios in this process (scenario 7 spawns children)
 * and returns the raw results. `run.ts` is the command line around it; the smoke test calls it.
 */
import { SCENARIOS } from "./scenarios/mod.ts";
import { renderScenario } from "./table.ts";
import { loadAverage, machineInfo, packageVersion, runtimeInfo } from "./runtime.ts";
import type { BenchConfig, BenchReport } from "./types.ts";

/** Options of `runBench()`. */
export interface RunBenchOptions extends Partial<Omit<BenchConfig, "log">> {
  /** Scenario numbers (1–9), in order. Default: all. */
  scenarios?: number[];
  /** Progress lines and each scenario's table as soon as it is done. Default: nothing. */
  log?: (line: string) => void;
}

/**
 * Runs the benchmark scenarios and collects their results.
 *
 * @param options Which scenarios, quick mode, sizes, rounds, time cap and a log sink.
 * @returns The report (what `--json` writes).
 * @throws {RangeError} For an unknown scenario number.
 */
export async function runBench(options: RunBenchOptions = {}): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const config: BenchConfig = {
    quick: options.quick ?? false,
    full: options.full ?? false,
    gc: options.gc ?? false,
    items: options.items,
    rounds: options.rounds,
    maxRunSeconds: options.maxRunSeconds ?? 8,
    log,
  };
  const ids = options.scenarios ?? SCENARIOS.map((s) => s.id);
  const chosen = ids.map((id) => {
    const scenario = SCENARIOS.find((s) => s.id === id);
    if (scenario === undefined) throw new RangeError(`bench: no scenario ${id} (there are 1–9)`);
    return scenario;
  });
  const started = performance.now();
  const report: BenchReport = {
    runtime: runtimeInfo(),
    machine: machineInfo(),
    peers: Object.fromEntries(
      ["p-map", "p-queue", "fastq"].map((name) => [name, packageVersion(name)]),
    ),
    startedAt: new Date().toISOString(),
    config: {
      quick: config.quick,
      full: config.full,
      gc: config.gc,
      ...(config.items === undefined ? {} : { items: config.items }),
      ...(config.rounds === undefined ? {} : { rounds: config.rounds }),
      maxRunSeconds: config.maxRunSeconds,
    },
    loadAverage: { start: loadAverage(), end: [] },
    scenarios: [],
    totalSeconds: 0,
  };
  for (const scenario of chosen) {
    log(`Scenario ${scenario.id}: ${scenario.title}`);
    const result = await scenario.run(config);
    report.scenarios.push(result);
    log("");
    for (const line of renderScenario(result)) log(line);
  }
  report.loadAverage.end = loadAverage();
  report.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
  return report;
}
