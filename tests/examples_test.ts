import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runScript } from "./support/run_script.ts";

const example = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

describe("examples run as written", () => {
  it("status_tracker.ts: the seed's StatusTracker example (alerts, getStatus(123), worker states)", async () => {
    const { code, stdout, stderr } = await runScript(example("status_tracker.ts"));
    assert.equal(code, 0, stderr);
    assert.match(stdout, /ALERT: item 7 failed in Fetch: record 7 not found/);
    assert.equal(stdout.match(/^ALERT:/gm)?.length, 4);
    assert.match(stdout, /196 items succeeded/);
    assert.match(stdout, /Item 123: completed in Parse \(worker Parse-W\d\)/);
    assert.match(stdout, /^Fetch-W4: idle$/m);
    assert.match(stdout, /^Parse-W1: idle$/m);
  });
});
