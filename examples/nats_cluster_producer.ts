/**
 * The producer of the cluster demo: runs no stage; feeds 400 items and collects their results
 * (by id, from whichever worker finished them).
 *
 * Usage: nats_cluster_producer.ts <nats url>
 */
import { connect } from "@nats-io/transport-node";
import { natsPipeline } from "../src/nats/mod.ts";
import { pipeline } from "./nats_cluster_pipeline.ts";

const g = globalThis as unknown as { Deno?: { args: string[] }; process: { argv: string[] } };
const url = (g.Deno?.args ?? g.process.argv.slice(2))[0] ?? "nats://127.0.0.1:4222";
const nc = await connect({ servers: url });
await using producer = await natsPipeline(nc, pipeline, { name: "demo", stages: [] });
const started = performance.now();
const results = await producer.run(Array.from({ length: 400 }, (_, i) => i), {
  includeFailures: true,
});
for (const r of results.slice(0, 5)) console.log(r.value);
const failed = results.filter((r) => !r.isSuccess);
console.log(`...\n${results.length} results in ${Math.round(performance.now() - started)} ms`);
for (const r of failed) console.log(`item ${r.id} failed: ${(r.error as Error).message}`);
await nc.close();
