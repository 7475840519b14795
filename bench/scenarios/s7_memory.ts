/**
 * Scenario 7: peak RSS of streaming N items through three stages (results read and dropped), with
 * and without a tracker, each in a fresh child process of the current runtime.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BASE_ITEMS, scaledItems } from "../harness.ts";
import { runtimeCommand } from "../runtime.ts";
import { atMost } from "../targets.ts";
import type { BenchConfig, MemoryRow, Scenario, ScenarioResult } from "../types.ts";

const MB = 1e6;
const CHILD = fileURLToPath(new URL("../memory_child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface ChildReport {
  items: number;
  peakRss: number;
  startRss: number;
  hwm?: number;
  samples: number;
  seconds: number;
}

/** Runs the child script with `args`; resolves to the JSON line it prints last. */
function runChild(args: string[]): Promise<ChildReport> {
  const [cmd, argv] = runtimeCommand(CHILD, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) {
        reject(
          new Error(`memory child ${args.join(" ")} exited with ${code}: ${stderr || stdout}`),
        );
        return;
      }
      resolve(JSON.parse(last));
    });
  });
}

function toRow(label: string, r: ChildReport): MemoryRow {
  const round = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;
  return {
    label,
    items: r.items,
    peakRssMB: round(r.peakRss),
    startRssMB: round(r.startRss),
    ...(r.hwm === undefined ? {} : { hwmMB: round(r.hwm) }),
    samples: r.samples,
    seconds: Math.round(r.seconds * 100) / 100,
    itemsPerSec: r.seconds > 0 ? Math.round(r.items / r.seconds) : 0,
  };
}

async function run(config: BenchConfig): Promise<ScenarioResult> {
  const started = performance.now();
  const n = scaledItems(BASE_ITEMS, config);
  const runs: [string, string][] = [
    ["idle", "runtime + modules loaded, nothing run"],
    ["plain", "3 stages, no tracker"],
    ["tracker", "3 stages, tracker (maxItems 10 000) + 1 status listener"],
  ];
  const rows: MemoryRow[] = [];
  for (const [mode, label] of runs) {
    const row = toRow(label, await runChild([mode, String(mode === "idle" ? 0 : n)]));
    config.log(
      `  s7 ${label.padEnd(58)} peak ${row.peakRssMB} MB (before run ${row.startRssMB} MB, ` +
        `VmHWM ${row.hwmMB ?? "?"} MB) ${row.seconds} s`,
    );
    rows.push(row);
  }
  return {
    id: 7,
    title: "Memory: peak RSS streaming through three stages (fresh child process each)",
    kind: "memory",
    rows,
    targets: [
      atMost("peak RSS, no tracker", rows[1].peakRssMB, 120, "MB"),
      atMost("peak RSS, tracker", rows[2].peakRssMB, 160, "MB"),
    ],
    notes: [
      "Input is a generator (no N-element array); results are read and dropped. RSS is sampled " +
      "every 1 024 results and every 10 ms; VmHWM is the kernel's high-water mark (Linux).",
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

/** Scenario 7. */
export const memory: Scenario = { id: 7, title: "memory", run };
