/**
 * Values that cross processes: the codec (JSON by default, pluggable), values that cannot be
 * encoded or exceed max_payload (the item fails naming itself, the stage and the reason; nothing
 * crashes or vanishes), and errors as { name, message }.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/nats-core";
import { Pipeline, Stage } from "../mod.ts";
import { ItemTransferError, type NatsCodec, natsPipeline } from "../src/nats/mod.ts";
import {
  connectTo,
  freshName,
  type NatsServer,
  natsServerMissing,
  startNatsServer,
  streamMessages,
} from "./support/nats_fixtures.ts";

describe("natsPipeline values", { skip: natsServerMissing() }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  before(async () => {
    server = await startNatsServer({ maxPayload: 64 * 1024 });
    nc = await connectTo(server.url);
  });
  after(async () => {
    await nc?.close();
    await server?.stop();
  });

  it("an output that cannot be encoded fails its item, naming the item, the next stage and why", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Make", workers: 2, tasks: [(n: number) => (n === 2 ? BigInt(n) : n)] }),
        new Stage({ name: "Use", workers: 2, tasks: [(n: number) => n + 1] }),
      ],
    });
    await using cluster = await natsPipeline(nc, pipeline, { name: freshName("enc") });
    const results = await cluster.run([1, 2, 3], { includeFailures: true });
    assert.deepEqual(results.map((r) => r.value), [2, 2, 4]);
    const error = results[1].error as Error;
    assert.equal(error.name, "ItemTransferError");
    assert.match(
      error.message,
      /^Item 1 could not be sent to stage "Use": it cannot be encoded \(json\): .*BigInt/,
    );
  });

  it("an input too large for max_payload fails at feed, naming the sizes; the others go on", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "Len", workers: 2, tasks: [(s: string) => s.length] })],
    });
    await using cluster = await natsPipeline(nc, pipeline, { name: freshName("big") });
    const big = "x".repeat(100 * 1024);
    const results = await cluster.run(["a", big, "bc"], { includeFailures: true });
    assert.deepEqual(results.map((r) => r.isSuccess), [true, false, true]);
    assert.ok(results[1].error instanceof ItemTransferError);
    assert.match(
      (results[1].error as Error).message,
      /^Item 1 could not be sent to stage "Len": its payload of 102402 bytes \(json\) exceeds the server's max_payload of 65536 bytes/,
    );
    await assert.rejects(cluster.feed([big]), ItemTransferError, "feed() rejects for it");
    assert.deepEqual((await cluster.join()).map((r) => r.isSuccess), [false]);
  });

  it("an output too large for the results fails in its stage with the reason", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "Grow", workers: 2, tasks: [(n: number) => "y".repeat(n)] })],
    });
    const name = freshName("grow");
    await using cluster = await natsPipeline(nc, pipeline, { name });
    const results = await cluster.run([3, 100_000], { includeFailures: true });
    assert.equal(results[0].value, "yyy");
    assert.match(
      (results[1].error as Error).message,
      /could not be sent to the results: its payload/,
    );
    assert.equal(results[1].value, 100_000);
    assert.equal(await streamMessages(nc, `AF_${name}_DEAD`), 1);
  });

  it("undefined outputs and JSON values round-trip; a custom codec is used both ways", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "Obj", workers: 1, tasks: [(s: string) => ({ s, list: [1, "two"] })] }),
        new Stage({ name: "Void", workers: 1, tasks: [(_o: unknown) => undefined] }),
      ],
    });
    await using json = await natsPipeline(nc, pipeline, { name: freshName("json") });
    assert.deepEqual((await json.run(["a"])).map((r) => r.value), [undefined]);

    const used: string[] = [];
    const text: NatsCodec = {
      name: "upper",
      encode: (v) => {
        used.push("encode");
        return new TextEncoder().encode(JSON.stringify(v ?? null).toUpperCase());
      },
      decode: (d) => {
        used.push("decode");
        return JSON.parse(new TextDecoder().decode(d));
      },
    };
    const echo = new Pipeline({
      stages: [new Stage({ name: "Echo", workers: 1, tasks: [(s: string) => s + "!"] })],
    });
    await using custom = await natsPipeline(nc, echo, { name: freshName("codec"), codec: text });
    assert.deepEqual((await custom.run(["hi"])).map((r) => r.value), ["HI!"]);
    assert.ok(used.includes("encode") && used.includes("decode"));
  });

  it("an error crosses as { name, message }: a TimeoutError stays a TimeoutError", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Slow",
          workers: 1,
          taskAttempts: 1,
          taskTimeoutMs: 20,
          tasks: [(_n: number) => new Promise((r) => setTimeout(r, 200))],
        }),
      ],
    });
    await using cluster = await natsPipeline(nc, pipeline, { name: freshName("timeout") });
    const [result] = await cluster.run([1], { includeFailures: true });
    assert.equal((result.error as Error).name, "TimeoutError");
  });
});
