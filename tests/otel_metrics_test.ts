/**
 * Metrics of real pipeline runs with `@antflow/antflow/otel` and the SDK's in-memory metric
 * exporter: the counters match the pipeline's own stats exactly, the histograms count every
 * attempt and passage, and the gauges read the live queues and workers.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage, StatusTracker } from "../mod.ts";
import { ATTRIBUTES as A, METRICS, OpenTelemetryInstrumentation } from "../src/otel/mod.ts";
import { gate, range } from "./support/helpers.ts";
import { TestSdk, total } from "./support/otel_sdk.ts";

describe("otel metrics", () => {
  it("match the pipeline's stats exactly: completed, skipped, failed, retried, cancelled per stage", async () => {
    const sdk = new TestSdk();
    const tracker = new StatusTracker();
    let retrying = 0;
    let skipped = 0;
    let taskStarts = 0;
    tracker.addEventListener("status", (e) => {
      if (e.detail.status === "retrying") retrying++;
      if (e.detail.status === "skipped") skipped++;
    });
    tracker.addEventListener("taskstart", () => taskStarts++);
    const seen = new Map<number, number>();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Parse",
          workers: 3,
          skipIf: (x: number) => x % 10 === 0,
          taskAttempts: 2,
          taskWaitMs: 1,
          tasks: [function parse(x: number) {
            const n = (seen.get(x) ?? 0) + 1;
            seen.set(x, n);
            if (x % 7 === 1 && n === 1) throw new Error("flaky");
            if (x % 11 === 5) throw new SyntaxError("bad input");
            return x;
          }],
        }),
        new Stage({
          name: "Store",
          workers: 2,
          retry: "per_stage",
          stageAttempts: 2,
          taskWaitMs: 1,
          tasks: [async function store(x: number) {
            await Promise.resolve();
            const n = (seen.get(-x - 1) ?? 0) + 1;
            seen.set(-x - 1, n);
            if (x % 9 === 4 && n === 1) throw new Error("busy");
            if (x % 13 === 3) throw new TypeError("rejected");
            return x;
          }],
        }),
      ],
      statusTracker: tracker,
      instrumentation: new OpenTelemetryInstrumentation({
        tracerProvider: sdk.tracerProvider,
        meterProvider: sdk.meterProvider,
      }),
    });
    await pipeline.run(range(120));
    const metrics = await sdk.metrics();
    const stats = pipeline.getStats();
    for (const stage of ["Parse", "Store"]) {
      const where = { [A.stage]: stage };
      assert.equal(
        total(metrics, METRICS.completed, where),
        stats.stageStats[stage].completedItems,
        `${stage} completed`,
      );
      assert.equal(
        total(metrics, METRICS.failed, where),
        stats.stageStats[stage].failedItems,
        `${stage} failed`,
      );
    }
    assert.ok(stats.itemsFailed > 0 && stats.stageStats.Store.failedItems > 0);
    assert.equal(total(metrics, METRICS.skipped), skipped);
    assert.equal(total(metrics, METRICS.skipped), 12);
    assert.equal(total(metrics, METRICS.failed), stats.itemsFailed);
    const badInput = range(120).filter((x) => x % 11 === 5 && x % 10 !== 0).length;
    assert.equal(total(metrics, METRICS.failed, { [A.errorType]: "SyntaxError" }), badInput);
    assert.equal(total(metrics, METRICS.retried), retrying);
    assert.ok(total(metrics, METRICS.retried, { [A.retryMode]: "per_task" }) > 0);
    assert.ok(total(metrics, METRICS.retried, { [A.retryMode]: "per_stage" }) > 0);
    assert.equal(total(metrics, METRICS.cancelled), stats.itemsCancelled);
    // Histograms: one task duration per attempt, one stage duration per passage.
    assert.equal(total(metrics, METRICS.taskDuration), taskStarts);
    const passages = stats.stageStats.Parse.completedItems + stats.stageStats.Parse.failedItems +
      stats.stageStats.Store.completedItems + stats.stageStats.Store.failedItems +
      total(metrics, METRICS.retried, { [A.retryMode]: "per_stage" });
    assert.equal(total(metrics, METRICS.stageDuration), passages);
    const units = new Set(metrics.get(METRICS.taskDuration)!.map((p) => p.unit));
    assert.deepEqual([...units], ["s"]);
    assert.equal(metrics.get(METRICS.completed)![0].unit, "{item}");
  });

  it("count cancelled items where they were, held or queued, as the stats do", async () => {
    const sdk = new TestSdk();
    const hold = gate();
    const started = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({ name: "A", workers: 2, tasks: [(x: number) => x] }),
        new Stage({
          name: "B",
          workers: 1,
          tasks: [async (x: number) => {
            started.open();
            await hold.promise;
            return x;
          }],
        }),
      ],
      instrumentation: new OpenTelemetryInstrumentation({
        tracerProvider: sdk.tracerProvider,
        meterProvider: sdk.meterProvider,
      }),
    });
    const controller = new AbortController();
    const running = pipeline.run(range(8), { signal: controller.signal });
    await started.promise;
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error("stop"));
    await assert.rejects(running, /stop/);
    hold.open();
    const metrics = await sdk.metrics();
    const stats = pipeline.getStats();
    assert.equal(stats.itemsCancelled, 8);
    assert.equal(total(metrics, METRICS.cancelled), 8);
    assert.equal(total(metrics, METRICS.cancelled, { [A.stage]: "B" }), 8);
    assert.equal(total(metrics, METRICS.completed, { [A.stage]: "A" }), 8);
  });

  it("gauges read queue depth, busy workers and items in flight at collection time", async () => {
    const sdk = new TestSdk();
    const hold = gate();
    let running = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Slow",
          workers: 2,
          queueCapacity: 0,
          tasks: [async (x: number) => {
            running++;
            await hold.promise;
            return x;
          }],
        }),
      ],
      instrumentation: new OpenTelemetryInstrumentation({
        tracerProvider: sdk.tracerProvider,
        meterProvider: sdk.meterProvider,
        name: "gauges",
      }),
    });
    const done = pipeline.run(range(6));
    while (running < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    let metrics = await sdk.metrics();
    const where = { [A.stage]: "Slow", [A.pipeline]: "gauges" };
    assert.equal(total(metrics, METRICS.busyWorkers, where), 2);
    assert.equal(total(metrics, METRICS.queueDepth, where), 4);
    assert.equal(total(metrics, METRICS.inFlight, { [A.pipeline]: "gauges" }), 6);
    hold.open();
    await done;
    metrics = await sdk.metrics();
    assert.equal(total(metrics, METRICS.busyWorkers, where), 0);
    assert.equal(total(metrics, METRICS.queueDepth, where), 0);
    assert.equal(total(metrics, METRICS.inFlight), 0);
    assert.equal(total(metrics, METRICS.completed, where), 6);
  });

  it("spans: 'none' records the metrics without a span", async () => {
    const sdk = new TestSdk();
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "A", workers: 2, tasks: [async (x: number) => x] })],
      instrumentation: new OpenTelemetryInstrumentation({
        tracerProvider: sdk.tracerProvider,
        meterProvider: sdk.meterProvider,
        spans: "none",
      }),
    });
    await pipeline.run(range(5));
    assert.equal(sdk.finished().length, 0);
    const metrics = await sdk.metrics();
    assert.equal(total(metrics, METRICS.completed), 5);
    assert.equal(total(metrics, METRICS.taskDuration), 5);
  });
});
