/**
 * `deno task cluster-demo`: a nats-server on a free port (JetStream, temporary store), two worker
 * processes and a producer, all on this machine. Needs `nats-server` (apt install nats-server,
 * brew install nats-server, or docker run -p 4222:4222 nats -js).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { startNatsServer } from "../tests/support/nats_server.ts";
import { runtimeCommand } from "../tests/support/run_script.ts";

const here = (file: string) => new URL(file, import.meta.url).pathname;

function start(script: string, url: string): ChildProcess {
  const [cmd, argv] = runtimeCommand(here(script), [url]);
  return spawn(cmd, argv, { stdio: ["ignore", "inherit", "inherit"] });
}

const server = await startNatsServer();
console.log(`nats-server on ${server.url} (store ${server.storeDir})`);
const workers = [
  start("./nats_cluster_worker.ts", server.url),
  start("./nats_cluster_worker.ts", server.url),
];
const producer = start("./nats_cluster_producer.ts", server.url);
const code = await new Promise<number>((resolve) => producer.once("exit", (c) => resolve(c ?? 1)));
await Promise.all(workers.map((w) => {
  const exited = new Promise((resolve) => w.once("exit", resolve));
  w.kill("SIGTERM");
  return exited;
}));
await server.stop();
console.log(code === 0 ? "cluster demo finished" : `the producer exited with ${code}`);
(globalThis as { process?: { exitCode?: number } }).process!.exitCode = code;
