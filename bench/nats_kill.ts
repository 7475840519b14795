/**
 * `deno task nats:kill`: the never-lost target. Each run starts a nats-server (file storage),
 * three worker processes (tests/support/nats_worker_fixture.ts, both stages of
 * `squareThenLabel`), and feeds `--items` items from this process; at a random point one random
 * worker is killed with kill -9 (and, in `--restarts` of the runs, the server is killed and
 * restarted too). It checks that every item reaches exactly one result, that the streams drain,
 * and counts re-executions. Prints a Markdown table.
 *
 * Usage: deno run -A bench/nats_kill.ts [--runs 20] [--items 10000] [--restarts 5]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { natsPipeline } from "../src/nats/mod.ts";
import {
  connectTo,
  squareThenLabel,
  startNatsServer,
  streamMessages,
} from "../tests/support/nats_fixtures.ts";
import { runtimeCommand } from "../tests/support/run_script.ts";

const argv = Deno.args;
const arg = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RUNS = arg("runs", 20);
const ITEMS = arg("items", 10_000);
const RESTARTS = arg("restarts", 5);
const ACK_WAIT = 2000;
const FIXTURE = new URL("../tests/support/nats_worker_fixture.ts", import.meta.url).pathname;

interface Worker {
  child: ChildProcess;
  runs: string[];
  ready: Promise<void>;
}

function startWorker(url: string, name: string): Worker {
  const [cmd, args] = runtimeCommand(FIXTURE, [url, name, "0", String(ACK_WAIT)]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "ignore"] });
  const runs: string[] = [];
  let rest = "";
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => (ready = r));
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) line === "ready" ? ready() : runs.push(line);
  });
  return { child, runs, ready: readyPromise };
}

async function oneRun(run: number, restart: boolean): Promise<string> {
  const started = performance.now();
  const server = await startNatsServer();
  const name = `kill${run}`;
  const workers = [0, 1, 2].map(() => startWorker(server.url, name));
  await Promise.all(workers.map((w) => w.ready));
  const nc = await connectTo(server.url);
  const producer = await natsPipeline(nc, squareThenLabel(), { name, stages: [] });
  const victim = Math.floor(Math.random() * 3);
  const killAt = Math.floor(Math.random() * ITEMS * 2 * 0.8);
  const total = () => workers.reduce((n, w) => n + w.runs.length, 0);
  const watcher = setInterval(async () => {
    if (total() < killAt || workers[victim].child.killed) return;
    workers[victim].child.kill("SIGKILL");
    if (restart) await server.restart();
  }, 20);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const results = await Promise.race([
    producer.run(Array.from({ length: ITEMS }, (_, i) => i), { includeFailures: true }),
    new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 300_000))),
  ]);
  clearTimeout(timer);
  clearInterval(watcher);
  const ids = new Set(results?.map((r) => r.id));
  const wrong = results?.filter((r) =>
    r.id === 13 ? r.isSuccess : r.value !== `#${(r.id as number) ** 2}`
  ).length;
  let drained = false;
  for (let i = 0; i < 300 && !drained; i++) {
    drained = (await streamMessages(nc, `AF_${name}_WORK`)) === 0 &&
      (await streamMessages(nc, `AF_${name}_RESULTS`)) === 0;
    if (!drained) await new Promise((r) => setTimeout(r, 100));
  }
  const runs = workers.flatMap((w) => w.runs);
  const reRuns = runs.length - new Set(runs).size - 1; // item 13 is retried once in Square
  for (const w of workers) w.child.kill("SIGKILL");
  await producer.close();
  await nc.close();
  await server.stop();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  return `| ${run} | W${victim} after ${killAt} task starts${
    restart ? " + server restart" : ""
  } | ${results?.length ?? "timeout"} | ${ITEMS - ids.size} | ${wrong} | ${reRuns} | ${
    drained ? "yes" : "NO"
  } | ${seconds} |`;
}

console.log(
  `${RUNS} runs of ${ITEMS} items, 2 stages, 3 worker processes (${runtimeCommand("x")[0]})`,
);
console.log("| run | killed | results | lost | wrong | re-executions | drained | s |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (let run = 1; run <= RUNS; run++) {
  console.log(await oneRun(run, run <= RESTARTS));
}
