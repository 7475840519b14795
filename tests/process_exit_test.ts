import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

import { runUntilExit } from "./support/run_script.ts";

const fixture = fileURLToPath(new URL("./support/exit_fixture.ts", import.meta.url));

describe("nothing keeps the process alive", () => {
  for (const mode of ["completed", "aborted", "shutdown", "timeouts", "keepalive"]) {
    it(`a script whose pipeline run is ${mode} exits by itself within 1 s of finishing`, async () => {
      const { code, out, lingerMs } = await runUntilExit(fixture, [mode], 20_000);
      assert.equal(code, 0, out);
      assert.match(out, new RegExp(`done ${mode} 0`));
      // A stray 10 s retry timer or a 60 s rate-limit timer would keep it alive far longer.
      assert.ok(lingerMs < 1000, `lingered ${lingerMs.toFixed(0)} ms after finishing`);
    });
  }
});
