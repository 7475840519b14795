/**
 * At-least-once, never lost: worker processes killed with kill -9 mid-task (their items go to the
 * others after ackWaitMs), a nats-server killed and restarted (file storage loses nothing), long
 * tasks kept alive with working(), and items whose every delivery died failed, not left behind.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Pipeline, Stage } from "../mod.ts";
import { ItemLostError, natsPipeline } from "../src/nats/mod.ts";
import {
  connectTo,
  eventually,
  freshName,
  type NatsServer,
  natsServerMissing,
  squareThenLabel,
  startNatsServer,
  streamMessages,
  uncollectedResults,
} from "./support/nats_fixtures.ts";
import { runtimeCommand } from "./support/run_script.ts";

const FIXTURE = new URL("./support/nats_worker_fixture.ts", import.meta.url).pathname;

/** What a worker process held per stage (its `holding()`), by item id. */
type Held = Record<string, { running: number[]; fetched: number[]; settling: number[] }>;

/** A worker process, the task starts it printed, and what it held when asked. */
interface Worker {
  child: ChildProcess;
  runs: string[];
  ready: Promise<void>;
  held: Promise<Held>;
}

function startWorker(
  url: string,
  name: string,
  delayMs: number,
  ackWaitMs: number,
  holdAs = "",
): Worker {
  const [cmd, argv] = runtimeCommand(FIXTURE, [
    url,
    name,
    String(delayMs),
    String(ackWaitMs),
    "-",
    ...(holdAs ? [holdAs] : []),
  ]);
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"] });
  const runs: string[] = [];
  let buffered = "";
  let ready!: () => void;
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  let gotHeld!: (held: Held) => void;
  const held = new Promise<Held>((resolve) => (gotHeld = resolve));
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line === "ready") ready();
      else if (line.startsWith("run ")) runs.push(line.slice(4));
      else if (line.startsWith("held ")) gotHeld(JSON.parse(line.slice(5)));
    }
  });
  return { child, runs, ready: readyPromise, held };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

describe("natsPipeline reliability", { skip: natsServerMissing() }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const children: ChildProcess[] = [];
  before(async () => {
    server = await startNatsServer();
    nc = await connectTo(server.url);
  });
  after(async () => {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(children.map(exited));
    await nc?.close();
    await server?.stop();
  });

  it("a worker killed with kill -9 mid-run loses nothing: every item ends exactly once", async () => {
    const name = freshName("kill");
    const workers = [0, 1].map((i) => startWorker(server.url, name, 10, 1500, `W${i}`));
    children.push(...workers.map((w) => w.child));
    await Promise.all(workers.map((w) => w.ready));
    await using producer = await natsPipeline(nc, squareThenLabel(), { name, stages: [] });
    const total = 300;
    const running = producer.run(Array.from({ length: total }, (_, i) => i), {
      includeFailures: true,
    });
    await eventually(() => workers[0].runs.length >= 20, 20_000, "the first worker to be busy");
    // It prints what it holds, then blocks until killed: nothing it holds changes meanwhile.
    nc.publish(`antflow-bench.${name}.hold.W0`);
    const held = await workers[0].held;
    workers[0].child.kill("SIGKILL");
    const results = await running;
    assert.equal(results.length, total);
    assert.deepEqual(results.map((r) => r.id), Array.from({ length: total }, (_, i) => i));
    for (const r of results) {
      if (r.id === 13) assert.equal((r.error as Error).message, "13 is unlucky");
      else assert.equal(r.value, `#${(r.id as number) ** 2}`, `item ${r.id}`);
    }
    // A delivery whose outcome was stored before the kill but not acknowledged comes back after
    // ackWaitMs: it runs again, its output is de-duplicated, and then the stream is empty.
    await eventually(
      async () => (await streamMessages(nc, `AF_${name}_WORK`)) === 0,
      10_000,
      "the work stream to drain",
    );
    // Re-executions: only tasks the killed process held (running, fetched, or done and being
    // settled), each at most once more. `Label it <n>` runs item sqrt(n).
    const starts = new Map<string, number>();
    for (const run of [...workers[0].runs, ...workers[1].runs]) {
      starts.set(run, (starts.get(run) ?? 0) + 1);
    }
    // 13 fails each of its two attempts (per_task retries): its executions are its pairs of starts
    // (one start only, when the killed process died between them).
    starts.set("Square 13", Math.ceil(starts.get("Square 13")! / 2));
    for (const [run, n] of starts) {
      if (n === 1) continue;
      const [stage, input] = run.startsWith("Square ")
        ? ["Square", Number(run.slice(7))]
        : ["Label it", Math.sqrt(Number(run.slice(9)))];
      const h = held[stage];
      assert.ok([...h.running, ...h.fetched, ...h.settling].includes(input), `${run} was held`);
      assert.equal(n, 2, `${run} ran again once`);
    }
    await eventually(
      async () => (await uncollectedResults(nc, name)) === 0,
      5000,
      "every result to be collected",
    );
  });

  it("a restarted nats-server (file storage) loses nothing; workers and producer reconnect", async () => {
    const name = freshName("restart");
    await using worker = await natsPipeline(nc, squareThenLabel({ delayMs: 5 }), {
      name,
      ackWaitMs: 2000,
    });
    await using producer = await natsPipeline(nc, squareThenLabel(), { name, stages: [] });
    await producer.feed(Array.from({ length: 100 }, (_, i) => i + 100));
    await server.restart();
    const results = await producer.join();
    assert.equal(results.length, 100);
    assert.ok(results.every((r) => r.value === `#${(r.id as number + 100) ** 2}`));
    assert.equal(worker.stages.length, 2);
  });

  it("a nats-server killed and restarted mid-run: every item ends once, streams and consumers drain", async () => {
    const name = freshName("midrun");
    await using worker = await natsPipeline(nc, squareThenLabel({ delayMs: 2 }), {
      name,
      ackWaitMs: 1500,
    });
    await using producer = await natsPipeline(nc, squareThenLabel(), { name, stages: [] });
    const total = 600;
    const running = producer.run(Array.from({ length: total }, (_, i) => i), {
      includeFailures: true,
    });
    await eventually(
      () => worker.local["Label it"].getStats().itemsProcessed >= 150,
      20_000,
      "a quarter of the items to be done",
    );
    await server.restart();
    const results = await running;
    assert.deepEqual(results.map((r) => r.id), Array.from({ length: total }, (_, i) => i));
    for (const r of results) {
      if (r.id === 13) assert.equal(r.isSuccess, false);
      else assert.equal(r.value, `#${(r.id as number) ** 2}`, `item ${r.id}`);
    }
    const jsm = await jetstreamManager(nc);
    const stored = (await jsm.streams.info(`AF_${name}_RESULTS`)).state.last_seq;
    assert.equal(stored, total, "one result stored per item, none twice");
    await eventually(
      async () => {
        let left = await streamMessages(nc, `AF_${name}_WORK`);
        left += await uncollectedResults(nc, name);
        for (const consumer of ["Square", "Label_20_it"]) {
          const info = await jsm.consumers.info(`AF_${name}_WORK`, consumer);
          left += info.num_pending + info.num_ack_pending;
        }
        return left === 0;
      },
      15_000,
      "the streams and the consumers to drain",
    );
  });

  it("a task longer than ackWaitMs is kept alive with working() and runs once", async () => {
    const name = freshName("long");
    let runs = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Long",
          workers: 1,
          tasks: [async (n: number) => {
            runs++;
            await new Promise((r) => setTimeout(r, 3500));
            return n;
          }],
        }),
      ],
    });
    await using a = await natsPipeline(nc, pipeline, { name, ackWaitMs: 1000 });
    await using b = await natsPipeline(nc, pipeline, { name, ackWaitMs: 1000 });
    assert.deepEqual((await a.run([7])).map((r) => r.value), [7]);
    assert.equal(runs, 1, "never redelivered to the other member while it ran");
    assert.equal(b.stages.length, 1);
  });

  it("an item fetched ahead that waits longer than ackWaitMs for a busy worker is kept alive and runs once", async () => {
    const name = freshName("ahead");
    const runs: number[] = [];
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Slow",
          workers: 1,
          tasks: [async (n: number) => {
            runs.push(n);
            await new Promise((r) => setTimeout(r, 2500));
            return n;
          }],
        }),
      ],
    });
    await using member = await natsPipeline(nc, pipeline, { name, ackWaitMs: 1000 });
    const results = member.run([1, 2]);
    await eventually(
      () => member.holding().Slow.running.length === 2,
      5000,
      "one item running and one fetched ahead, waiting for the worker",
    );
    assert.deepEqual((await results).map((r) => r.value), [1, 2]);
    assert.deepEqual(runs, [1, 2], "neither was redelivered while this member held it");
  });

  it("an item whose every delivery died is failed with ItemLostError, not left in the stream", async () => {
    const name = freshName("lost");
    const pipeline = squareThenLabel();
    const settings = { name, ackWaitMs: 1000, maxDeliver: 2 };
    // The consumer exists (a member made it), but no member works the stage yet.
    await (await natsPipeline(nc, pipeline, { ...settings, stages: ["Square"] })).close();
    await using producer = await natsPipeline(nc, pipeline, { ...settings, stages: [] });
    await producer.feed([4], { idOf: () => "doomed" });
    // A "worker" that takes the delivery and dies (never acknowledges it).
    const consumer = await jetstream(nc).consumers.get(`AF_${name}_WORK`, "Square");
    const first = await consumer.next({ expires: 2000 });
    assert.equal(first?.info.deliveryCount, 1);
    await using _worker = await natsPipeline(nc, pipeline, settings);
    const [result] = await producer.join();
    assert.equal(result.id, "doomed");
    assert.equal((result.error as Error).name, "ItemLostError");
    assert.match((result.error as Error).message, /delivered 2 times/);
    assert.equal(ItemLostError.name, "ItemLostError");
    await eventually(
      async () => (await streamMessages(nc, `AF_${name}_WORK`)) === 0,
      5000,
      "the delivery to be acknowledged",
    );
    assert.equal(await streamMessages(nc, `AF_${name}_DEAD`), 1);
  });
});
