/**
 * `deno task nats:kill`: the never-lost target. Each run starts a nats-server (file storage),
 * three worker processes (tests/support/nats_worker_fixture.ts, both stages of
 * `squareThenLabel`), and feeds `--items` items from this process; at a random point one random
 * worker is killed with kill -9 (and, in `--restarts` of the runs, the server is killed and
 * restarted too). It checks that every item reaches exactly one result (no item lost, no result
 * stored twice), that the streams and the consumers drain (no message left, none pending or
 * unacknowledged), and counts re-executions against what the killed process was running. Prints
 * a Markdown table; exits with 1 when a run lost, duplicated or left anything.
 *
 * Usage: deno run -A bench/nats_kill.ts [--runs 20] [--items 10000] [--restarts 5]
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { natsPipeline } from "../src/nats/mod.ts";
import {
  connectTo,
  squareThenLabel,
  startNatsServer,
  streamMessages,
  uncollectedResults,
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
/**
 * Deliveries one worker process holds at most in steady state: per stage its workers' items,
 * those fetched ahead (a quarter of the workers) and about one done per worker whose outcome it is
 * storing or whose acknowledgement it has not yet written: (8 + 2 + 8) + (4 + 1 + 4).
 */
const HELD_BOUND = 27;
const FIXTURE = new URL("../tests/support/nats_worker_fixture.ts", import.meta.url).pathname;

interface Worker {
  child: ChildProcess;
  /** `<stage> <n>` of every task start. */
  runs: string[];
  /** `<stage> <n>` of every task end. */
  ends: string[];
  ready: Promise<void>;
}

function startWorker(url: string, name: string): Worker {
  const [cmd, args] = runtimeCommand(FIXTURE, [url, name, "0", String(ACK_WAIT), "ends"]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "ignore"] });
  const runs: string[] = [];
  const ends: string[] = [];
  let rest = "";
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => (ready = r));
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) {
      if (line === "ready") ready();
      else if (line.startsWith("run ")) runs.push(line.slice(4));
      else if (line.startsWith("end ")) ends.push(line.slice(4));
    }
  });
  return { child, runs, ends, ready: readyPromise };
}

/** What one run found (a row of the table). */
interface RunReport {
  results: number | undefined;
  lost: number;
  duplicates: number;
  wrong: number;
  reRuns: number;
  inFlightAtKill: number;
  drained: boolean;
}

/** Waits until the streams and both consumers are drained (or 30 s passed). */
async function drain(nc: NatsConnection, name: string): Promise<boolean> {
  const jsm = await jetstreamManager(nc);
  for (let i = 0; i < 300; i++) {
    const work = await streamMessages(nc, `AF_${name}_WORK`);
    const results = await uncollectedResults(nc, name);
    let consumers = 0;
    for (const consumer of ["Square", "Label_20_it"]) {
      const info = await jsm.consumers.info(`AF_${name}_WORK`, consumer);
      consumers += info.num_pending + info.num_ack_pending;
    }
    if (work + results + consumers === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function oneRun(run: number, restart: boolean): Promise<RunReport & { row: string }> {
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
  let killed = false;
  const watcher = setInterval(async () => {
    if (killed || total() < killAt) return;
    killed = true;
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
  const wrong =
    results?.filter((r) => r.id === 13 ? r.isSuccess : r.value !== `#${(r.id as number) ** 2}`)
      .length ?? 0;
  const drained = await drain(nc, name);
  // Every result ever stored: more than one per item would be a duplicate terminal state.
  const stored = (await (await jetstreamManager(nc)).streams.info(`AF_${name}_RESULTS`)).state
    .last_seq;
  const runs = workers.flatMap((w) => w.runs);
  const reRuns = runs.length - new Set(runs).size - 1; // item 13 is retried once in Square
  // What the killed process was running (started, not ended) when it died.
  const dead = workers[victim];
  const ended = new Map<string, number>();
  for (const e of dead.ends) ended.set(e, (ended.get(e) ?? 0) + 1);
  let inFlightAtKill = 0;
  for (const r of dead.runs) {
    const n = ended.get(r) ?? 0;
    if (n > 0) ended.set(r, n - 1);
    else inFlightAtKill++;
  }
  for (const w of workers) w.child.kill("SIGKILL");
  await producer.close();
  await nc.close();
  await server.stop();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const report: RunReport = {
    results: results?.length,
    lost: ITEMS - ids.size,
    duplicates: stored - ITEMS,
    wrong,
    reRuns,
    inFlightAtKill,
    drained,
  };
  const row = `| ${run} | W${victim} after ${killAt} task starts${
    restart ? " + server restart" : ""
  } | ${
    report.results ?? "timeout"
  } | ${report.lost} | ${report.duplicates} | ${wrong} | ${reRuns} | ${inFlightAtKill} | ${
    drained ? "yes" : "NO"
  } | ${seconds} |`;
  return { ...report, row };
}

console.log(
  `${RUNS} runs of ${ITEMS} items, 2 stages (8 + 4 workers), 3 worker processes (${
    runtimeCommand("x")[0]
  }), ackWaitMs ${ACK_WAIT}; the killed process may hold at most ${HELD_BOUND} deliveries`,
);
console.log(
  "| run | killed | results | lost | duplicate results | wrong | re-executions | running in the killed process | drained | s |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
let failures = 0;
for (let run = 1; run <= RUNS; run++) {
  const report = await oneRun(run, run <= RESTARTS);
  console.log(report.row);
  if (report.lost > 0 || report.duplicates > 0 || report.wrong > 0 || !report.drained) failures++;
}
if (failures > 0) {
  console.log(`${failures} run(s) lost, duplicated or left items`);
  Deno.exitCode = 1;
}
