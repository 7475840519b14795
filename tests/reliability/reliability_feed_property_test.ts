import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { caseArb } from "./support/reliability_model.ts";
import { assertCases } from "./support/reliability_property.ts";

describe("reliability: feed over generated pipelines", () => {
  it("every item ends in exactly one terminal state; counts, stats, results and limits agree", async () => {
    const { cases, ms } = await assertCases("feed", caseArb("feed"));
    console.log(`reliability feed: ${cases} cases in ${(ms / 1000).toFixed(1)} s`);
    assert.ok(cases > 0);
  });
});
