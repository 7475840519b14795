import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, PipelineError, Stage } from "../mod.ts";
import { range, sleep } from "./support/helpers.ts";

describe("feed() starts the workers, so feed-then-join never waits on nobody", () => {
  it("await feed(10 000 items) with queueCapacity 5, then join(), finishes with every result", async () => {
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "A", workers: 2, queueCapacity: 5, tasks: [async (x: number) => x + 1] }),
        new Stage({ name: "B", workers: 2, queueCapacity: 5, tasks: [(x: number) => x * 2] }),
      ],
    });
    const outcome = await Promise.race([
      (async () => {
        await pipeline.feed(range(10_000));
        return await pipeline.join();
      })(),
      sleep(20_000).then(() => "feed/join still waiting after 20 s"),
    ]);
    assert.ok(Array.isArray(outcome), String(outcome));
    assert.equal(outcome.length, 10_000);
    assert.deepEqual(outcome.slice(0, 3).map((r) => r.value), [2, 4, 6]);
    assert.equal(pipeline.getStats().itemsInFlight, 0);
  });

  it("feed() with the default capacity and more items than fit, then join()", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x] })],
    });
    await pipeline.feed(range(100));
    assert.equal((await pipeline.join()).length, 100);
  });
});

describe("feed() after shutdown()", () => {
  it("rejects with a PipelineError that says to call start() first; start() makes it work again", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x * 3] })],
    });
    await pipeline.feed([1]);
    assert.deepEqual((await pipeline.join()).map((r) => r.value), [3]);
    await pipeline.shutdown();
    await assert.rejects(
      pipeline.feed([2]),
      (e: Error) => e instanceof PipelineError && /shut down.*start\(\)/.test(e.message),
    );
    assert.equal(pipeline.getStats().itemsInFlight, 0, "nothing was fed");
    await pipeline.start();
    await pipeline.feed([4]);
    assert.deepEqual((await pipeline.join()).map((r) => r.value), [12]);
    await pipeline.shutdown();
  });

  it("run() and stream() start afresh after a shutdown, as before", async () => {
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "S", workers: 1, tasks: [(x: number) => x + 1] })],
    });
    await pipeline.shutdown();
    assert.deepEqual((await pipeline.run([1])).map((r) => r.value), [2]);
    await pipeline.shutdown();
    const seen: unknown[] = [];
    for await (const r of pipeline.stream([5])) seen.push(r.value);
    assert.deepEqual(seen, [6]);
    // and a run() resets the stop: feed() works again after it
    await pipeline.feed([7]);
    assert.deepEqual((await pipeline.join()).map((r) => r.value), [8]);
    await pipeline.shutdown();
  });
});
