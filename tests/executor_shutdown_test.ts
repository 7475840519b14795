import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { AsyncExecutor, delay, ExecutorShutdownError } from "../mod.ts";
import { gate, since, untilAborted } from "./executor_helpers.ts";

describe("AsyncExecutor.shutdown()", () => {
  it("with cancelFutures settles every one of 1000 queued futures and aborts the running ones", async () => {
    const executor = new AsyncExecutor({ maxWorkers: 2 });
    const signals: AbortSignal[] = [];
    const bothRunning = gate();
    const futures = Array.from({ length: 1002 }, () =>
      executor.submit(({ signal }) => {
        if (signals.push(signal) === 2) bothRunning.open();
        return untilAborted(signal);
      }));
    await bothRunning.promise;
    assert.equal(executor.running, 2);
    assert.equal(executor.queued, 1000);
    await executor.shutdown({ cancelFutures: true });
    assert.equal(signals.length, 2, "no queued task started");
    assert.ok(signals.every((signal) => signal.aborted));
    assert.ok(futures.every((f) => f.done()));
    assert.ok(futures.every((f) => f.exception() instanceof ExecutorShutdownError));
    assert.match(futures[1001].exception()!.message, /cancelFutures/);
    assert.equal(executor.queued, 0);
    assert.equal(executor.running, 0);
  });

  it("with wait: false returns at once, and the queued work still drains", async () => {
    const executor = new AsyncExecutor({ maxWorkers: 1 });
    const futures = [1, 2, 3].map((n) => executor.submit(() => delay(40).then(() => n)));
    const start = performance.now();
    await executor.shutdown({ wait: false });
    assert.ok(since(start) < 30, `shutdown({ wait: false }) took ${since(start)} ms`);
    assert.equal(futures[2].done(), false);
    await executor.shutdown();
    assert.ok(since(start) >= 100, `drained after ${since(start)} ms`);
    assert.deepEqual(await Promise.all(futures.map((f) => f.result())), [1, 2, 3]);
  });

  it("waits by default until every accepted task has settled", async () => {
    const executor = new AsyncExecutor({ maxWorkers: 2 });
    const futures = [30, 10, 20].map((ms) => executor.submit(() => delay(ms)));
    await executor.shutdown();
    assert.ok(futures.every((f) => f.done() && f.exception() === undefined));
  });

  it("is idempotent, and a later cancelFutures still cancels what is left", async () => {
    const executor = new AsyncExecutor({ maxWorkers: 1 });
    const started = gate();
    const running = executor.submit(({ signal }) => {
      started.open();
      return untilAborted(signal);
    });
    const queued = executor.submit(() => "never");
    await started.promise;
    await executor.shutdown({ wait: false });
    await executor.shutdown({ wait: false });
    assert.equal(executor.isShutdown, true);
    assert.equal(queued.done(), false);
    await executor.shutdown({ cancelFutures: true });
    await executor.shutdown();
    assert.ok(running.exception() instanceof ExecutorShutdownError);
    assert.ok(queued.exception() instanceof ExecutorShutdownError);
  });

  it("resolves at once for an executor that never ran anything", async () => {
    const executor = new AsyncExecutor();
    const start = performance.now();
    await executor.shutdown();
    assert.ok(since(start) < 30);
  });

  it("makes submit(), map() and mapIter() throw ExecutorShutdownError with a clear message", async () => {
    const executor = new AsyncExecutor();
    await executor.shutdown();
    assert.throws(() => executor.submit(() => 1), {
      name: "ExecutorShutdownError",
      message: "AsyncExecutor: cannot submit() after shutdown(); create a new executor",
    });
    await assert.rejects(executor.map((x: number) => x, [1]), {
      name: "ExecutorShutdownError",
      message: /cannot map\(\) after shutdown\(\)/,
    });
    assert.throws(() => executor.mapIter((x: number) => x, [1]), {
      name: "ExecutorShutdownError",
      message: /cannot mapIter\(\) after shutdown\(\)/,
    });
  });

  it("{ signal } stops the wait but not the shutdown", async () => {
    const executor = new AsyncExecutor();
    const future = executor.submit(() => delay(40));
    const controller = new AbortController();
    const waiting = executor.shutdown({ signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await assert.rejects(waiting, /stop waiting/);
    assert.equal(executor.isShutdown, true);
    await executor.shutdown();
    assert.equal(future.done(), true);
  });

  it("rejects options of the wrong type", async () => {
    const executor = new AsyncExecutor();
    await assert.rejects(() => executor.shutdown({ wait: "yes" as unknown as boolean }), {
      name: "TypeError",
      message: 'AsyncExecutor.shutdown: wait must be a boolean, got "yes"',
    });
  });
});

describe("await using AsyncExecutor", () => {
  it("shuts the executor down and waits for its tasks when the block ends", async () => {
    let executor: AsyncExecutor | undefined;
    let future;
    {
      await using scoped = new AsyncExecutor({ maxWorkers: 2 });
      executor = scoped;
      future = scoped.submit(() => delay(30).then(() => "finished"));
    }
    assert.equal(executor.isShutdown, true);
    assert.equal(future.done(), true);
    assert.equal(await future.result(), "finished");
  });
});

describe("process lifetime", () => {
  it("a script that submits work and shuts down exits by itself within 1 s", async () => {
    const script = fileURLToPath(new URL("./executor_exit_fixture.ts", import.meta.url));
    const root = fileURLToPath(new URL("..", import.meta.url));
    const args = "Deno" in globalThis ? ["run", "-A", script] : [script];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let doneAt: number | undefined;
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (doneAt === undefined && stdout.includes("done")) doneAt = performance.now();
    });
    child.stderr.on("data", (chunk) => stderr += chunk);
    const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(killer);
    assert.equal(code, 0, `exit code ${code}; stderr:\n${stderr}`);
    assert.ok(doneAt !== undefined, `the script never finished its work; stderr:\n${stderr}`);
    const lingered = performance.now() - doneAt;
    assert.ok(lingered < 1000, `the process lingered ${lingered} ms after its work was done`);
  });
});
