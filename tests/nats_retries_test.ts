/**
 * per_stage retries on NATS: a failed attempt is given back with nak(delay) (the stage's backoff),
 * its attempt number survives the redelivery (in another process too), a delivery that died does
 * not use up an attempt, and the final failure calls onFailure once.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Pipeline, Stage, type TaskContext } from "../mod.ts";
import { natsPipeline } from "../src/nats/mod.ts";
import {
  connectTo,
  eventually,
  freshName,
  type NatsServer,
  natsServerMissing,
  startNatsServer,
  streamMessages,
} from "./support/nats_fixtures.ts";

interface Seen {
  member: string;
  attempt: number;
  at: number;
}

/** One per_stage stage whose task fails until `succeedAt` (by ctx.attempt), noting each call. */
function flaky(
  member: string,
  seen: Seen[],
  options: {
    succeedAt: number;
    backoff?: Stage["options"]["backoff"];
    retryIf?: (error: unknown, attempt: number) => boolean;
    onFailure?: (id: unknown, error: Error) => void;
  },
): Pipeline<number, number> {
  return new Pipeline({
    stages: [
      new Stage({
        name: "Flaky",
        workers: 2,
        retry: "per_stage",
        stageAttempts: 3,
        taskWaitMs: 300,
        backoff: options.backoff,
        retryIf: options.retryIf,
        onFailure: options.onFailure,
        tasks: [async function call(n: number, ctx: TaskContext) {
          seen.push({ member, attempt: ctx.attempt, at: performance.now() });
          if (ctx.attempt < options.succeedAt) throw new RangeError(`attempt ${ctx.attempt}`);
          return n * 10;
        }],
      }),
    ],
  });
}

describe("natsPipeline per_stage retries", { skip: natsServerMissing() }, () => {
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

  it("a failed attempt comes back after the stage's backoff, with the next attempt number", async () => {
    const name = freshName("backoff");
    const seen: Seen[] = [];
    const waits: [number, string][] = [];
    const pipeline = flaky("a", seen, {
      succeedAt: 3,
      backoff: (attempt, error) => {
        waits.push([attempt, error.message]);
        return attempt * 400;
      },
    });
    await using cluster = await natsPipeline(nc, pipeline, { name });
    const [result] = await cluster.run([7]);
    assert.equal(result.value, 70);
    assert.deepEqual(seen.map((s) => s.attempt), [1, 2, 3]);
    assert.deepEqual(waits, [[1, "attempt 1"], [2, "attempt 2"]], "the backoff function's inputs");
    // Timers are late on a loaded machine, never early: at least the backoff (less 50 ms slack).
    assert.ok(seen[1].at - seen[0].at >= 350, `first wait ${seen[1].at - seen[0].at} ms`);
    assert.ok(seen[2].at - seen[1].at >= 750, `second wait ${seen[2].at - seen[1].at} ms`);
    await eventually(
      async () =>
        (await streamMessages(nc, `AF_${name}_ATTEMPTS`)) === 0 &&
        (await streamMessages(nc, `AF_${name}_WORK`)) === 0,
      5000,
      "the stored attempt number to be dropped and the delivery acknowledged",
    );
  });

  it("a retry redelivered to another process goes on with the stored attempt number", async () => {
    const name = freshName("handover");
    const seen: Seen[] = [];
    // A long backoff: the first process is gone before the retry is due.
    const backoff = () => 1500;
    const first = await natsPipeline(nc, flaky("first", seen, { succeedAt: 2, backoff }), { name });
    await using producer = await natsPipeline(nc, flaky("producer", seen, { succeedAt: 2 }), {
      name,
      stages: [],
    });
    await producer.feed([5], { idOf: () => "five" });
    // The first attempt failed and its number is stored: this process leaves before the retry.
    await eventually(
      async () => (await streamMessages(nc, `AF_${name}_ATTEMPTS`)) === 1,
      5000,
      "the failed attempt to be stored",
    );
    await first.close();
    await using _second = await natsPipeline(nc, flaky("second", seen, { succeedAt: 2, backoff }), {
      name,
    });
    const [result] = await producer.join();
    assert.equal(result.value, 50);
    assert.deepEqual(seen.map((s) => `${s.member}:${s.attempt}`), ["first:1", "second:2"]);
  });

  it("a delivery that died with its process does not use up an attempt", async () => {
    const name = freshName("crash");
    const seen: Seen[] = [];
    const settings = { name, ackWaitMs: 1000, maxDeliver: 4 };
    const pipeline = flaky("a", seen, { succeedAt: 2 });
    // The consumer exists, nobody works the stage yet.
    await (await natsPipeline(nc, pipeline, settings)).close();
    const info = await (await jetstreamManager(nc)).consumers.info(`AF_${name}_WORK`, "Flaky");
    assert.equal(info.config.max_deliver, 4 + 3 - 1, "maxDeliver + stageAttempts - 1");
    await using producer = await natsPipeline(nc, pipeline, { ...settings, stages: [] });
    await producer.feed([1]);
    // A "worker" takes the first delivery and dies (never settles it).
    const consumer = await jetstream(nc).consumers.get(`AF_${name}_WORK`, "Flaky");
    assert.equal((await consumer.next({ expires: 2000 }))?.info.deliveryCount, 1);
    await using _worker = await natsPipeline(nc, pipeline, settings);
    const [result] = await producer.join();
    assert.equal(result.value, 10);
    assert.deepEqual(
      seen.map((s) => s.attempt),
      [1, 2],
      "deliveries 2 and 3 were attempts 1 and 2",
    );
  });

  it("the last attempt's failure is final: retryIf sees the numbers, onFailure runs once", async () => {
    const name = freshName("final");
    const seen: Seen[] = [];
    const asked: number[] = [];
    const failures: [unknown, string][] = [];
    const pipeline = flaky("a", seen, {
      succeedAt: 99,
      backoff: { multiplier: 1 },
      retryIf: (_error, attempt) => {
        asked.push(attempt);
        return true;
      },
      onFailure: (id, error) => failures.push([id, error.message]),
    });
    await using cluster = await natsPipeline(nc, pipeline, { name });
    const [result] = await cluster.run([3], { includeFailures: true, idOf: () => "x" });
    assert.equal(result.isSuccess, false);
    assert.equal((result.error as Error).name, "RangeError");
    assert.equal((result.error as Error).message, "attempt 3");
    assert.deepEqual(seen.map((s) => s.attempt), [1, 2, 3]);
    assert.deepEqual(asked, [1, 2], "not asked after the last attempt");
    // onFailure runs once the failure is recorded, which the producer may see first.
    await eventually(() => failures.length > 0, 5000, "onFailure");
    assert.deepEqual(failures, [["x", "attempt 3"]]);
    assert.equal(await streamMessages(nc, `AF_${name}_DEAD`), 1);
  });

  it("retryIf returning false fails the item at once", async () => {
    const name = freshName("noretry");
    const seen: Seen[] = [];
    const pipeline = flaky("a", seen, { succeedAt: 2, retryIf: () => false });
    await using cluster = await natsPipeline(nc, pipeline, { name });
    const [result] = await cluster.run([3], { includeFailures: true });
    assert.equal((result.error as Error).message, "attempt 1");
    assert.deepEqual(seen.map((s) => s.attempt), [1]);
  });
});
