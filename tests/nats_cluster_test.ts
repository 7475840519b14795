/**
 * One view of the whole cluster (issue #19), against a real nats-server: members started with
 * `publishEvents` publish their tracker's events and worker states; a `ClusterTracker` (here, over
 * TCP and over WebSocket) counts each item once in its latest status, with its history causal
 * across processes, converges to the exact totals — also when it joins late, and when a worker
 * process is killed — and its view groups the workers by process and sums their stage counters.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { type NatsConnection, wsconnect } from "@nats-io/nats-core";
import { Hono } from "hono";
import { PipelineError, type RunEvent, StatusTracker } from "../mod.ts";
import { antflowRoutes } from "../src/hono/mod.ts";
import { ClusterTracker, type NatsPipeline, natsPipeline } from "../src/nats/mod.ts";
import { clusterPipeline, counts, QUICK } from "./support/nats_cluster_fixtures.ts";
import {
  connectTo,
  eventually,
  freshName,
  type NatsServer,
  natsServerMissing,
  startNatsServer,
  streamMessages,
} from "./support/nats_fixtures.ts";
import { runtimeCommand } from "./support/run_script.ts";

const FIXTURE = new URL("./support/nats_cluster_worker_fixture.ts", import.meta.url).pathname;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

/** The sum of one stage's counters over the members' local pipelines. */
function localSum(members: NatsPipeline[], stage: string, field: "completedItems" | "failedItems") {
  return members.reduce(
    (sum, m) => sum + m.local[stage].getStats().stageStats[stage][field],
    0,
  );
}

function viewSum(tracker: ClusterTracker, stage: string, field: "completedItems" | "failedItems") {
  return tracker.view.getStats().stageStats[stage]?.[field] ?? -1;
}

const settled = (tracker: ClusterTracker, total: number) => () => {
  const s = tracker.getStats();
  return s.completed + s.failed === total && s.queued + s.in_progress + s.retrying === 0;
};

describe("ClusterTracker", { skip: natsServerMissing() }, () => {
  let server: NatsServer;
  const connections: NatsConnection[] = [];
  const children: ChildProcess[] = [];
  const connection = async () => {
    const nc = await connectTo(server.url);
    connections.push(nc);
    return nc;
  };
  before(async () => {
    server = await startNatsServer({ websocket: true });
  });
  after(async () => {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(connections.map((nc) => nc.close().catch(() => {})));
    await server?.stop();
  });

  it("counts each item once across two members, history causal, stage counters the sum of the members'", async () => {
    const name = freshName("view");
    const watcher = new ClusterTracker(await connection(), { name });
    await watcher.ready;
    let taskEvents = 0;
    watcher.addEventListener("taskcomplete", () => taskEvents++);
    const members: NatsPipeline[] = [];
    for (const process of ["alpha", "beta"]) {
      const pipeline = clusterPipeline(new StatusTracker(), { delayMs: 2 });
      members.push(
        await natsPipeline(await connection(), pipeline, {
          name,
          publishEvents: { process, ...QUICK },
        }),
      );
    }
    const producer = await natsPipeline(await connection(), clusterPipeline(undefined), {
      name,
      stages: [],
    });
    const total = 300;
    const results = await producer.run(range(total), { includeFailures: true });
    assert.equal(results.filter((r) => r.isSuccess).length, total - 1);
    await eventually(settled(watcher, total), 10_000, "the cluster's counts to settle");
    assert.deepEqual(watcher.getStats(), counts({ completed: total - 1, failed: 1 }));

    const [failed] = watcher.getFailedItems();
    assert.equal(watcher.getFailedItems().length, 1);
    assert.equal(failed.itemId, 13);
    assert.equal(failed.error, "13 is unlucky");
    assert.equal(failed.stage, "Square");
    assert.equal(watcher.getErrorSummary().totalFailed, 1);

    // Causal: an item's completion in Square comes before it is queued in "Label it", wherever
    // each ran; every worker name says which process it ran in.
    const processes = new Set<string>();
    for (const id of range(total)) {
      if (id === 13) continue;
      const history = watcher.getHistory(id);
      const done = history.findIndex((e) => e.stage === "Square" && e.status === "completed");
      const queued = history.findIndex((e) => e.stage === "Label it" && e.status === "queued");
      assert.ok(done >= 0 && queued > done, `item ${id}: ${JSON.stringify(history)}`);
      assert.equal(history.at(-1)!.status, "completed");
      for (const e of history) {
        if (e.worker !== null) processes.add(e.worker.split("/")[0]);
      }
    }
    assert.deepEqual([...processes].sort(), ["alpha", "beta"], "both members worked");
    assert.ok(taskEvents >= total, `live task events: ${taskEvents}`);
    assert.ok(watcher.getRuns().length >= 4, "each member's stage runs");

    // The view: processes, workers by process, stage counters = the members' sums exactly.
    await eventually(
      () =>
        ["Square", "Label it"].every((stage) =>
          viewSum(watcher, stage, "completedItems") === localSum(members, stage, "completedItems")
        ),
      5000,
      "the heartbeats to report the final counters",
    );
    for (const stage of ["Square", "Label it"]) {
      for (const field of ["completedItems", "failedItems"] as const) {
        assert.equal(viewSum(watcher, stage, field), localSum(members, stage, field), stage);
      }
    }
    assert.equal(viewSum(watcher, "Square", "failedItems"), 1);
    assert.equal(viewSum(watcher, "Label it", "completedItems"), total - 1);
    assert.deepEqual(
      watcher.view.getProcesses().map((p) => [p.process, p.state, p.stages, p.workers]),
      [["alpha", "live", ["Square", "Label it"], 6], ["beta", "live", ["Square", "Label it"], 6]],
    );
    const workers = watcher.view.getWorkerStates();
    assert.equal(Object.keys(workers).length, 12);
    assert.equal(workers["alpha/Square-W0"].process, "alpha");
    assert.equal(workers["beta/Label it-W1"].stage, "Label it");

    // One member closes: its workers leave the view, the process is listed as gone.
    await members[1].close();
    await eventually(
      () => watcher.view.getProcesses().find((p) => p.process === "beta")?.state !== "live",
      3000,
      "beta to be gone",
    );
    const beta = watcher.view.getProcesses().find((p) => p.process === "beta")!;
    assert.equal(beta.workers, 0);
    assert.equal(typeof beta.goneAt, "number");
    assert.ok(Object.keys(watcher.view.getWorkerStates()).every((w) => w.startsWith("alpha/")));

    // A viewer that joins now, over WebSocket, rebuilds the same state from the stream.
    const ws = await wsconnect({ servers: server.wsUrl! });
    connections.push(ws);
    const late = new ClusterTracker(ws, { name });
    await late.ready;
    assert.deepEqual(late.getStats(), watcher.getStats());
    assert.deepEqual(late.getFailedItems(), watcher.getFailedItems());
    assert.deepEqual(
      late.getHistory(7).map((e) => [e.stage, e.status, e.worker]),
      watcher.getHistory(7).map((e) => [e.stage, e.status, e.worker]),
    );
    await late.close();
    await members[0].close();
    await producer.close();
    await watcher.close();
  });

  it("a viewer that joins after 90 % of a run shows the same final counts and failed items", async () => {
    const name = freshName("late");
    const early = new ClusterTracker(await connection(), { name });
    await early.ready;
    let labelled = 0;
    let late: ClusterTracker | undefined;
    const total = 2000;
    const joined = new Promise<void>((resolve) => {
      early.addEventListener("status", (e) => {
        if (e.detail.stage !== "Label it" || e.detail.status !== "completed") return;
        if (++labelled === total * 0.9) {
          connection().then((nc) => {
            late = new ClusterTracker(nc, { name });
            resolve();
          });
        }
      });
    });
    const member = await natsPipeline(await connection(), clusterPipeline(new StatusTracker()), {
      name,
      publishEvents: QUICK,
    });
    const results = await member.run(range(total), { includeFailures: true });
    await joined;
    await late!.ready;
    assert.equal(results.length, total);
    for (const tracker of [early, late!]) {
      await eventually(settled(tracker, total), 10_000, "the counts to settle");
      assert.deepEqual(tracker.getStats(), counts({ completed: total - 1, failed: 1 }));
      assert.deepEqual(tracker.getFailedItems().map((f) => [f.itemId, f.error]), [
        [13, "13 is unlucky"],
      ]);
    }
    await member.close();
    await early.close();
    await late!.close();
  });

  it("a worker process killed mid-run: the counts still converge to the exact totals; it is listed as lost", async () => {
    const name = freshName("kill");
    const viewer = new ClusterTracker(await connection(), { name });
    await viewer.ready;
    const workers = ["w0", "w1", "w2"].map((process) => {
      const [cmd, argv] = runtimeCommand(FIXTURE, [server.url, name, process, "5"]);
      const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"] });
      children.push(child);
      let out = "";
      child.stdout!.setEncoding("utf8");
      child.stdout!.on("data", (chunk: string) => (out += chunk));
      return { child, output: () => out };
    });
    await eventually(() => workers.every((w) => w.output().includes("ready")), 20_000, "workers");
    const producer = await natsPipeline(await connection(), clusterPipeline(undefined), {
      name,
      stages: [],
    });
    const total = 600;
    const running = producer.run(range(total), { includeFailures: true });
    await eventually(
      () => workers[0].output().split("\n").length > 30,
      20_000,
      "the first worker to be busy",
    );
    workers[0].child.kill("SIGKILL");
    const results = await running;
    const ok = results.filter((r) => r.isSuccess).length;
    assert.equal(ok, total - 1);
    await eventually(
      async () => (await streamMessages(connections[0], `AF_${name}_WORK`)) === 0,
      10_000,
      "the work stream to drain",
    );
    await eventually(settled(viewer, total), 10_000, "the counts to settle");
    assert.deepEqual(viewer.getStats(), counts({ completed: ok, failed: total - ok }));
    // Some item w0 held when it died was finished by another process.
    const takenOver = range(total).filter((id) => {
      const history = viewer.getHistory(id);
      return history.some((e) => e.worker?.startsWith("w0/")) &&
        !history.at(-1)!.worker!.startsWith("w0/");
    });
    assert.ok(takenOver.length > 0, "w0's items were finished elsewhere");
    await eventually(
      () => viewer.view.getProcesses().find((p) => p.process === "w0")?.state === "lost",
      5000,
      "w0 to be lost",
    );
    const late = new ClusterTracker(await connection(), { name });
    await late.ready;
    assert.deepEqual(late.getStats(), viewer.getStats());
    assert.deepEqual(late.getFailedItems(), viewer.getFailedItems());
    for (const w of workers.slice(1)) w.child.kill("SIGTERM");
    await late.close();
    await producer.close();
    await viewer.close();
  });

  it("hands an item on only once its events are stored (causal history)", async () => {
    const name = freshName("causal");
    const nc = await connection();
    const member = await natsPipeline(nc, clusterPipeline(new StatusTracker()), {
      name,
      publishEvents: { process: "m", ...QUICK },
    });
    // Without the events stream, no event of the item can be stored: it is held back.
    const { jetstreamManager } = await import("@nats-io/jetstream");
    await (await jetstreamManager(nc)).streams.delete(`AF_${name}_EVENTS`);
    let done = false;
    const running = member.run([5]).then((results) => {
      done = true;
      return results;
    });
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(done, false, "not handed on while its events are not stored");
    // A viewer creates the stream again; the member sends the events again, then hands it on.
    const viewer = new ClusterTracker(await connection(), { name });
    assert.deepEqual((await running).map((r) => r.value), ["#25"]);
    await eventually(() => viewer.getStatus(0)?.stage === "Label it", 5000, "the item's events");
    await eventually(() => viewer.getStatus(0)?.status === "completed", 5000, "the last event");
    const history = viewer.getHistory(0).map((e) => `${e.stage} ${e.status}`);
    const done1 = history.indexOf("Square completed");
    assert.ok(done1 >= 0 && done1 < history.indexOf("Label it queued"), history.join(", "));
    await member.close();
    await viewer.close();
  });

  it("a producer's own run(), feed()…join() and stream() are runs in the view, counted by their results", async () => {
    const name = freshName("prodrun");
    const viewer = new ClusterTracker(await connection(), { name });
    await viewer.ready;
    const seen: string[] = [];
    const ends: RunEvent[] = [];
    viewer.addEventListener("runstart", (e) => seen.push(`start ${e.detail.runId}`));
    viewer.addEventListener("runend", (e) => {
      seen.push(`end ${e.detail.runId}`);
      ends.push(e.detail);
    });
    // A worker that publishes nothing, and a producer-only member that publishes its runs.
    const worker = await natsPipeline(await connection(), clusterPipeline(undefined), { name });
    const producer = await natsPipeline(await connection(), clusterPipeline(undefined), {
      name,
      stages: [],
      publishEvents: { process: "producer", ...QUICK },
    });
    const results = await producer.run(range(50), { includeFailures: true });
    assert.equal(results.length, 50);
    await eventually(() => ends.length === 1, 5000, "the run's runend");
    const [run] = ends;
    assert.deepEqual(run.counts, { completed: 49, failed: 1, skipped: 0, cancelled: 0 });
    assert.ok(run.endedAt! >= run.startedAt, "endedAt after startedAt");
    assert.deepEqual(seen, [`start ${run.runId}`, `end ${run.runId}`]);
    assert.deepEqual(viewer.getRuns().map((r) => [r.runId, r.counts.completed]), [
      [run.runId, 49],
    ]);
    await producer.feed(range(3, 100));
    await producer.feed([13]);
    await producer.join();
    await eventually(() => ends.length === 2, 5000, "the feed run's runend");
    assert.deepEqual(ends[1].counts, { completed: 3, failed: 1, skipped: 0, cancelled: 0 });
    assert.equal(seen.length, 4, `one run for both feeds: ${seen}`);
    assert.equal(seen[2], `start ${ends[1].runId}`);
    let streamed = 0;
    for await (const _ of producer.stream(range(5, 200))) streamed++;
    assert.equal(streamed, 5);
    await eventually(() => ends.length === 3, 5000, "the stream's runend");
    assert.deepEqual(ends[2].counts, { completed: 5, failed: 0, skipped: 0, cancelled: 0 });
    assert.equal(new Set(ends.map((e) => e.runId)).size, 3, "a run id of its own each");
    await producer.close();
    await worker.close();
    await viewer.close();
  });

  it("serves the cluster on antflowRoutes: workers by process, processes in the snapshot", async () => {
    const name = freshName("routes");
    const viewer = new ClusterTracker(await connection(), { name });
    await viewer.ready;
    const member = await natsPipeline(await connection(), clusterPipeline(new StatusTracker()), {
      name,
      publishEvents: { process: "solo", ...QUICK },
    });
    await member.run([1, 2, 3]);
    await eventually(
      () => viewer.view.getProcesses().length === 1 && viewer.getStats().completed === 3,
      3000,
      "the first report and the events",
    );
    const app = new Hono().route(
      "/antflow",
      antflowRoutes({ tracker: viewer, pipeline: viewer.view }),
    );
    const workers = await (await app.request("/antflow/workers")).json();
    assert.deepEqual(Object.keys(workers).sort().slice(0, 2), [
      "solo/Label it-W0",
      "solo/Label it-W1",
    ]);
    const snapshot = await (await app.request("/antflow/snapshot")).json();
    assert.equal(snapshot.pipeline.processes[0].process, "solo");
    assert.equal(snapshot.stats.completed, 3);
    await member.close();
    await viewer.close();
  });

  it("rejects bad options with the owner, the field and the rule", async () => {
    const nc = await connection();
    await assert.rejects(
      natsPipeline(nc, clusterPipeline(undefined), {
        name: freshName("bad"),
        publishEvents: { historyPerItem: 0 },
      }),
      (error: Error) =>
        error instanceof PipelineError &&
        error.message ===
          "natsPipeline: publishEvents: historyPerItem must be an integer from 1 to 1000, got 0",
    );
    assert.throws(
      () => new ClusterTracker(nc, { name: "x", from: "middle" as "start" }),
      /ClusterTracker: from must be "start" or "now", got "middle"/,
    );
  });
});
