/**
 * `deno task bench` (and `bench:node`, `bench:bun`): runs the benchmark suite on the current
 * runtime, prints progress lines and a table per scenario, and optionally writes the raw JSON.
 *
 * Usage: deno task bench [-- --quick] [--scenario 1,3] [--json bench/results/deno.json]
 */
import process from "node:process";
import { writeFileSync } from "node:fs";
import { parseArgs, USAGE } from "./args.ts";
import { runBench } from "./bench.ts";
import { collectGarbage } from "./runtime.ts";

const args = parseArgs(process.argv.slice(2));
if (args.help) {
  console.log(USAGE);
} else {
  const { scenarios, json, help: _help, ...config } = args;
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
}
