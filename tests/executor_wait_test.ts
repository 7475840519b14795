import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { asCompleted, AsyncExecutor, type AsyncFuture, delay, wait, WaitStrategy } from "../mod.ts";
import { since } from "./executor_helpers.ts";

/** Submits one task per entry: a number resolves to itself after that many ms, an Error rejects. */
function submitAll(executor: AsyncExecutor, plan: (number | Error)[]): AsyncFuture<number>[] {
  return plan.map((step) =>
    executor.submit(async ({ signal }) => {
      if (step instanceof Error) {
        await delay(5, { signal });
        throw step;
      }
      await delay(step, { signal });
      return step;
    })
  );
}

describe("WaitStrategy", () => {
  it("names the three strategies by their own names", () => {
    assert.deepEqual({ ...WaitStrategy }, {
      ALL_COMPLETED: "ALL_COMPLETED",
      FIRST_COMPLETED: "FIRST_COMPLETED",
      FIRST_EXCEPTION: "FIRST_EXCEPTION",
    });
    assert.ok(Object.isFrozen(WaitStrategy));
  });
});

describe("wait()", () => {
  it("ALL_COMPLETED (the default) resolves once every future settled, failures included", async () => {
    await using executor = new AsyncExecutor();
    const futures = submitAll(executor, [30, new Error("bad"), 10]);
    const { done, pending } = await wait(futures);
    assert.equal(done.size, 3);
    assert.equal(pending.size, 0);
    assert.ok(futures.every((f) => f.done()));
  });

  it("FIRST_COMPLETED resolves as soon as one future settled", async () => {
    await using executor = new AsyncExecutor();
    const futures = submitAll(executor, [200, 5, 200]);
    const start = performance.now();
    const { done, pending } = await wait(futures, { returnWhen: WaitStrategy.FIRST_COMPLETED });
    assert.ok(since(start) < 150, `took ${since(start)} ms`);
    assert.deepEqual([...done], [futures[1]]);
    assert.deepEqual([...pending], [futures[0], futures[2]]);
    futures.forEach((f) => f.cancel());
  });

  it("FIRST_EXCEPTION resolves at the first failure", async () => {
    await using executor = new AsyncExecutor();
    const futures = submitAll(executor, [200, new Error("boom"), 1]);
    const start = performance.now();
    const { done, pending } = await wait(futures, { returnWhen: "FIRST_EXCEPTION" });
    assert.ok(since(start) < 150, `took ${since(start)} ms`);
    assert.ok(done.has(futures[1]));
    assert.ok(pending.has(futures[0]));
    futures.forEach((f) => f.cancel());
  });

  it("FIRST_EXCEPTION without a failure waits for every future", async () => {
    await using executor = new AsyncExecutor();
    const futures = submitAll(executor, [5, 40, 15]);
    const { done, pending } = await wait(futures, { returnWhen: "FIRST_EXCEPTION" });
    assert.equal(done.size, 3);
    assert.equal(pending.size, 0);
  });

  it("resolves at once for an empty input, with every strategy", async () => {
    for (const returnWhen of Object.values(WaitStrategy)) {
      const { done, pending } = await wait([], { returnWhen, timeoutMs: 0 });
      assert.equal(done.size, 0);
      assert.equal(pending.size, 0);
    }
  });

  it("FIRST_COMPLETED resolves at once when a future had already settled", async () => {
    await using executor = new AsyncExecutor();
    const [fast, slow] = submitAll(executor, [1, 200]);
    await fast.result();
    const { done, pending } = await wait([fast, slow], { returnWhen: "FIRST_COMPLETED" });
    assert.deepEqual([...done], [fast]);
    assert.deepEqual([...pending], [slow]);
    slow.cancel();
  });

  it("ALL_COMPLETED rejects with a TimeoutError when the timeout elapses first", async () => {
    await using executor = new AsyncExecutor();
    const futures = submitAll(executor, [5, 300]);
    const start = performance.now();
    await assert.rejects(wait(futures, { timeoutMs: 40 }), { name: "TimeoutError" });
    assert.ok(since(start) >= 35 && since(start) < 250, `took ${since(start)} ms`);
    assert.equal(futures[1].done(), false, "a timeout cancels nothing");
    futures[1].cancel();
  });

  it("FIRST_COMPLETED and FIRST_EXCEPTION resolve with what is done so far on timeout", async () => {
    await using executor = new AsyncExecutor();
    const futures = submitAll(executor, [300, 300, 300, 300, 300]);
    for (const returnWhen of ["FIRST_COMPLETED", "FIRST_EXCEPTION"] as const) {
      const { done, pending } = await wait(futures, { returnWhen, timeoutMs: 20 });
      assert.equal(done.size, 0);
      assert.equal(pending.size, 5);
    }
    futures.forEach((f) => f.cancel());
  });

  it("counts a future given twice once", async () => {
    await using executor = new AsyncExecutor();
    const [future] = submitAll(executor, [1]);
    const { done } = await wait([future, future]);
    assert.equal(done.size, 1);
  });

  it("rejects a bad returnWhen or timeoutMs, naming the value", async () => {
    await assert.rejects(() => wait([], { returnWhen: "ANY" as WaitStrategy }), {
      name: "TypeError",
      message: /wait: returnWhen must be .* got "ANY"/,
    });
    await assert.rejects(() => wait([], { timeoutMs: -5 }), {
      name: "RangeError",
      message: /got -5/,
    });
  });

  it("takes timeoutMs: Infinity as no timeout, like result() and asCompleted()", async () => {
    await using executor = new AsyncExecutor();
    const [future] = submitAll(executor, [5]);
    const { done } = await wait([future], { timeoutMs: Infinity });
    assert.equal(done.size, 1);
    assert.equal(await future.result({ timeoutMs: Infinity }), 5);
    for await (const settled of asCompleted([future], { timeoutMs: Infinity })) {
      assert.equal(settled, future);
    }
    await assert.rejects(() => wait([], { timeoutMs: Number.NaN }), RangeError);
  });

  it("is also an executor method", async () => {
    await using executor = new AsyncExecutor();
    const futures = submitAll(executor, [1, 2]);
    const { done } = await executor.wait(futures, { returnWhen: "ALL_COMPLETED" });
    assert.equal(done.size, 2);
  });
});

describe("asCompleted()", () => {
  it("yields the futures in completion order", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 3 });
    const futures = submitAll(executor, [90, 10, 50]);
    const order: number[] = [];
    for await (const future of asCompleted(futures)) order.push(await future.result());
    assert.deepEqual(order, [10, 50, 90]);
  });

  it("has one cumulative deadline for the whole iteration", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 3 });
    const futures = submitAll(executor, [40, 140, 600]);
    const start = performance.now();
    const order: number[] = [];
    await assert.rejects(async () => {
      for await (const future of asCompleted(futures, { timeoutMs: 250 })) {
        order.push(await future.result());
      }
    }, { name: "TimeoutError" });
    const elapsed = since(start);
    assert.deepEqual(order, [40, 140]);
    // A deadline that restarted after each yield would only fire at ~390 ms.
    assert.ok(elapsed >= 240 && elapsed < 360, `rejected after ${elapsed} ms, expected ~250`);
    futures[2].cancel();
  });

  it("yields already settled futures first, and a duplicate once", async () => {
    await using executor = new AsyncExecutor();
    const [slow, fast] = submitAll(executor, [30, 1]);
    await fast.result();
    const order: AsyncFuture<number>[] = [];
    for await (const future of executor.asCompleted([slow, fast, slow])) order.push(future);
    assert.deepEqual(order, [fast, slow]);
  });

  it("ends at once for an empty input", async () => {
    const order: unknown[] = [];
    for await (const future of asCompleted([], { timeoutMs: 0 })) order.push(future);
    assert.deepEqual(order, []);
  });

  it("can be left early; the other futures still settle", async () => {
    await using executor = new AsyncExecutor();
    const futures = submitAll(executor, [1, 20, 30]);
    for await (const future of asCompleted(futures, { timeoutMs: 10_000 })) {
      assert.equal(future, futures[0]);
      break;
    }
    await wait(futures);
    assert.ok(futures.every((f) => f.exception() === undefined));
  });

  it("ends with the signal's reason when the signal aborts", async () => {
    await using executor = new AsyncExecutor();
    const futures = submitAll(executor, [200]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 10);
    await assert.rejects(async () => {
      for await (const _ of asCompleted(futures, { signal: controller.signal }));
    }, /stop/);
    assert.equal(futures[0].done(), false, "aborting the iteration cancels nothing");
    futures[0].cancel();
  });
});
