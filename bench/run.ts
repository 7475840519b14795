/**
 * `deno task bench` (and `bench:node`, `bench:bun`): runs the benchmark suite on the current
 * runtime, prints progress lines and a table per scenario, and optionally writes the raw JSON.
 *
 * Usage: deno task bench [-- --quick] [--scenario 1,3] [--json bench/results/deno.json]
 *        deno task bench -- --scenario 8,9 --merge bench/results/deno.json
 */
import process from "node:process";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs, USAGE } from "./args.ts";
import { runBench } from "./bench.ts";
import { collectGarbage } from "./runtime.ts";
import type { BenchReport } from "./types.ts";

/** `earlier` with `later`'s scenarios in place of (or after) its own of the same ids. */
function merged(earlier: BenchReport, later: BenchReport): BenchReport {
  const ids = later.scenarios.map((s) => s.id);
  const scenarios = [...earlier.scenarios.filter((s) => !ids.includes(s.id)), ...later.scenarios]
    .sort((a, b) => a.id - b.id);
  const run = {
    scenarios: ids,
    startedAt: later.startedAt,
    loadAverage: later.loadAverage,
    totalSeconds: later.totalSeconds,
  };
  const runs = (earlier.mergedRuns ?? []).filter((r) =>
    !r.scenarios.every((id) => ids.includes(id))
  );
  return { ...earlier, scenarios, mergedRuns: [...runs, run] };
}

const args = parseArgs(process.argv.slice(2));
if (args.help) {
  console.log(USAGE);
} else {
  const { scenarios, json, merge, help: _help, ...config } = args;
  const report = await runBench({ ...config, scenarios, log: (line) => console.log(line) });
  const { runtime, machine, peers } = report;
  console.log(
    `${runtime.name} ${runtime.version}${
      runtime.v8 ? ` (V8 ${runtime.v8})` : ""
    } on ${machine.cpu}, ` +
      `${machine.cores} cores, ${machine.memoryGB} GB, ${machine.os}; ` +
      `peers: ${Object.entries(peers).map(([k, v]) => `${k} ${v}`).join(", ")}; ` +
      `load average ${report.loadAverage.start.join(" ")} → ${report.loadAverage.end.join(" ")}; ` +
      `total ${report.totalSeconds} s`,
  );
  if (config.gc && !collectGarbage()) {
    console.log(
      "(--gc had no effect: run Node with --expose-gc, Deno with --v8-flags=--expose-gc)",
    );
  }
  if (json !== undefined) {
    writeFileSync(json, JSON.stringify(report, null, 2) + "\n");
    console.log(`raw results written to ${json}`);
  }
  if (merge !== undefined) {
    const earlier = JSON.parse(readFileSync(merge, "utf8")) as BenchReport;
    writeFileSync(merge, JSON.stringify(merged(earlier, report), null, 2) + "\n");
    console.log(`scenarios ${scenarios.join(", ")} merged into ${merge}`);
  }
}
