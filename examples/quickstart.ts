/**
 * Quickstart: the three ways to build the same two-stage pipeline (fetch a user, then format it).
 *
 * 1. `new Pipeline({ stages: [new Stage(...)] })` — every option in plain sight.
 * 2. `Pipeline.create().add(...).run(...)` — a fluent builder (5 workers, 3 attempts by default).
 * 3. `Pipeline.quick(items, tasks)` — one stage per task, named after the function.
 *
 * `run()` resolves to the successful results in input order, whatever order they finished in.
 *
 * Run: deno run examples/quickstart.ts [--items N]
 *      node examples/quickstart.ts      (Node >= 22.18)
 *      bun examples/quickstart.ts
 */
import process from "node:process";
import { Pipeline, type PipelineResult, Stage } from "../mod.ts";

const count = numberArg("--items", 8);
const userIds = Array.from({ length: count }, (_, i) => i + 1);

// Two tasks. A task gets the previous task's output (or the item) and returns the next value.
const fetched: number[] = []; // the order in which fetches finished
async function fetchUser(id: number): Promise<{ id: number; name: string }> {
  // A pretend HTTP call: later ids answer faster, so items finish out of order.
  await new Promise((resolve) => setTimeout(resolve, 5 + (count - id) * 3));
  fetched.push(id);
  return { id, name: `user-${id}` };
}
function formatUser(user: { id: number; name: string }): string {
  return `#${user.id} ${user.name.toUpperCase()}`;
}

// 1. The explicit way: a Pipeline of Stages.
const pipeline = new Pipeline({
  stages: [
    new Stage({ name: "Fetch", workers: 4, tasks: [fetchUser] }),
    new Stage({ name: "Format", workers: 2, tasks: [formatUser] }),
  ],
});
const explicit = await pipeline.run(userIds);
show("1. new Pipeline({ stages })", explicit);
console.log(`   (the fetches finished in the order ${fetched.join(", ")})`);

// 2. The builder: same stages, fewer words.
const built = await Pipeline.create()
  .add("Fetch", fetchUser, { workers: 4 })
  .add("Format", formatUser, { workers: 2 })
  .run(userIds);
show("2. Pipeline.create().add()", built);

// 3. The one-liner: one stage per task ("FetchUser", then "FormatUser").
const quick = await Pipeline.quick(userIds, [fetchUser, formatUser], { workers: 4 });
show("3. Pipeline.quick()", quick);

const same = [built, quick].every((results) =>
  results.length === explicit.length && results.every((r, i) => r.value === explicit[i].value)
);
console.log(`All three agree: ${same}`);

/** Prints how many results came back and the first few values. */
function show(title: string, results: PipelineResult[]): void {
  const preview = results.slice(0, 3).map((r) => JSON.stringify(r.value)).join(", ");
  console.log(`${title}: ${results.length} results, in input order: ${preview}, ...`);
}

/** Reads `--name N` from the command line (Deno, Node and Bun all provide `process.argv`). */
function numberArg(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be an integer >= 1`);
  }
  return value;
}
