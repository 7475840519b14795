/**
 * natsPipeline() against a real nats-server (started on a free port with a temporary store): the
 * in-memory semantics carried over — results by id, failures with their error, dead letters,
 * feed/join, stream — plus a producer that runs no stage.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Pipeline, Stage } from "../mod.ts";
import { natsPipeline } from "../src/nats/mod.ts";
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

describe("natsPipeline", { skip: natsServerMissing() }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  before(async () => {
    server = await startNatsServer();
    nc = await connectTo(server.url);
  });
  after(async () => {
    await nc?.close();
    await server?.stop();
  });

  it("run() resolves the successes in input order; includeFailures adds the failure", async () => {
    const name = freshName("run");
    await using cluster = await natsPipeline(nc, squareThenLabel(), { name });
    const ok = await cluster.run([3, 1, 2]);
    assert.deepEqual(ok.map((r) => [r.id, r.value]), [[0, "#9"], [1, "#1"], [2, "#4"]]);
    const all = await cluster.run([4, 13], { includeFailures: true, idOf: (n) => `n${n}` });
    assert.deepEqual(all.map((r) => r.id), ["n4", "n13"]);
    assert.equal(all[0].value, "#16");
    assert.equal(all[1].value, 13, "a failure's value is the failing stage's input");
    assert.equal((all[1].error as Error).name, "TypeError");
    assert.equal((all[1].error as Error).message, "13 is unlucky");
    assert.equal(all[1].isSuccess, false);
  });

  it("a failure goes to the stage's dead-letter subject with its error and input", async () => {
    const name = freshName("dead");
    await using cluster = await natsPipeline(nc, squareThenLabel(), { name });
    await cluster.run([13, 2], { idOf: (n) => `item-${n}` });
    const js = jetstream(nc);
    const consumer = await js.consumers.get(`AF_${name}_DEAD`);
    const msg = await consumer.next({ expires: 2000 });
    assert.ok(msg, "one dead letter");
    assert.equal(msg.subject, `antflow.${name}.dead.Square`);
    assert.equal(msg.headers?.get("AntFlow-Item"), '"item-13"');
    assert.deepEqual(JSON.parse(msg.headers!.get("AntFlow-Error")), {
      name: "TypeError",
      message: "13 is unlucky",
    });
    assert.equal(new TextDecoder().decode(msg.data), "13");
    assert.equal(await consumer.next({ expires: 1000 }), null, "only the failure");
  });

  it("feed() resolves once stored; join() gets every result in feed order; queues drain", async () => {
    const name = freshName("feed");
    const pipeline = squareThenLabel();
    // A producer that works no stage, and a worker process of its own.
    await using producer = await natsPipeline(nc, pipeline, { name, stages: [] });
    await producer.feed([1, 2, 3]);
    assert.equal(await streamMessages(nc, `AF_${name}_WORK`), 3, "stored, nobody works yet");
    await using worker = await natsPipeline(nc, pipeline, { name });
    await producer.feed([13], { idOf: () => "x" });
    const results = await producer.join();
    assert.deepEqual(results.map((r) => [r.id, r.value]), [[0, "#1"], [1, "#4"], [2, "#9"], [
      "x",
      13,
    ]]);
    assert.equal(results[3].isSuccess, false);
    assert.deepEqual(await producer.join(), [], "join() forgets what it returned");
    // Acknowledgements are written with the others of their turn: a moment after the results.
    await eventually(
      async () =>
        (await streamMessages(nc, `AF_${name}_WORK`)) === 0 &&
        (await uncollectedResults(nc, name)) === 0,
      5000,
      "the work stream to drain and every result to be collected",
    );
    assert.deepEqual(worker.stages, ["Square", "Label it"]);
    assert.deepEqual(producer.stages, []);
  });

  it("stream() yields every result, failures included, as they arrive", async () => {
    const name = freshName("stream");
    await using cluster = await natsPipeline(nc, squareThenLabel(), { name });
    const seen: string[] = [];
    for await (const r of cluster.stream([5, 13, 6])) {
      seen.push(r.isSuccess ? `${r.id}=${r.value}` : `${r.id}!${(r.error as Error).message}`);
    }
    assert.deepEqual(seen.sort(), ["0=#25", "1!13 is unlucky", "2=#36"]);
  });

  it("stages split across members: each works only its own; feed(targetStage) skips ahead", async () => {
    const name = freshName("split");
    const ran: string[] = [];
    const pipeline = squareThenLabel({ onRun: (stage, n) => ran.push(`${stage}:${n}`) });
    await using squares = await natsPipeline(nc, pipeline, { name, stages: ["Square"] });
    await using labels = await natsPipeline(nc, pipeline, { name, stages: ["Label it"] });
    const results = await squares.run([2, 3]);
    assert.deepEqual(results.map((r) => r.value), ["#4", "#9"]);
    assert.deepEqual(
      (await labels.run([7], { targetStage: "Label it" })).map((r) => r.value),
      ["#7"],
    );
    assert.deepEqual(ran.sort(), [
      "Label it:4",
      "Label it:7",
      "Label it:9",
      "Square:2",
      "Square:3",
    ]);
    assert.equal(squares.local["Square"].getStats().itemsProcessed, 2);
    assert.equal(labels.local["Label it"].getStats().itemsProcessed, 3);
  });

  it("holding() lists the items a stage runs and has fetched while its tasks wait; none when idle", async () => {
    const name = freshName("hold");
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Gate", workers: 2, tasks: [async (n: number) => (await gate, n)] }),
      ],
    });
    await using worker = await natsPipeline(nc, pipeline, { name });
    await using producer = await natsPipeline(nc, pipeline, { name, stages: [] });
    assert.deepEqual(producer.holding(), {}, "a producer works no stage");
    assert.deepEqual(worker.holding(), { Gate: { running: [], fetched: [], settling: [] } });
    const ids = ["a", "b", "c", "d", "e", "f"];
    const results = producer.run([1, 2, 3, 4, 5, 6], { idOf: (n) => ids[n - 1] });
    // Two tasks wait at the gate; one more is fetched ahead (a quarter of the workers, at least
    // one) and may already sit in the local pipeline's queue (then it counts as running).
    await eventually(
      () => {
        const { running, fetched } = worker.holding().Gate;
        return running.length + fetched.length === 3;
      },
      10_000,
      "two items running and one fetched ahead",
    );
    const { running, fetched, settling } = worker.holding().Gate;
    assert.ok(running.length >= 2, `running ${running}`);
    assert.deepEqual(settling, []);
    const all = [...running, ...fetched];
    assert.equal(new Set(all).size, 3, `no item twice: ${all}`);
    for (const id of all) assert.ok(ids.includes(id as string), `a fed id: ${id}`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(worker.holding().Gate.running.length + worker.holding().Gate.fetched.length, 3);
    open();
    assert.equal((await results).length, 6);
    await eventually(
      () => {
        const held = worker.holding().Gate;
        return held.running.length + held.fetched.length + held.settling.length === 0;
      },
      5000,
      "nothing held once every item is settled",
    );
  });

  it("close() runs the items a member took in to their end and settles them; the rest go to another member", async () => {
    const name = freshName("stop");
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const ran: string[] = [];
    const define = (member: string) =>
      new Pipeline({
        stages: [
          new Stage({
            name: "Gate",
            workers: 2,
            tasks: [async (n: number) => {
              ran.push(`${member}:${n}`);
              if (member === "first") await gate;
              return n * 10;
            }],
          }),
        ],
      });
    const first = await natsPipeline(nc, define("first"), { name });
    await using producer = await natsPipeline(nc, define("producer"), { name, stages: [] });
    const results = producer.run([1, 2, 3, 4, 5, 6]);
    await eventually(
      () => {
        const { running, fetched } = first.holding().Gate;
        return running.length === 3 && fetched.length === 0 && ran.length === 2;
      },
      10_000,
      "two items running and one waiting for a worker in the first member",
    );
    const held = first.holding().Gate.running;
    let closed = false;
    const closing = first.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(closed, false, "close() waits for the items in hand");
    open();
    await closing;
    assert.deepEqual(first.holding().Gate, { running: [], fetched: [], settling: [] });
    const firstRan = ran.filter((r) => r.startsWith("first:")).map((r) => Number(r.slice(6)));
    assert.deepEqual(firstRan.toSorted(), (held as number[]).map((id) => id + 1).toSorted());
    await using _second = await natsPipeline(nc, define("second"), { name });
    assert.deepEqual((await results).map((r) => r.value), [10, 20, 30, 40, 50, 60]);
    assert.equal(ran.length, 6, `each item ran once: ${ran}`);
    await assert.rejects(
      first.local.Gate.run([1]),
      /fed through the server/,
      "the local pipeline is not fed directly",
    );
    await first.local.Gate.shutdown();
  });

  it("two producers' items under the same ids run side by side in one member, each result to its producer", async () => {
    const name = freshName("twins");
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "S", workers: 8, tasks: [async (n: number) => (await gate, n * 2)] }),
      ],
    });
    await using worker = await natsPipeline(nc, pipeline, { name });
    await using one = await natsPipeline(nc, pipeline, { name, stages: [] });
    await using two = await natsPipeline(nc, pipeline, { name, stages: [] });
    // Default ids 0, 1, 2 for both producers: the same ids, different items.
    const first = one.run([1, 2, 3]);
    const second = two.run([10, 20, 30]);
    await eventually(
      () => worker.holding().S.running.length === 6,
      10_000,
      "all six items in the member at once",
    );
    assert.deepEqual(worker.holding().S.running.toSorted(), [0, 0, 1, 1, 2, 2]);
    open();
    assert.deepEqual((await first).map((r) => [r.id, r.value]), [[0, 2], [1, 4], [2, 6]]);
    assert.deepEqual((await second).map((r) => [r.id, r.value]), [[0, 20], [1, 40], [2, 60]]);
  });

  it("creates the streams and one durable consumer per stage with the settings given", async () => {
    const name = freshName("cfg");
    await using _cluster = await natsPipeline(nc, squareThenLabel(), {
      name,
      stages: ["Square", "Label it"],
      ackWaitMs: 4000,
      maxDeliver: 7,
      clusterConcurrency: { Square: 3 },
      storage: "memory",
    });
    const jsm = await jetstreamManager(nc);
    const work = await jsm.streams.info(`AF_${name}_WORK`);
    assert.equal(work.config.retention, "workqueue");
    assert.equal(work.config.storage, "memory");
    const square = await jsm.consumers.info(`AF_${name}_WORK`, "Square");
    assert.equal(square.config.ack_wait, 4000 * 1e6);
    assert.equal(square.config.max_deliver, 7);
    assert.equal(square.config.max_ack_pending, 3);
    assert.equal(square.config.filter_subject, `antflow.${name}.work.Square`);
    const label = await jsm.consumers.info(`AF_${name}_WORK`, "Label_20_it");
    assert.equal(label.config.filter_subject, `antflow.${name}.work.Label_20_it`);
  });

  it("rejects a bad name, an unknown stage and an unknown option, naming them", async () => {
    const pipeline = squareThenLabel();
    await assert.rejects(natsPipeline(nc, pipeline, { name: "a.b" }), /name must be 1-32/);
    await assert.rejects(
      natsPipeline(nc, pipeline, { name: "ok", stages: ["Sqare"] }),
      /unknown stage "Sqare"/,
    );
    await assert.rejects(
      // @ts-expect-error: misspelt on purpose
      natsPipeline(nc, pipeline, { name: "ok", ackWait: 1000 }),
      /unknown option ackWait \(did you mean ackWaitMs\?\)/,
    );
  });
});
