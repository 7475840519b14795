/**
 * `deno task cluster-demo`: a nats-server on a free port (JetStream, temporary store), three worker
 * processes and a producer, all on this machine, and the whole cluster on one dashboard: this
 * process runs a `ClusterTracker` (it works no stage) and serves it with `antflowRoutes`. Midway,
 * one worker is killed with kill -9: its items go to the others, and the dashboard lists it as
 * lost. Needs `nats-server` (apt install nats-server, brew install nats-server, or docker run -p
 * 4222:4222 nats -js).
 *
 *   deno task cluster-demo                  # then open the printed URL; Ctrl-C stops it
 *   deno task cluster-demo --exit           # stop once the producer is done
 *   deno task cluster-demo --screenshot docs/cluster-dashboard.png   # Chromium, then stop
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Hono } from "hono";
import { connect } from "@nats-io/transport-node";
import { antflowRoutes } from "../src/hono/mod.ts";
import { ClusterTracker } from "../src/nats/mod.ts";
import { startServer } from "../tests/support/hono_servers.ts";
import { startNatsServer } from "../tests/support/nats_server.ts";
import { runtimeCommand } from "../tests/support/run_script.ts";

const here = (file: string) => new URL(file, import.meta.url).pathname;
const g = globalThis as unknown as {
  Deno?: { args: string[] };
  process: { argv: string[]; exitCode?: number; on(s: string, f: () => void): void };
};
const args = g.Deno?.args ?? g.process.argv.slice(2);
const shotAt = args.indexOf("--screenshot");
const screenshot = shotAt >= 0 ? args[shotAt + 1] : undefined;
const exitWhenDone = args.includes("--exit") || screenshot !== undefined;

function start(script: string, url: string): ChildProcess {
  const [cmd, argv] = runtimeCommand(here(script), [url]);
  return spawn(cmd, argv, { stdio: ["ignore", "inherit", "inherit"] });
}

const server = await startNatsServer();
console.log(`nats-server on ${server.url} (store ${server.storeDir})`);
const nc = await connect({ servers: server.url });
const cluster = new ClusterTracker(nc, { name: "demo" });
await cluster.ready;
const app = new Hono();
app.get("/", (c) => c.redirect("/antflow"));
app.route("/antflow", antflowRoutes({ tracker: cluster, pipeline: cluster.view, snapshotMs: 500 }));
const web = await startServer(app.fetch);
console.log(`the whole cluster on one dashboard: ${web.url}/antflow`);

const workers = [0, 1, 2].map(() => start("./nats_cluster_worker.ts", server.url));
const producer = start("./nats_cluster_producer.ts", server.url);
const produced = new Promise<number>((resolve) => producer.once("exit", (c) => resolve(c ?? 1)));
// Midway, one worker dies without a word: its items go to the others after ackWaitMs.
const victim = workers[2];
setTimeout(() => {
  console.log(`kill -9 worker ${victim.pid}: its items go to the others after ackWaitMs`);
  victim.kill("SIGKILL");
}, 6000);
const shot = screenshot === undefined
  ? undefined
  : takeScreenshot(`${web.url}/antflow`, screenshot);
const code = await produced;
console.log(code === 0 ? "the producer is done" : `the producer exited with ${code}`);
if (!exitWhenDone) {
  console.log(`the dashboard stays up at ${web.url}/antflow; Ctrl-C stops everything`);
  await new Promise<void>((resolve) => g.process.on("SIGINT", resolve));
}
await shot;
await Promise.all(workers.map((w) => {
  if (w.exitCode !== null || w.signalCode !== null) return;
  const exited = new Promise((resolve) => w.once("exit", resolve));
  w.kill("SIGTERM");
  return exited;
}));
await cluster.close();
await web.close();
await nc.close();
await server.stop();
console.log("cluster demo finished");
g.process.exitCode = code;

/** Headless Chromium on the dashboard once a worker was lost and the run is nearly done. */
async function takeScreenshot(url: string, path: string): Promise<void> {
  const { launchChromium } = await import("../tests/support/sandboxes.ts");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "antflow-cluster-shot-"));
  const context = await launchChromium(join(dir, "profile"));
  try {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(url);
    await page.waitForSelector("#workers td.gone", { timeout: 60_000 }); // a process went away
    await page.waitForTimeout(1500);
    // The whole worker table in the picture (the page scrolls it within 300 px).
    await page.$eval(
      "#workers",
      (body: { parentElement: { parentElement: { style: { maxHeight: string } } } }) => {
        body.parentElement.parentElement.style.maxHeight = "none";
      },
    );
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot: ${path}`);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
