import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { caseArb } from "./support/reliability_model.ts";
import { assertCases } from "./support/reliability_property.ts";

describe("reliability: retry-heavy generated pipelines", () => {
  it("with many failures and retries (both modes), no item is lost, duplicated or miscounted", async () => {
    const { cases, ms } = await assertCases(
      "retry-heavy run",
      caseArb("run", { retryHeavy: true }),
    );
    console.log(`reliability retry-heavy run(): ${cases} cases in ${(ms / 1000).toFixed(1)} s`);
    assert.ok(cases > 0);
  });
});
