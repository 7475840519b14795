/**
 * Minimal reproductions of the engine bugs the reliability suite found and that are not fixed yet.
 * They are kept out of the test suite (which must pass) and run here instead, on any runtime:
 *
 *   deno run -A tests/support/reliability_known_bugs.ts
 *   npx -y node@24 tests/support/reliability_known_bugs.ts
 *   npx -y bun@1 tests/support/reliability_known_bugs.ts
 *
 * Each line says REPRODUCED (with what went wrong) or fixed. The exit code is 1 while any bug
 * reproduces. When one is fixed, move its reproduction into a test and drop it here (and, for the
 * generated cases, see `ANTFLOW_FUZZ_KNOWN_BUGS` in RELIABILITY.md).
 */
import { KNOWN_BUG_CASES } from "./reliability_known_bug_cases.ts";

function within<T>(ms: number, promise: Promise<T>): Promise<T | "HUNG"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<"HUNG">((resolve) => (timer = setTimeout(() => resolve("HUNG"), ms)));
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
}

const original = console.error;
let reproduced = 0;
for (const [id, title, reproduce] of KNOWN_BUG_CASES) {
  console.error = () => {};
  let verdict: string | undefined | "HUNG";
  try {
    verdict = await within(2000, reproduce());
  } catch (error) {
    verdict = `the reproduction itself threw: ${String(error)}`;
  } finally {
    console.error = original;
  }
  if (verdict === "HUNG") verdict = "hung (did not settle within 2 s)";
  if (verdict !== undefined) reproduced++;
  console.log(`${verdict === undefined ? "fixed     " : "REPRODUCED"} ${id} ${title}`);
  if (verdict !== undefined) console.log(`           ${verdict}`);
}
console.log(`\n${reproduced} of ${KNOWN_BUG_CASES.length} known bugs reproduce`);
const g = globalThis as { process?: { exitCode?: number } };
if (g.process !== undefined) g.process.exitCode = reproduced > 0 ? 1 : 0;
