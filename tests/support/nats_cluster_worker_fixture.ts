/**
 * A worker process of the cluster-view kill test: works every stage of `clusterPipeline` with
 * `publishEvents` (process name from argv, quick heartbeats), printing `ready` once started and
 * `run <stage> <n>` as each task starts. Runs until killed, or SIGTERM (then closes gracefully).
 *
 * Usage: nats_cluster_worker_fixture.ts <server url> <pipeline name> <process name> <delay ms>
 */
import { StatusTracker } from "../../mod.ts";
import { natsPipeline } from "../../src/nats/mod.ts";
import { clusterPipeline, QUICK } from "./nats_cluster_fixtures.ts";
import { connectTo } from "./nats_fixtures.ts";

const g = globalThis as unknown as {
  Deno?: { args: string[] };
  process: {
    argv: string[];
    stdout: { write(s: string): boolean };
    on(signal: string, f: () => void): void;
    exit(code: number): void;
  };
};
const [url, name, processName, delay] = g.Deno?.args ?? g.process.argv.slice(2);
const nc = await connectTo(url);
const pipeline = clusterPipeline(new StatusTracker(), {
  delayMs: Number(delay),
  onRun: (stage, n) => g.process.stdout.write(`run ${stage} ${n}\n`),
});
const cluster = await natsPipeline(nc, pipeline, {
  name,
  ackWaitMs: 1500,
  publishEvents: { process: processName, ...QUICK },
});
g.process.stdout.write("ready\n");
g.process.on("SIGTERM", async () => {
  await cluster.close();
  await nc.close();
  g.process.exit(0);
});
