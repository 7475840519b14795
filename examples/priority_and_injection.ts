/**
 * A long-lived pipeline fed in several batches: `start()`, then `feed()` as work arrives, then
 * `join()` to wait for everything fed so far.
 *
 * - `feed(items, { priority })`: lower numbers go first (default 100; FIFO within a priority), and
 *   the priority follows the item into later stages.
 * - `feed(items, { targetStage })`: inject items mid-pipeline; they skip the earlier stages.
 *
 * Each stage has one worker, so the order in which each stage handles the items is easy to read.
 * Parse takes 20 ms per item, Enrich 100 ms (a queue builds up in front of it), Store 5 ms.
 *
 * Run: deno run examples/priority_and_injection.ts
 *      node examples/priority_and_injection.ts      (Node >= 22.18)
 *      bun examples/priority_and_injection.ts
 */
import { delay, Pipeline, Stage, type TaskContext } from "../mod.ts";

// Every stage records the order in which it sees items, and tags the value it passes on.
const seen: Record<string, string[]> = { Parse: [], Enrich: [], Store: [] };
function step(stage: string, ms: number, tag: string) {
  return async function (value: string, ctx: TaskContext): Promise<string> {
    seen[stage].push(value.split(" ")[0]);
    await delay(ms, { signal: ctx.signal });
    return `${value} +${tag}`;
  };
}

const pipeline = new Pipeline({
  stages: [
    new Stage({ name: "Parse", workers: 1, tasks: [step("Parse", 20, "parsed")] }),
    new Stage({ name: "Enrich", workers: 1, tasks: [step("Enrich", 100, "enriched")] }),
    new Stage({ name: "Store", workers: 1, tasks: [step("Store", 5, "stored")] }),
  ],
});

await pipeline.start();

// Routine work (priority 100 by default); feed() resolves once the items are queued.
await pipeline.feed(["normal-1", "normal-2", "normal-3", "normal-4", "normal-5"]);
// Already parsed and enriched elsewhere: inject it straight into the last stage.
await pipeline.feed(["ready-1 (parsed and enriched elsewhere)"], { targetStage: "Store" });
// 50 ms later, urgent work arrives. It overtakes the routine items still waiting for Parse, and
// (priority is inherited) those already waiting for Enrich.
await delay(50);
await pipeline.feed(["urgent-1", "urgent-2"], { priority: 1 });

const results = await pipeline.join(); // every item fed so far is done
for (const [stage, order] of Object.entries(seen)) {
  console.log(`${stage.padEnd(6)} handled: ${order.join(", ")}`);
}
console.log("join() results, in the order they were fed:");
for (const result of results) console.log(`  ${result.id}: ${result.value}`);

await pipeline.shutdown(); // stops the (idle) workers
