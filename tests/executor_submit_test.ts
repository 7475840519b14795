import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncExecutor, delay, type ExecutorTaskContext, Semaphore } from "../mod.ts";
import { concurrencyProbe, gate, since, untilAborted } from "./executor_helpers.ts";

describe("new AsyncExecutor()", () => {
  it("rejects maxWorkers 0 with a RangeError naming the field and the value", () => {
    assert.throws(() => new AsyncExecutor({ maxWorkers: 0 }), {
      name: "RangeError",
      message: "AsyncExecutor: maxWorkers must be an integer >= 1, got 0",
    });
    assert.throws(() => new AsyncExecutor({ maxWorkers: 2.5 }), RangeError);
  });

  it("rejects a maxWorkers of the wrong type with a TypeError", () => {
    assert.throws(() => new AsyncExecutor({ maxWorkers: "2" as unknown as number }), {
      name: "TypeError",
      message: 'AsyncExecutor: maxWorkers must be an integer >= 1, got "2"',
    });
    assert.throws(() => new AsyncExecutor(null as unknown as object), TypeError);
  });

  it("defaults to 5 workers", async () => {
    await using executor = new AsyncExecutor();
    assert.equal(executor.maxWorkers, 5);
    const probe = concurrencyProbe();
    await executor.map(() => probe.run(() => delay(10)), Array.from({ length: 12 }));
    assert.equal(probe.peak, 5);
  });

  it("starts lazily: fn never runs inside submit(), only once the caller yields", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 1 });
    let called = false;
    const future = executor.submit(() => {
      called = true;
      return "ran";
    });
    assert.equal(called, false);
    assert.equal(executor.queued, 1);
    assert.equal(await future.result(), "ran");
    assert.equal(called, true);
  });
});

describe("AsyncExecutor.submit()", () => {
  it("calls fn with the args, then { signal, attempt }", async () => {
    await using executor = new AsyncExecutor();
    const seen: unknown[][] = [];
    const future = executor.submit((a: number, b: string, context) => {
      seen.push([a, b, context.signal instanceof AbortSignal, context.attempt]);
      return a + b;
    }, [1, "x"]);
    assert.equal(await future.result(), "1x");
    assert.deepEqual(seen, [[1, "x", true, 1]]);
    assert.equal(future.sequenceId, 0);
    assert.equal(executor.submit(() => 0).sequenceId, 1);
  });

  it("never runs more than maxWorkers tasks at once, and reaches exactly maxWorkers", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 3 });
    const probe = concurrencyProbe();
    let peakRunning = 0;
    const futures = Array.from({ length: 12 }, () =>
      executor.submit(() =>
        probe.run(async () => {
          peakRunning = Math.max(peakRunning, executor.running);
          await delay(15);
        })
      ));
    await executor.wait(futures);
    assert.equal(probe.peak, 3);
    assert.equal(peakRunning, 3);
  });

  it("one Semaphore(2) passed as limit to 10 submits on 10 workers gives a peak of exactly 2", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 10 });
    const limit = new Semaphore(2);
    const probe = concurrencyProbe();
    const futures = Array.from(
      { length: 10 },
      () => executor.submit(() => probe.run(() => delay(10)), [], { limit }),
    );
    await executor.wait(futures);
    assert.equal(probe.peak, 2);
    assert.equal(limit.available, 2);
    assert.ok(futures.every((f) => f.exception() === undefined));
  });

  it("holds the limit's permit during each attempt but not during the backoff wait", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 2 });
    const limit = new Semaphore(1);
    const order: string[] = [];
    const flaky = executor.submit(
      ({ attempt }) => {
        order.push(`flaky#${attempt}`);
        if (attempt === 1) throw new Error("first try fails");
        return "ok";
      },
      [],
      { limit, retries: 1, retryDelayMs: 120 },
    );
    const other = executor.submit(
      async () => {
        order.push("other");
        await delay(10);
      },
      [],
      { limit },
    );
    await delay(60); // flaky is in its backoff wait now
    assert.equal(limit.available, 1, "no permit is held during the backoff");
    assert.equal(await flaky.result(), "ok");
    await other.result();
    assert.deepEqual(order, ["flaky#1", "other", "flaky#2"]);
  });

  it("retries counts extra attempts, and the last attempt's own error surfaces unwrapped", async () => {
    await using executor = new AsyncExecutor();
    const thrown: Error[] = [];
    const attempts: number[] = [];
    const future = executor.submit(
      ({ attempt }) => {
        attempts.push(attempt);
        const error = new TypeError(`attempt ${attempt} failed`);
        thrown.push(error);
        throw error;
      },
      [],
      { retries: 2, retryDelayMs: 1 },
    );
    await assert.rejects(future.result(), (error) => error === thrown[2]);
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.equal(future.exception(), thrown[2]);

    let once = 0;
    const noRetry = executor.submit(() => {
      once++;
      throw new Error("no retries by default");
    });
    await assert.rejects(noRetry.result(), /no retries by default/);
    assert.equal(once, 1);
  });

  it("waits retryDelayMs × 2^(k-1) before attempt k+1", async () => {
    await using executor = new AsyncExecutor();
    const starts: number[] = [];
    const future = executor.submit(
      ({ attempt }) => {
        starts.push(performance.now());
        if (attempt < 4) throw new Error("again");
        return attempt;
      },
      [],
      { retries: 3, retryDelayMs: 40 },
    );
    assert.equal(await future.result(), 4);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    const expected = [40, 80, 160];
    gaps.forEach((gap, i) => {
      assert.ok(gap >= expected[i] - 2, `gap ${i + 1} was ${gap} ms, expected ~${expected[i]}`);
      assert.ok(gap < expected[i] + 150, `gap ${i + 1} was ${gap} ms, expected ~${expected[i]}`);
    });
    assert.ok(gaps[2] > gaps[0], `backoff must grow: ${gaps.join(", ")}`);
  });

  it("resolves with the value of a retry that succeeds", async () => {
    await using executor = new AsyncExecutor();
    const future = executor.submit(
      async ({ attempt }) => {
        await delay(1);
        if (attempt === 1) throw new Error("flaky");
        return `ok on ${attempt}`;
      },
      [],
      { retries: 3, retryDelayMs: 5 },
    );
    assert.equal(await future.result(), "ok on 2");
  });

  it("validates its arguments, naming the field and the value", async () => {
    await using executor = new AsyncExecutor();
    assert.throws(() => executor.submit(() => 1, [], { retries: -1 }), {
      name: "RangeError",
      message: "AsyncExecutor.submit: retries must be an integer >= 0, got -1",
    });
    assert.throws(() => executor.submit(() => 1, [], { retryDelayMs: "5" as unknown as number }), {
      name: "TypeError",
      message: /retryDelayMs .* got "5"/,
    });
    assert.throws(
      () => executor.submit(() => 1, [], { limit: { permits: 1 } as unknown as Semaphore }),
      { name: "TypeError", message: /limit must be a Semaphore/ },
    );
    assert.throws(() => executor.submit("nope" as unknown as () => void), {
      name: "TypeError",
      message: 'AsyncExecutor.submit: fn must be a function, got "nope"',
    });
    assert.throws(() => executor.submit(() => 1, 5 as unknown as []), TypeError);
    assert.equal(executor.queued, 0);
  });
});

describe("AsyncFuture", () => {
  it("result({ timeoutMs }) rejects with a TimeoutError and does not cancel the task", async () => {
    await using executor = new AsyncExecutor();
    let taskSignal: AbortSignal | undefined;
    const future = executor.submit(async ({ signal }) => {
      taskSignal = signal;
      await delay(600);
      return "late";
    });
    const start = performance.now();
    await assert.rejects(future.result({ timeoutMs: 10 }), { name: "TimeoutError" });
    assert.ok(since(start) < 400, `timed out after ${since(start)} ms`);
    assert.equal(future.done(), false);
    assert.equal(await future.result(), "late");
    assert.equal(taskSignal?.aborted, false);
  });

  it("result({ timeoutMs }) resolves normally when the task is faster", async () => {
    await using executor = new AsyncExecutor();
    const future = executor.submit(() => delay(5).then(() => "fast"));
    assert.equal(await future.result({ timeoutMs: 60_000 }), "fast");
    assert.equal(await future.result({ timeoutMs: 0 }), "fast");
    await assert.rejects(() => future.result({ timeoutMs: -1 }), RangeError);
  });

  it("result({ signal }) stops waiting with the signal's reason, without cancelling", async () => {
    await using executor = new AsyncExecutor();
    const future = executor.submit(() => delay(40).then(() => "done"));
    const controller = new AbortController();
    const waiting = future.result({ signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await assert.rejects(waiting, /stop waiting/);
    assert.equal(await future.result(), "done");
  });

  it("exception() is synchronous: undefined while pending and after success, the error after failure", async () => {
    await using executor = new AsyncExecutor();
    const release = gate();
    const ok = executor.submit(() => release.promise.then(() => 1));
    const bad = executor.submit(async () => {
      await release.promise;
      throw new RangeError("bad");
    });
    assert.equal(ok.exception(), undefined);
    assert.equal(bad.exception(), undefined);
    assert.equal(ok.done(), false);
    release.open();
    await executor.wait([ok, bad]);
    assert.equal(ok.done(), true);
    assert.equal(ok.exception(), undefined);
    assert.ok(bad.exception() instanceof RangeError);
  });

  it("cancel() of a queued future settles it with an AbortError and the task never runs", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 1 });
    const release = gate();
    const started = gate();
    const blocker = executor.submit(() => {
      started.open();
      return release.promise;
    });
    let ran = false;
    const queued = executor.submit(() => {
      ran = true;
    });
    await started.promise; // the one worker runs the blocker
    assert.equal(executor.queued, 1);
    assert.equal(queued.cancel(), true);
    assert.equal(queued.done(), true);
    const error = queued.exception();
    assert.ok(error instanceof DOMException);
    assert.equal(error.name, "AbortError");
    await assert.rejects(queued.result(), { name: "AbortError" });
    assert.equal(queued.cancel(), false, "a second cancel has no effect");
    assert.equal(executor.queued, 0);
    release.open();
    await blocker.result();
    await executor.shutdown();
    assert.equal(ran, false);
  });

  it("cancel() of a running future aborts its signal and settles it at once; the worker goes on", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 1 });
    let taskSignal: AbortSignal | undefined;
    const started = gate();
    const running = executor.submit(({ signal }) => {
      taskSignal = signal;
      started.open();
      return untilAborted(signal);
    });
    const next = executor.submit(() => "next");
    await started.promise;
    assert.equal(taskSignal?.aborted, false);
    assert.equal(running.cancel(), true);
    assert.equal(taskSignal?.aborted, true);
    assert.equal(running.exception()?.name, "AbortError");
    assert.equal(running.cancel(), false);
    assert.equal(await next.result(), "next");
  });

  it("a task that reads its signal only after being cancelled finds it aborted", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 1 });
    const release = Promise.withResolvers<void>();
    let context: ExecutorTaskContext | undefined;
    const started = gate();
    const future = executor.submit(async (ctx) => {
      context = ctx;
      started.open();
      await release.promise;
    });
    await started.promise;
    future.cancel();
    assert.equal(context?.signal.aborted, true);
    assert.equal(context?.signal.reason.name, "AbortError");
    assert.equal(context?.signal, context?.signal, "the same signal on every read");
    release.resolve();
  });

  it("cancel() after success has no effect and returns false", async () => {
    await using executor = new AsyncExecutor();
    const future = executor.submit(() => 7);
    await future.result();
    assert.equal(future.cancel(), false);
    assert.equal(await future.result(), 7);
  });

  it("cancel() during the backoff wait stops further attempts", async () => {
    await using executor = new AsyncExecutor();
    let calls = 0;
    const future = executor.submit(
      () => {
        calls++;
        throw new Error("fails");
      },
      [],
      { retries: 5, retryDelayMs: 50 },
    );
    await delay(10);
    assert.equal(future.cancel(), true);
    await delay(80);
    assert.equal(calls, 1);
    assert.equal(executor.running, 0);
  });

  it("the submit signal cancels a queued task and aborts a running one with its reason", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 1 });
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    let seenReason: unknown;
    const started = gate();
    const running = executor.submit(
      ({ signal }) => {
        signal.addEventListener("abort", () => seenReason = signal.reason);
        started.open();
        return untilAborted(signal);
      },
      [],
      { signal: controller.signal },
    );
    let queuedRan = false;
    const queued = executor.submit(
      () => {
        queuedRan = true;
      },
      [],
      { signal: controller.signal },
    );
    await started.promise; // the first task runs, the second is queued
    controller.abort(reason);
    assert.equal(running.exception(), reason);
    assert.equal(queued.exception(), reason);
    assert.equal(seenReason, reason);
    await executor.shutdown();
    assert.equal(queuedRan, false);
  });

  it("an already aborted submit signal gives a settled future and the task never runs", async () => {
    await using executor = new AsyncExecutor();
    let ran = false;
    const future = executor.submit(
      () => {
        ran = true;
      },
      [],
      { signal: AbortSignal.abort() },
    );
    assert.equal(future.done(), true);
    assert.equal(future.exception()?.name, "AbortError");
    await executor.shutdown();
    assert.equal(ran, false);
  });
});

describe("a task that throws", () => {
  it("a non-Error value fails only its own future, as an Error whose cause is the value", async () => {
    await using executor = new AsyncExecutor({ maxWorkers: 1 });
    const values: unknown[] = [undefined, null, "oops", { code: 1 }, 42];
    const futures = values.map((value) =>
      executor.submit(() => {
        throw value;
      })
    );
    const asyncThrow = executor.submit(() => Promise.reject("async oops"));
    const after = executor.submit(() => "still serving");
    assert.equal(await after.result(), "still serving");
    for (const [i, future] of futures.entries()) {
      const error = future.exception();
      assert.ok(error instanceof Error, `value ${String(values[i])} gives an Error`);
      assert.equal(error.cause, values[i]);
      assert.match(error.message, /non-Error value/);
      await assert.rejects(future.result(), (e) => e === error);
    }
    assert.equal(asyncThrow.exception()?.cause, "async oops");
  });

  it("an Error instance (DOMException included) is passed through as thrown", async () => {
    await using executor = new AsyncExecutor();
    const error = new SyntaxError("as is");
    const domError = new DOMException("dom", "DataError");
    const a = executor.submit(() => {
      throw error;
    });
    const b = executor.submit(async () => {
      await delay(1);
      throw domError;
    });
    await executor.wait([a, b]);
    assert.equal(a.exception(), error);
    assert.equal(b.exception(), domError);
  });
});
