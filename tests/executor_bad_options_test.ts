import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { asCompleted, AsyncExecutor, type AsyncFuture, wait } from "../mod.ts";

type ErrorClass = typeof TypeError | typeof RangeError;

/**
 * Calls `call` and checks it returned a promise instead of throwing, then that the promise rejects
 * with exactly `error` and `message`.
 */
async function expectRejection(
  call: () => Promise<unknown>,
  error: ErrorClass,
  message: string,
): Promise<void> {
  let promise: Promise<unknown> | undefined;
  assert.doesNotThrow(() => {
    promise = call();
  }, `${message}: thrown synchronously instead of rejecting`);
  assert.ok(promise instanceof Promise, `${message}: no promise returned`);
  await assert.rejects(promise, (thrown: unknown) => {
    assert.equal((thrown as Error).constructor, error, `${message}: wrong class`);
    assert.equal((thrown as Error).message, message);
    return true;
  });
}

/** A settled future and an executor that is still open. */
async function fixture(): Promise<{ executor: AsyncExecutor; future: AsyncFuture<number> }> {
  const executor = new AsyncExecutor({ maxWorkers: 1 });
  const future = executor.submit(() => 1);
  await future.result();
  return { executor, future };
}

describe("promise-returning executor calls report bad arguments as a rejected promise", () => {
  it("wait() and executor.wait() reject on a bad returnWhen, timeoutMs or signal", async () => {
    const { executor, future } = await fixture();
    const cases: [() => Promise<unknown>, ErrorClass, string][] = [
      [
        () => wait([future], { returnWhen: "x" as never }),
        TypeError,
        'wait: returnWhen must be "ALL_COMPLETED", "FIRST_COMPLETED" or "FIRST_EXCEPTION", got "x"',
      ],
      [
        () => executor.wait([future], { returnWhen: "x" as never }),
        TypeError,
        'wait: returnWhen must be "ALL_COMPLETED", "FIRST_COMPLETED" or "FIRST_EXCEPTION", got "x"',
      ],
      [
        () => wait([future], { timeoutMs: -1 }),
        RangeError,
        "wait: timeoutMs must be a number >= 0, got -1",
      ],
      [
        () => wait([future], { timeoutMs: NaN }),
        RangeError,
        "wait: timeoutMs must be a number >= 0, got NaN",
      ],
      [
        () => wait([future], { signal: {} as never }),
        TypeError,
        "wait: signal must be an AbortSignal, got {}",
      ],
      [() => wait([future], null as never), TypeError, "wait: options must be an object, got null"],
    ];
    for (const [call, error, message] of cases) await expectRejection(call, error, message);
    await executor.shutdown();
  });

  it("wait() rejects when futures is not an iterable of futures", async () => {
    const { executor, future } = await fixture();
    await expectRejection(
      () => wait(5 as never),
      TypeError,
      "wait: futures must be an iterable of AsyncFuture, got 5",
    );
    await expectRejection(
      () => wait([future, 1] as never),
      TypeError,
      "wait: futures[1] must be an AsyncFuture, got 1",
    );
    const failing: Iterable<AsyncFuture<number>> = {
      [Symbol.iterator]() {
        throw new TypeError("this iterable is broken");
      },
    };
    await expectRejection(() => wait(failing), TypeError, "this iterable is broken");
    await executor.shutdown();
  });

  it("future.result() rejects on a bad timeoutMs, signal or options", async () => {
    const { executor, future } = await fixture();
    const pending = executor.submit(({ signal }) =>
      new Promise<number>((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason))
      )
    );
    for (const f of [future, pending]) {
      await expectRejection(
        () => f.result({ timeoutMs: -1 }),
        RangeError,
        "AsyncFuture.result: timeoutMs must be a number >= 0, got -1",
      );
      await expectRejection(
        () => f.result({ timeoutMs: "5" as never }),
        TypeError,
        'AsyncFuture.result: timeoutMs must be a number >= 0, got "5"',
      );
      await expectRejection(
        () => f.result({ signal: "stop" as never }),
        TypeError,
        'AsyncFuture.result: signal must be an AbortSignal, got "stop"',
      );
      await expectRejection(
        () => f.result(7 as never),
        TypeError,
        "AsyncFuture.result: options must be an object, got 7",
      );
    }
    pending.cancel();
    await executor.shutdown();
  });

  it("executor.shutdown() rejects on bad options and leaves the executor open", async () => {
    const { executor } = await fixture();
    await expectRejection(
      () => executor.shutdown({ wait: "yes" as never }),
      TypeError,
      'AsyncExecutor.shutdown: wait must be a boolean, got "yes"',
    );
    await expectRejection(
      () => executor.shutdown({ cancelFutures: 1 as never }),
      TypeError,
      "AsyncExecutor.shutdown: cancelFutures must be a boolean, got 1",
    );
    await expectRejection(
      () => executor.shutdown({ signal: {} as never }),
      TypeError,
      "AsyncExecutor.shutdown: signal must be an AbortSignal, got {}",
    );
    await expectRejection(
      () => executor.shutdown(null as never),
      TypeError,
      "AsyncExecutor.shutdown: options must be an object, got null",
    );
    assert.equal(executor.isShutdown, false);
    assert.equal(await executor.submit(() => 2).result(), 2);
    await executor.shutdown();
  });

  it("executor.map() rejects on a bad fn, items or option", async () => {
    const { executor } = await fixture();
    await expectRejection(
      () => executor.map((x: number) => x, [1], { retries: -1 }),
      RangeError,
      "AsyncExecutor.map: retries must be an integer >= 0, got -1",
    );
    await expectRejection(
      () => executor.map("f" as never, [1]),
      TypeError,
      'AsyncExecutor.map: fn must be a function, got "f"',
    );
    await expectRejection(
      () => executor.map((x: number) => x, 3 as never),
      TypeError,
      "AsyncExecutor.map: items must be an iterable or async iterable, got 3",
    );
    await executor.shutdown();
  });
});

describe("iterator-returning executor calls check their arguments at the call", () => {
  it("asCompleted() throws a bad option or a non-future at once, like mapIter()", async () => {
    const { executor, future } = await fixture();
    assert.throws(() => asCompleted([future], { timeoutMs: -1 }), {
      name: "RangeError",
      message: "asCompleted: timeoutMs must be a number >= 0, got -1",
    });
    assert.throws(() => executor.asCompleted([future], { signal: 1 as never }), {
      name: "TypeError",
      message: "asCompleted: signal must be an AbortSignal, got 1",
    });
    assert.throws(() => asCompleted(["f"] as never), {
      name: "TypeError",
      message: 'asCompleted: futures[0] must be an AsyncFuture, got "f"',
    });
    await executor.shutdown();
  });
});
