import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runScript } from "./support/run_script.ts";

const example = fileURLToPath(new URL("../examples/otel.ts", import.meta.url));

describe("examples/otel.ts", () => {
  it("prints the spans with the console exporter, then the metrics, and exits by itself", async () => {
    const run = await runScript(example, ["--items", "4"]);
    assert.equal(run.code, 0, `exited with ${run.code}\n${run.stderr}\n${run.stdout}`);
    // Deno's console.dir colours its output when FORCE_COLOR=0 is set (as `deno task test` does).
    // deno-lint-ignore no-control-regex
    const stdout = run.stdout.replace(/\x1b\[[0-9;]*m/g, "");
    // The console exporter prints each span as an object.
    const names = [...stdout.matchAll(/^ {2}name: ["'](.+?)["'],$/gm)].map((m) => m[1]);
    const count = (name: string) => names.filter((n) => n === name).length;
    assert.equal(count("process Fetch"), 4);
    assert.equal(count("download"), 4);
    assert.equal(count("process Upload"), 4);
    assert.equal(count("upload"), 5, "items 1, 3 and 4 once (3 is not retried), item 2 twice");
    assert.equal(count("POST /upload"), 5);
    assert.equal(count("nightly batch"), 1);
    assert.match(stdout, /^3 of 4 items uploaded$/m);
    assert.match(stdout, /antflow\.items\.completed \{antflow\.stage=Upload\}: 3$/m);
    assert.match(
      stdout,
      /antflow\.items\.failed \{antflow\.stage=Upload error\.type=TypeError\}: 1$/m,
    );
    assert.match(
      stdout,
      /antflow\.items\.retried \{antflow\.stage=Upload antflow\.retry_mode=per_task\}: 1$/m,
    );
  });
});
