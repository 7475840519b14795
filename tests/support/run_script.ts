/** Runs a script with the runtime that runs the tests, and collects its output. */
import { spawn } from "node:child_process";

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command line that runs `script` with the current runtime (Deno, Bun or Node). */
export function runtimeCommand(script: string, args: string[] = []): [string, string[]] {
  const g = globalThis as { Deno?: unknown; process: { execPath: string } };
  if (g.Deno) return [g.process.execPath, ["run", "-A", script, ...args]];
  return [g.process.execPath, [script, ...args]];
}

/** Runs `script` to completion (killed after `timeoutMs`). */
export function runScript(
  script: string,
  args: string[] = [],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<ScriptRun> {
  const [cmd, argv] = runtimeCommand(script, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...(globalThis as { process: { env: Record<string, string> } }).process.env,
        NO_COLOR: "1",
        ...options.env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A script's exit code and output, and how long it lived after printing its "done " line. */
export interface LingerRun {
  code: number | null;
  out: string;
  /** Milliseconds from the first "done " on stdout to the process's exit (NaN if never printed). */
  lingerMs: number;
}

/** Runs `script` and measures how long it stays alive after it printed "done " (killed after `timeoutMs`). */
export function runUntilExit(
  script: string,
  args: string[],
  timeoutMs = 30_000,
): Promise<LingerRun> {
  const [cmd, argv] = runtimeCommand(script, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let doneAt = NaN;
    child.stdout.on("data", (d) => {
      out += d;
      if (Number.isNaN(doneAt) && out.includes("done ")) doneAt = performance.now();
    });
    child.stderr.on("data", (d) => (out += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, lingerMs: performance.now() - doneAt, out });
    });
  });
}
