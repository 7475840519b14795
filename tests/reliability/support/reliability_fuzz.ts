/**
 * `deno task fuzz`: the reliability properties with many more cases than the test suite runs.
 *
 *   deno task fuzz                          # 2000 cases per property
 *   ANTFLOW_FUZZ_RUNS=20000 deno task fuzz run retry   # chosen properties, more cases
 *   ANTFLOW_FUZZ_SEED=… ANTFLOW_FUZZ_PATH=… deno task fuzz stream   # replay a failure
 *   npx -y node@24 tests/reliability/support/reliability_fuzz.ts     # (or bun) on another runtime
 *
 * Properties: run, stream, feed, retry (retry-heavy run), executor. Prints cases, time and what
 * was injected per property; exits 1 on the first failure, with its replay command.
 */
import { caseArb } from "./reliability_model.ts";
import { assertCases, env, totals } from "./reliability_property.ts";
import { assertExecCases } from "./reliability_executor.ts";

const PROPERTIES: Record<string, (runs: number) => Promise<{ cases: number; ms: number }>> = {
  run: (runs) => assertCases("run", caseArb("run"), runs),
  stream: (runs) => assertCases("stream", caseArb("stream"), runs),
  feed: (runs) => assertCases("feed", caseArb("feed"), runs),
  retry: (runs) => assertCases("retry-heavy run", caseArb("run", { retryHeavy: true }), runs),
  executor: (runs) => assertExecCases(runs),
};

const g = globalThis as {
  Deno?: { args: string[] };
  process?: { argv: string[]; exitCode?: number };
};
const args = g.Deno?.args ?? g.process?.argv.slice(2) ?? [];
const chosen = args.length > 0 ? args : Object.keys(PROPERTIES);
const runs = Number(env("ANTFLOW_FUZZ_RUNS") ?? 2000);
const runtime = g.Deno ? "deno" : "Bun" in globalThis ? "bun" : "node";
console.log(`fuzz on ${runtime}: ${chosen.join(", ")} × ${runs} cases each`);
let failed = false;
for (const name of chosen) {
  const property = PROPERTIES[name];
  if (property === undefined) {
    throw new Error(`unknown property ${name}; known: ${Object.keys(PROPERTIES)}`);
  }
  const before = { ...totals };
  try {
    const { cases, ms } = await property(runs);
    const delta = (key: keyof typeof totals) => totals[key] - before[key];
    const injected = name === "executor"
      ? ""
      : `: ${delta("items")} items, ${delta("attempts")} task attempts, ` +
        `${delta("failuresInjected")} failures and ${delta("hangsInjected")} hangs injected, ` +
        `${delta("callbackErrors")} callback errors, ${delta("aborts")} aborts, ${
          delta("events")
        } events`;
    console.log(`ok   ${name}: ${cases} cases in ${(ms / 1000).toFixed(1)} s${injected}`);
  } catch (error) {
    failed = true;
    console.log(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
    break;
  }
}
if (g.process !== undefined) g.process.exitCode = failed ? 1 : 0;
