import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, delay, RateLimiter, Semaphore } from "../mod.ts";

describe("delay()", () => {
  it("resolves after the given time", async () => {
    const start = performance.now();
    await delay(30);
    assert.ok(performance.now() - start >= 25);
  });

  it("rejects with the signal's reason when aborted, and clears its timer", async () => {
    const controller = new AbortController();
    const pending = delay(60_000, { signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(pending, /stop/);
  });

  it("rejects at once when the signal is already aborted", async () => {
    await assert.rejects(delay(10, { signal: AbortSignal.abort("why") }), (e) => e === "why");
  });
});

describe("backoffDelay()", () => {
  it("is fixed by default", () => {
    assert.deepEqual([1, 2, 3].map((k) => backoffDelay(100, k)), [100, 100, 100]);
  });

  it("grows by the multiplier and stops at the cap", () => {
    const waits = [1, 2, 3, 4, 5].map((k) =>
      backoffDelay(100, k, { multiplier: 2, maxWaitMs: 500 })
    );
    assert.deepEqual(waits, [100, 200, 400, 500, 500]);
  });

  it("with jitter, draws uniformly in [0, wait]", () => {
    assert.equal(backoffDelay(100, 3, { multiplier: 2, jitter: true }, () => 0.5), 200);
    assert.equal(backoffDelay(100, 3, { multiplier: 2, jitter: true }, () => 0), 0);
  });
});

describe("Semaphore", () => {
  it("rejects permits that are not integers >= 1, naming the value", () => {
    assert.throws(() => new Semaphore(0), { name: "RangeError", message: /permits .* got 0/ });
    assert.throws(() => new Semaphore(1.5), RangeError);
    assert.throws(() => new Semaphore("2" as unknown as number), TypeError);
  });

  it("never lets more than `permits` holders in, and serves waiters first come, first served", async () => {
    const limit = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) =>
      limit.run(async () => {
        order.push(i);
        active++;
        peak = Math.max(peak, active);
        await delay(2);
        active--;
      })));
    assert.equal(peak, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(limit.available, 2);
  });

  it("tryAcquire() takes a free permit or returns undefined; release is idempotent", () => {
    const limit = new Semaphore(1);
    const release = limit.tryAcquire();
    assert.equal(typeof release, "function");
    assert.equal(limit.tryAcquire(), undefined);
    release!();
    release!();
    assert.equal(limit.available, 1);
  });

  it("an aborted waiter leaves the line and does not take a permit", async () => {
    const limit = new Semaphore(1);
    const release = await limit.acquire();
    const controller = new AbortController();
    const waiting = limit.acquire({ signal: controller.signal });
    assert.equal(limit.waiting, 1);
    controller.abort(new Error("gave up"));
    await assert.rejects(waiting, /gave up/);
    assert.equal(limit.waiting, 0);
    release();
    assert.equal(limit.available, 1);
  });

  it("run() gives the permit back when fn throws", async () => {
    const limit = new Semaphore(1);
    await assert.rejects(
      limit.run(() => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(limit.available, 1);
  });
});

describe("RateLimiter", () => {
  it("starts at most `limit` calls in any window of `periodMs` (no initial double burst)", async () => {
    const limiter = new RateLimiter(3, 100);
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 9 }, () => limiter.run(() => starts.push(performance.now()))),
    );
    for (let i = 3; i < starts.length; i++) {
      assert.ok(
        starts[i] - starts[i - 3] >= 99.5,
        `start ${i} came ${starts[i] - starts[i - 3]} ms after start ${i - 3}`,
      );
    }
    assert.ok(starts[8] - starts[0] >= 199);
  });

  it("holds as seen from inside the calls: no window, measured by fn itself, has more than the limit", async () => {
    const limiter = new RateLimiter(5, 100);
    const starts: number[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 6 }, async () => {
      while (next++ < 25) {
        await limiter.run(async () => {
          starts.push(performance.now());
          await delay(10);
        });
      }
    }));
    for (let j = 5; j < starts.length; j++) {
      assert.ok(
        starts[j] - starts[j - 5] >= 100,
        `call ${j} started ${(starts[j] - starts[j - 5]).toFixed(3)} ms after call ${j - 5}`,
      );
    }
  });

  it("serves waiters in arrival order", async () => {
    const limiter = new RateLimiter(1, 20);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.run(() => order.push(i))));
    assert.deepEqual(order, [0, 1, 2, 3]);
  });

  it("hasCapacity() reports without taking", () => {
    const limiter = new RateLimiter(2, 1000);
    assert.equal(limiter.hasCapacity(2), true);
    assert.equal(limiter.hasCapacity(3), false);
    assert.equal(limiter.tryAcquire(), true);
    assert.equal(limiter.hasCapacity(), true);
    assert.equal(limiter.tryAcquire(), true);
    assert.equal(limiter.hasCapacity(), false);
    assert.equal(limiter.tryAcquire(), false);
  });

  it("an aborted waiter rejects with the reason and leaves no timer behind", async () => {
    const limiter = new RateLimiter(1, 60_000);
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire({ signal: controller.signal });
    controller.abort(new Error("cancelled"));
    await assert.rejects(waiting, /cancelled/);
    assert.equal(limiter.waiting, 0);
  });

  it("rejects a bad limit or period", () => {
    assert.throws(() => new RateLimiter(0, 100), { name: "RangeError", message: /limit .* got 0/ });
    assert.throws(() => new RateLimiter(1, 0), {
      name: "RangeError",
      message: /periodMs .* got 0/,
    });
  });
});
