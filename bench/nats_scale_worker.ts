/**
 * A worker process of `bench/nats_scale.ts`: works the one stage of the pipeline it is told
 * (`io`: each task waits 20 ms; `trivial`: adds one), prints `ready`, and runs until SIGTERM
 * (then closes gracefully) or a kill.
 *
 * Usage: nats_scale_worker.ts <server url> <pipeline name> <io|trivial> <workers>
 */
import { natsPipeline } from "../src/nats/mod.ts";
import { connectTo } from "../tests/support/nats_fixtures.ts";
import { closeOnSigterm, printLine, workerArgs } from "../tests/support/worker_process.ts";
import { scalePipeline } from "./nats_scale_pipeline.ts";

const [url, name, kind, workers] = workerArgs();
const nc = await connectTo(url);
const member = await natsPipeline(nc, scalePipeline(kind, Number(workers)), { name });
printLine("ready");
closeOnSigterm(member, nc);
