import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncExecutor, delay } from "../mod.ts";
import { since } from "./executor_helpers.ts";

describe("AsyncExecutor.map()", () => {
  it("resolves to the results in input order, whatever order they finish in", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 4 });
    const finished: number[] = [];
    const results = await executor.map(async (ms: number) => {
      await delay(ms);
      finished.push(ms);
      return ms * 2;
    }, [40, 5, 25, 1]);
    assert.deepEqual(results, [80, 10, 50, 2]);
    assert.notDeepEqual(finished, [40, 5, 25, 1], "the tasks did run concurrently");
  });

  it("rejects with the earliest failure in input order, once that item settled; the rest still run", async () => {
    // Item 3 fails first in time, item 1 first in input order; item 4 finishes after both.
    await using executor = new AsyncExecutor({ maxWorkers: 5 });
    const completed: number[] = [];
    const start = performance.now();
    const mapping = executor.map(async (i: number) => {
      if (i === 1) {
        await delay(80);
        throw new Error("item 1 failed");
      }
      if (i === 3) {
        await delay(5);
        throw new Error("item 3 failed");
      }
      await delay(i === 4 ? 150 : 20);
      completed.push(i);
      return i;
    }, [0, 1, 2, 3, 4]);
    await assert.rejects(mapping, /item 1 failed/);
    assert.ok(since(start) >= 70, `rejected after ${since(start)} ms, before item 1 settled`);
    assert.ok(!completed.includes(4), "item 4 was still running when map() rejected");
    await executor.shutdown();
    assert.deepEqual(completed.sort(), [0, 2, 4]);
  });

  it("resolves to [] for an empty input", async () => {
    await using executor = new AsyncExecutor();
    assert.deepEqual(await executor.map((x: number) => x, []), []);
  });

  it("accepts an async iterable and starts work while it is still being read", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 2 });
    const started: string[] = [];
    async function* items(): AsyncGenerator<number> {
      for (let i = 0; i < 3; i++) {
        await delay(10);
        started.push(`read ${i}`);
        yield i;
      }
    }
    const results = await executor.map((n: number) => {
      started.push(`ran ${n}`);
      return n + 1;
    }, items());
    assert.deepEqual(results, [1, 2, 3]);
    assert.equal(started.indexOf("ran 0") < started.indexOf("read 2"), true, started.join(", "));
  });

  it("calls fn(item, { signal, attempt }) and applies the retry options to every item", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 3 });
    const attempts = new Map<string, number[]>();
    const results = await executor.map(
      (item: string, { signal, attempt }) => {
        assert.ok(signal instanceof AbortSignal);
        attempts.set(item, [...(attempts.get(item) ?? []), attempt]);
        if (attempt === 1) throw new Error("first attempt fails");
        return item.toUpperCase();
      },
      ["a", "b"],
      { retries: 1, retryDelayMs: 1 },
    );
    assert.deepEqual(results, ["A", "B"]);
    assert.deepEqual(attempts.get("a"), [1, 2]);
    assert.deepEqual(attempts.get("b"), [1, 2]);
  });

  it("rejects a non-iterable input with a TypeError", async () => {
    await using executor = new AsyncExecutor();
    await assert.rejects(
      executor.map((x: number) => x, 5 as unknown as number[]),
      { name: "TypeError", message: /items must be an iterable/ },
    );
  });
});

describe("AsyncExecutor.mapIter()", () => {
  it("yields results in input order, each as soon as it and those before it are ready", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 3 });
    const start = performance.now();
    const seen: [number, number][] = [];
    for await (
      const value of executor.mapIter(async (ms: number) => {
        await delay(ms);
        return ms;
      }, [5, 150, 10])
    ) {
      seen.push([value, since(start)]);
    }
    assert.deepEqual(seen.map(([value]) => value), [5, 150, 10]);
    assert.ok(seen[0][1] < 120, `the first result waited for the slow one (${seen[0][1]} ms)`);
  });

  it("can be left early: the remaining tasks still run and nothing hangs", async () => {
    const executor = new AsyncExecutor({ maxWorkers: 2 });
    const completed: number[] = [];
    for await (
      const value of executor.mapIter(async (n: number) => {
        await delay(10);
        completed.push(n);
        return n;
      }, [0, 1, 2, 3, 4])
    ) {
      assert.equal(value, 0);
      break;
    }
    await executor.shutdown();
    assert.deepEqual(completed.sort(), [0, 1, 2, 3, 4]);
  });

  it("throws the first failure in input order and stops there", async () => {
    await using executor = new AsyncExecutor();
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (
        const value of executor.mapIter((n: number) => {
          if (n === 2) throw new Error("two");
          return n;
        }, [0, 1, 2, 3])
      ) seen.push(value);
    }, /two/);
    assert.deepEqual(seen, [0, 1]);
  });

  it("checks its arguments when called, not on the first iteration", async () => {
    await using executor = new AsyncExecutor();
    assert.throws(() => executor.mapIter("f" as unknown as () => void, [1]), TypeError);
    assert.throws(() => executor.mapIter((x: number) => x, [1], { retries: -1 }), RangeError);
  });
});
