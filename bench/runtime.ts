/**
 * Everything runtime-specific in the suite, feature-detected: which runtime this is, forcing a
 * garbage collection, the machine description, and the command line that re-runs this runtime.
 */
import process from "node:process";
import os from "node:os";
import { readFileSync } from "node:fs";
import type { Machine } from "./types.ts";

interface RuntimeGlobals {
  Deno?: { version: { deno: string; v8: string }; execPath(): string };
  Bun?: { version: string; gc(force: boolean): void };
  gc?: () => void;
}

const g = globalThis as unknown as RuntimeGlobals;

/** The runtime running the suite: `deno`, `bun` or `node`. */
export type RuntimeName = "deno" | "bun" | "node";

/**
 * Detects the runtime.
 *
 * @returns `"deno"`, `"bun"` or `"node"`.
 */
export function runtimeName(): RuntimeName {
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  return "node";
}

/**
 * The runtime's name, version and V8 version (none on Bun, which runs JavaScriptCore).
 *
 * @returns e.g. `{ name: "deno", version: "2.9.6", v8: "14.0.1" }`.
 */
export function runtimeInfo(): { name: string; version: string; v8?: string } {
  if (g.Deno !== undefined) {
    return { name: "deno", version: g.Deno.version.deno, v8: g.Deno.version.v8 };
  }
  if (g.Bun !== undefined) return { name: "bun", version: g.Bun.version };
  return { name: "node", version: process.versions.node, v8: process.versions.v8 };
}

/**
 * Collects garbage if the runtime lets us (`--expose-gc` on Node, `--v8-flags=--expose-gc` on
 * Deno, always on Bun), so that one contender's garbage is not collected during the next one's run.
 *
 * @returns Whether a collection was requested.
 */
export function collectGarbage(): boolean {
  if (g.Bun !== undefined) {
    g.Bun.gc(true);
    return true;
  }
  if (typeof g.gc === "function") {
    g.gc();
    return true;
  }
  return false;
}

/**
 * The command line that runs `script` with the current runtime.
 *
 * @param script Path of a `.ts` file.
 * @param args Arguments for the script.
 * @returns The executable and its arguments.
 */
export function runtimeCommand(script: string, args: string[] = []): [string, string[]] {
  if (g.Deno !== undefined) return [g.Deno.execPath(), ["run", "-A", script, ...args]];
  return [process.execPath, [script, ...args]];
}

/**
 * Describes the machine: CPU model (from /proc/cpuinfo where there is one), cores, RAM and OS.
 *
 * @returns The description.
 */
export function machineInfo(): Machine {
  const cpus = os.cpus();
  let cpu = cpus[0]?.model ?? "unknown";
  let osName = `${os.type()} ${os.release()}`;
  try {
    const model = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m);
    if (model) cpu = model[1].trim();
  } catch { /* not Linux */ }
  try {
    const pretty = readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]+)"?$/m);
    if (pretty) osName = `${pretty[1]} (${os.type()} ${os.release()})`;
  } catch { /* no os-release */ }
  return {
    cpu,
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    os: osName,
  };
}

/**
 * The 1, 5 and 15 minute load averages (how busy the shared machine was).
 *
 * @returns Three numbers, rounded to two decimals.
 */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

/**
 * The installed version of an npm package (read from `node_modules`).
 *
 * @param name The package name.
 * @returns Its version, or `"?"` when it cannot be read.
 */
export function packageVersion(name: string): string {
  try {
    const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return JSON.parse(readFileSync(url, "utf8")).version ?? "?";
  } catch {
    return "?";
  }
}

/**
 * The resident set size of this process, in bytes.
 *
 * @returns `process.memoryUsage().rss` (the cheaper `.rss()` form where it exists).
 */
export function residentSetSize(): number {
  const usage = process.memoryUsage as unknown as { rss?: () => number };
  return typeof usage.rss === "function" ? usage.rss() : process.memoryUsage().rss;
}

/**
 * The kernel's peak-RSS mark for this process (`VmHWM`), where /proc exists.
 *
 * @returns Bytes, or `undefined` off Linux.
 */
export function peakResidentSetSize(): number | undefined {
  try {
    const m = readFileSync("/proc/self/status", "utf8").match(/^VmHWM:\s*(\d+)\s*kB$/m);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
