/**
 * Turns the raw `--json` results of one run per runtime into the tables of BENCHMARKS.md: a target
 * summary (met/missed per runtime), the machine, then every scenario's table per runtime. The text
 * between the `results:start` and `results:end` markers is replaced; the rest of the file is kept.
 *
 * Usage: deno task bench:report [--out BENCHMARKS.md] bench/results/deno.json bench/results/node.json ...
 * (default: the three files in bench/results/ that exist, written into BENCHMARKS.md)
 */
import process from "node:process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { renderScenario, targetMark, targetValue } from "./table.ts";
import type { BenchReport } from "./types.ts";

const START = "<!-- results:start -->";
const END = "<!-- results:end -->";
const RUNTIME_TITLES: Record<string, string> = { deno: "Deno", node: "Node", bun: "Bun" };

function runtimeTitle(r: BenchReport): string {
  return `${RUNTIME_TITLES[r.runtime.name] ?? r.runtime.name} ${r.runtime.version}`;
}

/** One row per target (scenario + label), one column per runtime. */
function targetSummary(reports: BenchReport[]): string[] {
  const keys: { id: number; index: number; label: string }[] = [];
  for (const r of reports) {
    for (const s of r.scenarios) {
      s.targets.forEach((t, index) => {
        if (!keys.some((k) => k.id === s.id && k.index === index)) {
          keys.push({ id: s.id, index, label: t.label });
        }
      });
    }
  }
  keys.sort((a, b) => a.id - b.id || a.index - b.index);
  const lines = [
    `| scenario | target | ${reports.map(runtimeTitle).join(" | ")} |`,
    `| ---: | --- | ${reports.map(() => "---").join(" | ")} |`,
  ];
  for (const key of keys) {
    const cells = reports.map((r) => {
      const t = r.scenarios.find((s) => s.id === key.id)?.targets[key.index];
      return t === undefined ? "not run" : `${targetMark(t)}: ${targetValue(t)}`;
    });
    lines.push(`| ${key.id} | ${key.label} | ${cells.join(" | ")} |`);
  }
  return lines;
}

function machineSection(reports: BenchReport[]): string[] {
  const m = reports[0].machine;
  const lines = [
    `- CPU: ${m.cpu} (${m.cores} cores as seen by the runtime), RAM ${m.memoryGB} GB, OS ${m.os}.`,
  ];
  for (const r of reports) {
    const peers = Object.entries(r.peers).map(([k, v]) => `${k} ${v}`).join(", ");
    lines.push(
      `- ${runtimeTitle(r)}${r.runtime.v8 ? ` (V8 ${r.runtime.v8})` : ""}: run ${r.startedAt}, ` +
        `${r.totalSeconds} s in all, load average ${
          r.loadAverage.start.join(" / ")
        } at the start ` +
        `and ${r.loadAverage.end.join(" / ")} at the end; ${peers}` +
        `${r.config.quick ? "; QUICK MODE (not representative)" : ""}` +
        `${r.config.full ? "; --full (no N cap)" : `; N cap ${r.config.maxRunSeconds} s per run`}.`,
    );
    for (const m of r.mergedRuns ?? []) {
      lines.push(
        `  - ${runtimeTitle(r)}, scenarios ${m.scenarios.join(", ")} run again ${m.startedAt}, ` +
          `${m.totalSeconds} s, load average ${m.loadAverage.start.join(" / ")} at the start and ` +
          `${m.loadAverage.end.join(" / ")} at the end (their tables below are from this run).`,
      );
    }
  }
  return lines;
}

/**
 * Renders the generated part of BENCHMARKS.md.
 *
 * @param reports One report per runtime.
 * @returns Markdown, without the markers.
 */
export function renderResults(reports: BenchReport[]): string {
  const lines = [
    "## Targets",
    "",
    ...targetSummary(reports),
    "",
    "## Machine and runs",
    "",
    ...machineSection(reports),
    "",
  ];
  for (const r of reports) {
    lines.push(`## ${runtimeTitle(r)}`, "");
    for (const s of r.scenarios) lines.push(...renderScenario(s, 3));
  }
  return lines.join("\n");
}

if (import.meta.main ?? process.argv[1]?.endsWith("report.ts")) {
  const argv = process.argv.slice(2).filter((a) => a !== "--");
  let out = new URL("../BENCHMARKS.md", import.meta.url).pathname;
  const outAt = argv.indexOf("--out");
  if (outAt >= 0) out = argv.splice(outAt, 2)[1];
  const files = argv.length > 0 ? argv : ["deno", "node", "bun"]
    .map((name) => new URL(`./results/${name}.json`, import.meta.url).pathname)
    .filter((file) => existsSync(file));
  const reports = files.map((file) => JSON.parse(readFileSync(file, "utf8")) as BenchReport);
  const generated = `${START}\n\n${renderResults(reports)}\n${END}`;
  const current = existsSync(out) ? readFileSync(out, "utf8") : `${START}\n${END}\n`;
  const from = current.indexOf(START);
  const to = current.indexOf(END);
  if (from < 0 || to < from) throw new Error(`bench report: ${out} has no ${START} … ${END} block`);
  writeFileSync(out, current.slice(0, from) + generated + current.slice(to + END.length));
  console.log(`${out}: tables from ${files.join(", ")}`);
}
