import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assertExecCases } from "./support/reliability_executor.ts";

describe("reliability: AsyncExecutor over generated jobs", () => {
  it("every future settles once, as predicted unless cancelled; limits hold; map keeps input order", async () => {
    const { cases, ms } = await assertExecCases();
    console.log(`reliability executor: ${cases} cases in ${(ms / 1000).toFixed(1)} s`);
    assert.ok(cases > 0);
  });
});
