import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { delay, Pipeline, Stage, StatusTracker } from "../mod.ts";
import { LatencyHistogram } from "../src/tracker/latency.ts";
import { trackerSink } from "../src/tracker/status_tracker.ts";

/** The exact q-quantile (nearest rank) of sorted values. */
function exact(sorted: number[], q: number): number {
  return sorted[Math.ceil(q * sorted.length) - 1];
}

/** A deterministic pseudo-random sequence in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("LatencyHistogram", () => {
  it("gives p50/p95/p99 within 3.2 % of the exact values, from 1 µs to an hour", () => {
    const next = random(7);
    const histogram = new LatencyHistogram();
    const values: number[] = [];
    const now = 1_700_000_000_000;
    for (let i = 0; i < 50_000; i++) {
      const ms = 10 ** (next() * 9.5 - 3); // log-uniform, 0.001 ms … ~ 55 min
      values.push(ms);
      histogram.add(ms, now);
    }
    values.sort((a, b) => a - b);
    const series = histogram.snapshot(now);
    assert.equal(series.count, values.length);
    assert.equal(series.max, values.at(-1));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(series.mean! - mean) < 1e-6 * mean);
    for (const [q, got] of [[0.5, series.p50], [0.95, series.p95], [0.99, series.p99]] as const) {
      const want = exact(values, q);
      assert.ok(Math.abs(got! - want) <= 0.032 * want, `p${q * 100}: ${got} vs ${want}`);
    }
  });

  it("is exact to the microsecond below 32 µs and reports 0 ms durations as 0", () => {
    const histogram = new LatencyHistogram();
    for (const ms of [0, 0, 0, 0.0205, 0.0205]) histogram.add(ms, 0);
    const series = histogram.snapshot(0);
    assert.equal(series.p50, 0);
    assert.equal(series.p95, 0.0205);
    assert.equal(series.max, 0.0205);
  });

  it("keeps durations past 71 minutes in its last bucket, with the exact max", () => {
    const histogram = new LatencyHistogram();
    histogram.add(5 * 3_600_000, 0);
    const series = histogram.snapshot(0);
    assert.equal(series.count, 1);
    assert.equal(series.max, 5 * 3_600_000);
    assert.equal(series.p99, 5 * 3_600_000);
  });

  it("ignores negative and NaN durations", () => {
    const histogram = new LatencyHistogram();
    histogram.add(-1, 0);
    histogram.add(NaN, 0);
    assert.deepEqual(histogram.snapshot(0), {
      count: 0,
      mean: null,
      p50: null,
      p95: null,
      p99: null,
      max: null,
      recent: { count: 0, mean: null, p50: null, p95: null, p99: null, max: null },
    });
  });

  it("recent covers the last minute only, all-time figures keep everything", () => {
    const histogram = new LatencyHistogram();
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 100; i++) histogram.add(1000, t0);
    assert.equal(histogram.snapshot(t0 + 30_000).recent.count, 100, "still in the window 30 s on");
    for (let i = 0; i < 10; i++) histogram.add(10, t0 + 65_000);
    const later = histogram.snapshot(t0 + 65_000);
    assert.equal(later.count, 110);
    assert.ok(Math.abs(later.p50! - 1000) < 32);
    assert.equal(later.recent.count, 10);
    assert.ok(Math.abs(later.recent.p50! - 10) < 0.32);
    assert.equal(histogram.snapshot(t0 + 200_000).recent.count, 0, "nothing in the last minute");
  });
});

describe("StatusTracker.getLatency()", () => {
  function slowStage(
    name: string,
    ms: number,
    extra: Partial<ConstructorParameters<typeof Stage>[0]> = {},
  ) {
    return new Stage({
      name,
      workers: 2,
      tasks: [async function wait(n: number) {
        await delay(ms);
        return n;
      }],
      ...extra,
    });
  }

  it("times each stage from in_progress to completed, with no listener at all", async () => {
    const tracker = new StatusTracker();
    const pipeline = new Pipeline({
      stages: [slowStage("Slow", 200), slowStage("Quick", 0)],
      statusTracker: tracker,
    });
    await pipeline.run([1, 2, 3, 4]);
    const latency = tracker.getLatency();
    assert.equal(latency.windowMs, 60_000);
    assert.deepEqual(Object.keys(latency.stages), ["Slow", "Quick"]);
    const slow = latency.stages.Slow;
    assert.equal(slow.count, 4);
    assert.ok(slow.p50! >= 190 && slow.p50! < 5000, `p50 ${slow.p50}`);
    assert.ok(slow.p99! <= slow.max! && slow.p50! <= slow.p95!);
    assert.equal(slow.recent.count, 4);
    assert.ok(latency.stages.Quick.p95! < slow.p50!);
    assert.deepEqual(latency.tasks, {}, "no task events were built, so no task durations");
  });

  it("times each task attempt while someone listens to task events", async () => {
    const tracker = new StatusTracker();
    tracker.addEventListener("taskcomplete", () => {});
    let calls = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Flaky",
          workers: 1,
          taskAttempts: 2,
          taskWaitMs: 30,
          tasks: [async function first(n: number) {
            await delay(5);
            if (++calls === 1) throw new Error("once");
            return n;
          }, function second(n: number) {
            return n;
          }],
        }),
      ],
      statusTracker: tracker,
    });
    await pipeline.run([1, 2]);
    const tasks = tracker.getLatency().tasks;
    // taskcomplete only is listened to: the failed attempt's duration was not computed.
    assert.equal(tasks.Flaky.first.count, 2);
    assert.equal(tasks.Flaky.second.count, 2);
    assert.ok(tasks.Flaky.first.p50! >= 4, `first ${tasks.Flaky.first.p50}`);
    // The stage visit of the retried item includes the failed attempt and the 30 ms wait.
    const stage = tracker.getLatency().stages.Flaky;
    assert.equal(stage.count, 2);
    assert.ok(stage.max! >= 38, `stage max ${stage.max}`);
  });

  it("includes per_stage retries and failures in the stage's duration, skips are not timed", async () => {
    const tracker = new StatusTracker();
    const attempts = new Map<number, number>();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "Whole",
          workers: 2,
          retry: "per_stage",
          stageAttempts: 2,
          taskWaitMs: 40,
          skipIf: (n: number) => n === 0,
          tasks: [async function work(n: number) {
            const attempt = (attempts.get(n) ?? 0) + 1;
            attempts.set(n, attempt);
            await delay(5);
            if (n === 1 && attempt === 1) throw new Error("retry me");
            if (n === 2) throw new Error("always");
            return n;
          }],
        }),
      ],
      statusTracker: tracker,
    });
    await pipeline.run([0, 1, 2, 3]);
    const whole = tracker.getLatency().stages.Whole;
    assert.equal(whole.count, 3, "items 1 (retried), 2 (failed) and 3; 0 was skipped");
    // Items 1 and 2 took two attempts and a 40 ms wait; item 3 one attempt.
    assert.ok(whole.max! >= 45, `max ${whole.max}`);
    assert.ok(whole.p50! >= 45, `p50 ${whole.p50}`);
  });

  it("keeps timing stages with historyLimit 1 and maxItems", async () => {
    const tracker = new StatusTracker({ historyLimit: 1, maxItems: 5 });
    const pipeline = new Pipeline({
      stages: [slowStage("A", 1), slowStage("B", 1)],
      statusTracker: tracker,
    });
    await pipeline.run(Array.from({ length: 40 }, (_, i) => i));
    const stages = tracker.getLatency().stages;
    assert.equal(stages.A.count, 40);
    assert.equal(stages.B.count, 40);
  });

  it("builds no task event for itself: task durations only while someone listens", async () => {
    const tracker = new StatusTracker();
    const pipeline = new Pipeline({ stages: [slowStage("S", 1)], statusTracker: tracker });
    await pipeline.run([1, 2]);
    assert.deepEqual(tracker.getLatency().tasks, {});
    assert.equal(trackerSink(tracker).taskMask(), 0, "reading the latency changes nothing");
    const listener = () => {};
    tracker.addEventListener("taskcomplete", listener);
    await pipeline.run([3, 4, 5]);
    tracker.removeEventListener("taskcomplete", listener);
    await pipeline.run([6]);
    const latency = tracker.getLatency();
    assert.equal(latency.tasks.S.wait.count, 3, "the attempts that ended while it listened");
    assert.equal(latency.stages.S.count, 6);
  });

  it("is plain JSON", async () => {
    const tracker = new StatusTracker();
    tracker.addEventListener("taskfail", () => {});
    const pipeline = new Pipeline({ stages: [slowStage("S", 1)], statusTracker: tracker });
    await pipeline.run([1]);
    const latency = tracker.getLatency();
    assert.deepEqual(JSON.parse(JSON.stringify(latency)), latency);
  });
});
