import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { REGRESSION_CASES } from "./support/reliability_regression_cases.ts";

// Engine bugs the property tests found, each reduced to a minimal reproduction. A case resolves to
// `undefined` when the bug is gone, or to a description of what went wrong.
function within<T>(ms: number, promise: Promise<T>): Promise<T | "HUNG"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<"HUNG">((resolve) => (timer = setTimeout(() => resolve("HUNG"), ms)));
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
}

describe("regressions found by the property tests", () => {
  for (const [id, title, reproduce] of REGRESSION_CASES) {
    it(`bug ${id} stays fixed: ${title}`, async () => {
      const consoleError = console.error;
      console.error = () => {};
      let verdict: string | undefined | "HUNG";
      try {
        verdict = await within(5000, reproduce());
      } finally {
        console.error = consoleError;
      }
      assert.equal(
        verdict,
        undefined,
        verdict === "HUNG" ? "hung (did not settle within 5 s)" : verdict,
      );
    });
  }
});
