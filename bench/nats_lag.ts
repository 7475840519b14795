/**
 * `deno task nats:lag`: the cluster view's event-to-dashboard lag. A nats-server on a free port, a
 * source process publishing status events at a steady rate through the cluster view's publisher
 * (`bench/nats_lag_source.ts`), and in this process a `ClusterTracker` served with
 * `antflowRoutes` and read over HTTP by a `RemoteTracker` (what the dashboard page does). Lag =
 * when an event arrives minus its timestamp, at the ClusterTracker and at the SSE client.
 *
 * Usage: deno run -A bench/nats_lag.ts [--rate 10000] [--seconds 10]
 */
import { spawn } from "node:child_process";
import { connect } from "@nats-io/transport-node";
import { Hono } from "hono";
import { RemoteTracker } from "../src/client/mod.ts";
import { antflowRoutes } from "../src/hono/mod.ts";
import { ClusterTracker } from "../src/nats/mod.ts";
import { startServer } from "../tests/support/hono_servers.ts";
import { startNatsServer } from "../tests/support/nats_server.ts";
import { runtimeCommand } from "../tests/support/run_script.ts";

const g = globalThis as unknown as { Deno?: { args: string[] }; process: { argv: string[] } };
const argv = g.Deno?.args ?? g.process.argv.slice(2);
const arg = (key: string, fallback: number) => {
  const i = argv.indexOf(`--${key}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RATE = arg("rate", 10_000);
const SECONDS = arg("seconds", 10);
/** `--no-sse`: measure at the ClusterTracker only (no HTTP server or SSE client sharing the CPU). */
const SSE = !argv.includes("--no-sse");
/** Events of the first second are left out (connections warming up). */
const WARMUP_MS = 1000;

const server = await startNatsServer();
const nc = await connect({ servers: server.url });
const name = "lag";
const cluster = new ClusterTracker(nc, { name, from: "now", maxItems: 5000 });
await cluster.ready;
const app = new Hono().route(
  "/antflow",
  antflowRoutes({ tracker: cluster, pipeline: cluster.view, maxBufferedEvents: 1_000_000 }),
);
const web = await startServer(app.fetch);
const remote = SSE ? new RemoteTracker(`${web.url}/antflow/events`, { maxItems: 5000 }) : undefined;
await remote?.ready;

let firstAt = Infinity;
const atTracker: number[] = [];
const atClient: number[] = [];
const measure = (into: number[]) => (e: CustomEvent<{ timestamp: number }>) => {
  const now = Date.now();
  firstAt = Math.min(firstAt, e.detail.timestamp);
  if (e.detail.timestamp - firstAt >= WARMUP_MS) into.push(now - e.detail.timestamp);
};
cluster.addEventListener("status", measure(atTracker));
remote?.addEventListener("status", measure(atClient));

const source = new URL("./nats_lag_source.ts", import.meta.url).pathname;
const [cmd, args] = runtimeCommand(source, [server.url, name, String(RATE), String(SECONDS)]);
const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
let out = "";
let sourceCpu = NaN;
const cpuUsage = () => {
  const u = (globalThis as unknown as { process: { cpuUsage(): { user: number; system: number } } })
    .process.cpuUsage();
  return u.user + u.system;
};
const viewerCpuStart = cpuUsage();
child.stdout!.setEncoding("utf8");
const sent = await new Promise<number>((resolve) => {
  child.stdout!.on("data", (chunk: string) => {
    out += chunk;
    const done = out.match(/done (\d+) cpu (\d+)/);
    if (done) {
      sourceCpu = Number(done[2]);
      resolve(Number(done[1]));
    }
  });
});
const expected = sent - Math.round((RATE * WARMUP_MS) / 1000);
const deadline = Date.now() + 30_000;
while (
  (atTracker.length < expected || (SSE && atClient.length < expected)) && Date.now() < deadline
) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const viewerCpu = cpuUsage() - viewerCpuStart;
function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
console.log(`\n${RATE} status events/s for ${SECONDS} s (${sent} sent), ${runtime}; lag in ms\n`);
console.log("| measured at | events | p50 | p95 | p99 | max |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
const rows = [["ClusterTracker", atTracker], ["dashboard SSE client", atClient]] as const;
for (const [where, values] of SSE ? rows : rows.slice(0, 1)) {
  const [p50, p95, p99] = [pct(values, 50), pct(values, 95), pct(values, 99)];
  console.log(
    `| ${where} | ${values.length} | ${p50} | ${p95} | ${p99} | ${Math.max(...values)} |`,
  );
}
const perEvent = (us: number) => (us / sent).toFixed(1);
console.log(
  `\nCPU per event: source ${perEvent(sourceCpu)} µs (tracker + publisher), viewer ${
    perEvent(viewerCpu)
  } µs (ClusterTracker${SSE ? " + SSE hub + RemoteTracker" : ""})`,
);
await remote?.close();
await cluster.close();
await web.close();
await nc.close();
await server.stop();
