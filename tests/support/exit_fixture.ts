/**
 * Runs a pipeline in one of several ways and returns; the test checks that the process then exits
 * by itself (nothing left behind keeps it alive). Usage: exit_fixture.ts <completed|aborted|shutdown|timeouts|keepalive>
 */
import {
  memoryQueue,
  Pipeline,
  type QueueBackend,
  Stage,
  StatusTracker,
  type TaskContext,
} from "../../mod.ts";

const mode = (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ??
  (globalThis as { process?: { argv: string[] } }).process!.argv[2];
const tracker = new StatusTracker();
tracker.addEventListener("status", () => {});
const slow = (x: number, ctx: TaskContext) =>
  new Promise((resolve) => {
    // Honours its signal: the timer is cleared on abort.
    const timer = setTimeout(() => resolve(x), 50);
    ctx.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  });
const pipeline = new Pipeline({
  stages: [
    new Stage({
      name: "A",
      workers: 4,
      taskAttempts: 3,
      taskWaitMs: 10_000,
      taskTimeoutMs: mode === "timeouts" ? 20 : 60_000,
      tasks: [mode === "timeouts" ? () => new Promise(() => {}) : slow],
    }),
    new Stage({
      name: "B",
      workers: 2,
      retry: "per_stage",
      taskWaitMs: 10_000,
      callRate: 2,
      callRatePeriodMs: 60_000,
      tasks: [(x: number, ctx: TaskContext) => ctx.rateLimit(() => x)],
    }),
  ],
  statusTracker: tracker,
});

if (mode === "completed") {
  await pipeline.run([1, 2]);
} else if (mode === "aborted") {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("stop")), 150);
  await pipeline.run(Array.from({ length: 100 }, (_, i) => i), { signal: controller.signal }).catch(
    () => {},
  );
} else if (mode === "shutdown") {
  const run = pipeline.run(Array.from({ length: 100 }, (_, i) => i)).catch(() => {});
  await new Promise((r) => setTimeout(r, 20));
  await pipeline.shutdown();
  await run;
} else if (mode === "timeouts") {
  // Every attempt times out; the retry waits (10 s) must not be left behind either.
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("stop")), 40);
  await pipeline.run([1, 2], { signal: controller.signal }).catch(() => {});
} else if (mode === "keepalive") {
  // A queue backend that asks for keep-alives: their timer runs only while a worker holds an item.
  const keepAlive = new Pipeline({
    stages: [new Stage({ name: "K", workers: 2, tasks: [slow] })],
    queueBackend: (options) => {
      const queue: QueueBackend = memoryQueue(options);
      return Object.assign(queue, { keepAliveMs: 10 });
    },
  });
  await keepAlive.run([1, 2, 3]);
}
console.log(`done ${mode} ${JSON.stringify(pipeline.getStats().itemsInFlight)}`);
