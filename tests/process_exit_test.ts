import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const fixture = fileURLToPath(new URL("./support/exit_fixture.ts", import.meta.url));

/** The command that runs a script with the runtime running this test. */
export function runtimeCommand(script: string, args: string[]): [string, string[]] {
  const g = globalThis as { Deno?: unknown; Bun?: unknown; process: { execPath: string } };
  if (g.Deno) return [g.process.execPath, ["run", "-A", script, ...args]];
  return [g.process.execPath, [script, ...args]];
}

/** Runs the fixture; `lingerMs` is the time from its "done" line to the process's exit. */
function runFixture(mode: string): Promise<{ code: number | null; lingerMs: number; out: string }> {
  const [cmd, args] = runtimeCommand(fixture, [mode]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let doneAt = NaN;
    child.stdout.on("data", (d) => {
      out += d;
      if (Number.isNaN(doneAt) && out.includes("done ")) doneAt = performance.now();
    });
    child.stderr.on("data", (d) => (out += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, lingerMs: performance.now() - doneAt, out });
    });
  });
}

describe("nothing keeps the process alive", () => {
  for (const mode of ["completed", "aborted", "shutdown", "timeouts"]) {
    it(`a script whose pipeline run is ${mode} exits by itself within 1 s of finishing`, async () => {
      const { code, out, lingerMs } = await runFixture(mode);
      assert.equal(code, 0, out);
      assert.match(out, new RegExp(`done ${mode} 0`));
      // A stray 10 s retry timer or a 60 s rate-limit timer would keep it alive far longer.
      assert.ok(lingerMs < 1000, `lingered ${lingerMs.toFixed(0)} ms after finishing`);
    });
  }
});
