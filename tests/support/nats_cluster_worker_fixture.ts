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
import { closeOnSigterm, printLine, workerArgs } from "./worker_process.ts";

const [url, name, processName, delay] = workerArgs();
const nc = await connectTo(url);
const pipeline = clusterPipeline(new StatusTracker(), {
  delayMs: Number(delay),
  onRun: (stage, n) => printLine(`run ${stage} ${n}`),
});
const cluster = await natsPipeline(nc, pipeline, {
  name,
  ackWaitMs: 1500,
  publishEvents: { process: processName, ...QUICK },
});
printLine("ready");
closeOnSigterm(cluster, nc);
