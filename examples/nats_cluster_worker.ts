/**
 * A worker process of the cluster demo: works every stage of the shared pipeline until SIGTERM,
 * then finishes what it holds and says how many items of each stage it processed. It publishes
 * its events and workers for the demo's cluster dashboard (`publishEvents`).
 *
 * Usage: nats_cluster_worker.ts <nats url>
 */
import { connect } from "@nats-io/transport-node";
import { natsPipeline } from "../src/nats/mod.ts";
import { pid, pipeline } from "./nats_cluster_pipeline.ts";

const g = globalThis as unknown as {
  Deno?: { args: string[] };
  process: { argv: string[]; on(s: string, f: () => void): void; exit(c: number): void };
};
const url = (g.Deno?.args ?? g.process.argv.slice(2))[0] ?? "nats://127.0.0.1:4222";
const nc = await connect({ servers: url });
// publishEvents: this process's tracker events and workers go to the cluster view.
const cluster = await natsPipeline(nc, pipeline, {
  name: "demo",
  ackWaitMs: 3000,
  publishEvents: { heartbeatMs: 500, workersTtlMs: 2000 },
});
console.log(`worker ${pid}: working ${cluster.stages.join(", ")}`);
g.process.on("SIGTERM", async () => {
  await cluster.close();
  const counts = Object.entries(cluster.local).map(([stage, p]) =>
    `${stage} ${p.getStats().itemsProcessed + p.getStats().itemsFailed}`
  );
  console.log(`worker ${pid}: stopped after ${counts.join(", ")}`);
  await nc.close();
  g.process.exit(0);
});
