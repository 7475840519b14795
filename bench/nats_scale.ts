/**
 * `deno task nats:scale`: the scale-out targets of issue #18 on this machine. A nats-server (file
 * storage) and one or three worker processes (bench/nats_scale_worker.ts) working a one-stage
 * pipeline; this process feeds the items as a producer that works no stage and collects the
 * results.
 *
 * - I/O-bound: each task waits 20 ms; 3 worker processes against 1 (target: >= 2.7x).
 * - Trivial: `n + 1`; the items are stored first, then one worker process moves them through the
 *   stage (target: >= 5 000 items/s, timed from its start to the last result collected).
 *
 * Usage: deno run -A bench/nats_scale.ts [--repeats 3] [--io-items 6000] [--io-workers 16]
 *   [--trivial-items 30000] [--trivial-workers 64]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { natsPipeline } from "../src/nats/mod.ts";
import { connectTo, type NatsServer, startNatsServer } from "../tests/support/nats_fixtures.ts";
import { runtimeCommand } from "../tests/support/run_script.ts";
import { scalePipeline } from "./nats_scale_pipeline.ts";

const argv = Deno.args;
const arg = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const REPEATS = arg("repeats", 3);
const IO_ITEMS = arg("io-items", 6000);
const IO_WORKERS = arg("io-workers", 16);
const TRIVIAL_ITEMS = arg("trivial-items", 30_000);
const TRIVIAL_WORKERS = arg("trivial-workers", 64);
const WORKER = new URL("./nats_scale_worker.ts", import.meta.url).pathname;

function startWorker(url: string, name: string, kind: string, workers: number) {
  const [cmd, args] = runtimeCommand(WORKER, [url, name, kind, String(workers)]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
  const ready = new Promise<void>((resolve) => {
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => chunk.includes("ready") && resolve());
  });
  return { child, ready };
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  return exited.finally(() => clearTimeout(timer));
}

let runs = 0;

/**
 * I/O-bound: items per second through `processes` worker processes, fed while they run (after a
 * warm-up batch), from the first publish to the last result.
 */
async function measureRunning(
  server: NatsServer,
  processes: number,
  workers: number,
  items: number,
): Promise<number> {
  const name = `scale${runs++}io`;
  const children = Array.from(
    { length: processes },
    () => startWorker(server.url, name, "io", workers),
  );
  await Promise.all(children.map((c) => c.ready));
  const nc = await connectTo(server.url);
  const producer = await natsPipeline(nc, scalePipeline("io", workers), { name, stages: [] });
  try {
    await producer.run(Array.from({ length: 500 }, (_, i) => i));
    const started = performance.now();
    const results = await producer.run(Array.from({ length: items }, (_, i) => i), {
      includeFailures: true,
    });
    const seconds = (performance.now() - started) / 1000;
    check("io", results, items);
    return items / seconds;
  } finally {
    await producer.close();
    await nc.close();
    await Promise.all(children.map((c) => stopped(c.child)));
  }
}

/**
 * Trivial tasks: the items are stored first; then one worker process starts and moves them
 * through the stage. Items per second from its `ready` to the last result collected here.
 */
async function measurePrefed(server: NatsServer, workers: number, items: number): Promise<number> {
  const name = `scale${runs++}trivial`;
  const nc = await connectTo(server.url);
  const producer = await natsPipeline(nc, scalePipeline("trivial", workers), {
    name,
    stages: [],
  });
  await producer.feed(Array.from({ length: items }, (_, i) => i));
  const child = startWorker(server.url, name, "trivial", workers);
  try {
    await child.ready;
    const started = performance.now();
    const results = await producer.join();
    const seconds = (performance.now() - started) / 1000;
    check("trivial", results, items);
    return items / seconds;
  } finally {
    await producer.close();
    await nc.close();
    await stopped(child.child);
  }
}

function check(kind: string, results: { value: unknown }[], items: number): void {
  const wrong = results.filter((r, i) => r.value !== i + 1).length;
  if (results.length !== items || wrong > 0) {
    throw new Error(`${kind}: ${results.length} results of ${items}, ${wrong} wrong`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");

const server = await startNatsServer();
try {
  const one: number[] = [];
  const three: number[] = [];
  const trivial: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    one.push(await measureRunning(server, 1, IO_WORKERS, IO_ITEMS));
    three.push(await measureRunning(server, 3, IO_WORKERS, IO_ITEMS));
    trivial.push(await measurePrefed(server, TRIVIAL_WORKERS, TRIVIAL_ITEMS));
  }
  const [cmd] = runtimeCommand("x");
  console.log(`nats:scale on ${cmd}, ${REPEATS} repeats (median; every run in brackets)`);
  console.log("| scenario | items | workers/process | items/s | target |");
  console.log("| --- | --- | --- | --- | --- |");
  const all = (xs: number[]) => xs.map(fmt).join(", ");
  console.log(
    `| I/O-bound (20 ms), 1 process | ${IO_ITEMS} | ${IO_WORKERS} | ${fmt(median(one))} (${
      all(one)
    }) | |`,
  );
  const ratio = median(three) / median(one);
  console.log(
    `| I/O-bound (20 ms), 3 processes | ${IO_ITEMS} | ${IO_WORKERS} | ${fmt(median(three))} (${
      all(three)
    }) | ${ratio.toFixed(2)}x of 1 process (>= 2.7x: ${ratio >= 2.7 ? "met" : "missed"}) |`,
  );
  const rate = median(trivial);
  console.log(
    `| trivial, 1 process | ${TRIVIAL_ITEMS} | ${TRIVIAL_WORKERS} | ${fmt(rate)} (${
      all(trivial)
    }) | >= 5 000/s: ${rate >= 5000 ? "met" : "missed"} |`,
  );
} finally {
  await server.stop();
}
