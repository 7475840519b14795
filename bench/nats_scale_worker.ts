/**
 * A worker process of `bench/nats_scale.ts`: works the one stage of the pipeline it is told
 * (`io`: each task waits 20 ms; `trivial`: adds one), prints `ready`, and runs until SIGTERM
 * (then closes gracefully) or a kill.
 *
 * Usage: nats_scale_worker.ts <server url> <pipeline name> <io|trivial> <workers>
 */
import { natsPipeline } from "../src/nats/mod.ts";
import { connectTo } from "../tests/support/nats_fixtures.ts";
import { scalePipeline } from "./nats_scale_pipeline.ts";

const g = globalThis as unknown as {
  Deno?: { args: string[] };
  process: {
    argv: string[];
    stdout: { write(s: string): boolean };
    on(signal: string, f: () => void): void;
    exit(code: number): void;
  };
};
const [url, name, kind, workers] = g.Deno?.args ?? g.process.argv.slice(2);
const nc = await connectTo(url);
const member = await natsPipeline(nc, scalePipeline(kind, Number(workers)), { name });
g.process.stdout.write("ready\n");
g.process.on("SIGTERM", async () => {
  await member.close();
  await nc.close();
  g.process.exit(0);
});
