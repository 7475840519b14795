/**
 * The cluster view's completeness targets at full size: a nats-server (file storage), three worker
 * processes (tests/support/nats_cluster_worker_fixture.ts, both stages, `publishEvents`), `--items`
 * items fed from this process, one random worker killed with kill -9 at a random point, a
 * `ClusterTracker` watching from the start and another joining after 90 % of the items finished.
 * Checks, per run, that both trackers' final counts equal the results exactly (completed = the
 * successes, failed = the failures, nothing left queued or in progress) and list the same failed
 * items, and that the killed process is shown lost. Prints a Markdown table.
 *
 * Usage: deno run -A bench/nats_cluster_check.ts [--runs 3] [--items 10000]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { ClusterTracker, natsPipeline } from "../src/nats/mod.ts";
import { clusterPipeline } from "../tests/support/nats_cluster_fixtures.ts";
import { connectTo, startNatsServer } from "../tests/support/nats_fixtures.ts";
import { runtimeCommand } from "../tests/support/run_script.ts";

const argv = Deno.args;
const arg = (key: string, fallback: number) => {
  const i = argv.indexOf(`--${key}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RUNS = arg("runs", 3);
const ITEMS = arg("items", 10_000);
const FIXTURE = new URL("../tests/support/nats_cluster_worker_fixture.ts", import.meta.url)
  .pathname;

function startWorker(url: string, name: string, process: string): ChildProcess {
  const [cmd, args] = runtimeCommand(FIXTURE, [url, name, process, "0"]);
  return spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

async function oneRun(run: number): Promise<string> {
  const started = performance.now();
  const server = await startNatsServer();
  const name = `check${run}`;
  const nc = await connectTo(server.url);
  const live = new ClusterTracker(nc, { name });
  await live.ready;
  const workers = ["w0", "w1", "w2"].map((p) => ({ p, child: startWorker(server.url, name, p) }));
  await until(() => live.view.getProcesses().length === 3, 30_000);
  const producer = await natsPipeline(nc, clusterPipeline(undefined), { name, stages: [] });
  let finished = 0;
  let late: ClusterTracker | undefined;
  const killAt = Math.floor(ITEMS * (0.1 + Math.random() * 0.6));
  const victim = workers[Math.floor(Math.random() * 3)];
  live.addEventListener("status", (e) => {
    const { stage, status } = e.detail;
    if (!(status === "failed" || (stage === "Label it" && status === "completed"))) return;
    finished++;
    if (finished === killAt) victim.child.kill("SIGKILL");
    if (finished === Math.floor(ITEMS * 0.9)) late = new ClusterTracker(nc, { name });
  });
  const results = await producer.run(Array.from({ length: ITEMS }, (_, i) => i), {
    includeFailures: true,
  });
  const ok = results.filter((r) => r.isSuccess).length;
  const expected = { completed: ok, failed: ITEMS - ok };
  const exact = (t: ClusterTracker) => {
    const s = t.getStats();
    return s.completed === expected.completed && s.failed === expected.failed &&
      s.queued + s.in_progress + s.retrying + s.skipped + s.cancelled === 0;
  };
  const liveExact = await until(() => exact(live), 20_000);
  await late?.ready;
  const lateExact = late !== undefined && await until(() => exact(late!), 20_000);
  const failedIds = (t: ClusterTracker) => JSON.stringify(t.getFailedItems().map((f) => f.itemId));
  const sameFailed = late !== undefined && failedIds(late) === failedIds(live) &&
    live.getFailedItems().length === expected.failed;
  const lost = await until(
    () => live.view.getProcesses().find((p) => p.process === victim.p)?.state === "lost",
    10_000,
  );
  const seconds = (performance.now() - started) / 1000;
  for (const w of workers) w.child.kill("SIGTERM");
  await producer.close();
  await live.close();
  await late?.close();
  await nc.close();
  await server.stop();
  const s = live.getStats();
  return `| ${run + 1} | ${ITEMS} | ${victim.p} after ${killAt} | ${s.completed} / ${s.failed} | ${
    liveExact ? "yes" : "**no**"
  } | ${lateExact ? "yes" : "**no**"} | ${sameFailed ? "yes" : "**no**"} | ${
    lost ? "yes" : "**no**"
  } | ${seconds.toFixed(1)} |`;
}

console.log(
  "| run | items | killed | completed / failed | live exact | late exact (joined at 90 %) | same failed items | killed shown lost | s |",
);
console.log("| ---: | ---: | --- | ---: | --- | --- | --- | --- | ---: |");
for (let run = 0; run < RUNS; run++) console.log(await oneRun(run));
