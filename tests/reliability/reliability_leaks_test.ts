import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  asCompleted,
  AsyncExecutor,
  delay,
  Pipeline,
  RateLimiter,
  Semaphore,
  Stage,
  StatusTracker,
  wait,
} from "../../mod.ts";
import { runUntilExit } from "../support/run_script.ts";
import { settles } from "./support/reliability_faults.ts";

const fixture = fileURLToPath(new URL("./support/reliability_exit_fixture.ts", import.meta.url));

describe("leaks: a process exits by itself within 1 s of finishing", () => {
  const modes: [string, string[]][] = [
    ["an executor whose work completed (no shutdown)", ["executor-completed"]],
    ["an executor shut down with cancelFutures while retrying and running", ["executor-cancelled"]],
    ["an executor whose result/wait/asCompleted timed out", ["executor-timeouts"]],
    ["a pipeline stream the consumer broke out of", ["stream-break"]],
    ["a started pipeline fed twice, then shut down (await using)", ["feed-shutdown"]],
    ["a pipeline run with a dashboard, aborted", ["dashboard-abort"]],
    ["36 generated cases (every mode, aborts, faults, timeouts, hangs)", ["generated", "7"]],
  ];
  for (const [what, args] of modes) {
    it(what, async () => {
      const { code, out, lingerMs } = await runUntilExit(fixture, args);
      assert.equal(code, 0, out);
      assert.match(out, new RegExp(`done ${args[0]} 0`), out);
      assert.ok(lingerMs < 1000, `lingered ${lingerMs.toFixed(0)} ms after finishing:\n${out}`);
    });
  }

  it("the detector works: a script that leaves a 1.5 s timer behind is caught lingering", async () => {
    const { code, lingerMs } = await runUntilExit(fixture, ["control-leak"]);
    assert.equal(code, 0);
    assert.ok(lingerMs >= 1000, `lingered only ${lingerMs.toFixed(0)} ms`);
  });
});

/** An AbortSignal that counts the listeners currently registered on it. */
function countedSignal(): { signal: AbortSignal; controller: AbortController; live: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  const live = new Set<unknown>();
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  Object.assign(signal, {
    addEventListener: (
      type: string,
      listener: EventListener,
      options?: AddEventListenerOptions,
    ) => {
      live.add(listener);
      add(type, listener, options);
    },
    removeEventListener: (
      type: string,
      listener: EventListener,
      options?: EventListenerOptions,
    ) => {
      live.delete(listener);
      remove(type, listener, options);
    },
  });
  return { signal, controller, live: () => live.size };
}

describe("leaks: a long-lived signal keeps no listeners once calls settle", () => {
  it("run(), stream() and feed() with the same signal, 50 times", async () => {
    const { signal, live } = countedSignal();
    const p = new Pipeline({
      stages: [
        new Stage({ name: "A", workers: 2, taskTimeoutMs: 1000, tasks: [async (x: number) => x] }),
        new Stage({
          name: "B",
          workers: 1,
          callRate: 100,
          callRatePeriodMs: 10,
          tasks: [(x, ctx) => ctx.rateLimit(() => x)],
        }),
      ],
      statusTracker: new StatusTracker(),
    });
    for (let i = 0; i < 50; i++) {
      await settles(p.run([1, 2, 3], { signal }), "run()");
      for await (const _ of p.stream([1, 2], { signal }));
      await p.feed([4, 5], { signal });
      await settles(p.join(), "join()");
    }
    assert.equal(live(), 0, "listeners left on the caller's signal");
  });

  it("executor submit/map/result/wait/asCompleted/shutdown, Semaphore, RateLimiter and delay", async () => {
    const { signal, live } = countedSignal();
    const executor = new AsyncExecutor({ maxWorkers: 2 });
    const limit = new Semaphore(1);
    const limiter = new RateLimiter(1, 5);
    for (let i = 0; i < 20; i++) {
      const future = executor.submit(() => i, [], { signal, limit });
      await future.result({ signal, timeoutMs: 1000 });
      await wait([future], { signal, timeoutMs: 1000 });
      for await (const _ of asCompleted([future], { signal, timeoutMs: 1000 }));
      await executor.map((x: number) => x, [1, 2], { signal });
      await limit.run(() => delay(1, { signal }), { signal });
      await Promise.all([limiter.run(() => 1, { signal }), limiter.run(() => 2, { signal })]);
    }
    await executor.shutdown({ signal });
    assert.equal(live(), 0, "listeners left on the caller's signal");
  });
});

describe("leaks: no stale tracker listeners", () => {
  it("runs (with a dashboard, aborted or not) add no tracker listeners and leave none behind", async () => {
    const tracker = new StatusTracker();
    const types = [
      "status",
      "taskstart",
      "taskcomplete",
      "taskretry",
      "taskfail",
      "error",
    ] as const;
    const p = new Pipeline({
      stages: [
        new Stage({ name: "A", workers: 2, tasks: [(x: number) => delay(2).then(() => x)] }),
      ],
      statusTracker: tracker,
    });
    const dashboard = { onStart() {}, onUpdate() {}, onFinish() {} };
    await p.run([1, 2, 3], { dashboard, dashboardIntervalMs: 10 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 3);
    await p.run([1, 2, 3, 4, 5, 6], { signal: controller.signal }).catch(() => {});
    await p.shutdown();
    for (const type of types) assert.equal(tracker.listenerCount(type), 0, type);
  });

  it("listeners added with { once } or { signal } are gone after firing / aborting", async () => {
    const tracker = new StatusTracker();
    const controller = new AbortController();
    let seen = 0;
    tracker.addEventListener("status", () => seen++, { once: true });
    tracker.addEventListener("taskstart", () => seen++, { signal: controller.signal });
    tracker.addEventListener("error", () => {}, { signal: controller.signal });
    assert.equal(tracker.listenerCount("status"), 1);
    const p = new Pipeline({
      stages: [new Stage({ name: "A", workers: 1, tasks: [(x: number) => x] })],
      statusTracker: tracker,
    });
    await p.run([1, 2]);
    assert.equal(tracker.listenerCount("status"), 0, "once");
    controller.abort();
    assert.equal(tracker.listenerCount("taskstart"), 0, "signal");
    assert.equal(tracker.listenerCount("error"), 0, "signal");
    await p.run([3]);
    assert.equal(seen, 1 + 2);
  });
});
