import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage, type StatusTracker } from "../mod.ts";
import { RemoteTracker } from "../src/client/mod.ts";
import { routesInMemory, until } from "./support/client_fixtures.ts";

class QuotaError extends Error {
  override name = "QuotaError";
}

/** Two stages failing with three error types: Fetch (n % 5 === 1: RangeError, n % 9 === 4: QuotaError), Save (n % 7 === 2: TypeError). */
function failingPipeline(tracker: StatusTracker): Pipeline {
  return new Pipeline({
    stages: [
      new Stage({
        name: "Fetch",
        workers: 3,
        taskAttempts: 1,
        tasks: [(n: number) => {
          if (n % 5 === 1) throw new RangeError(`item ${n} out of range`);
          if (n % 9 === 4) throw new QuotaError(`item ${n} over quota`);
          return n;
        }],
      }),
      new Stage({
        name: "Save",
        workers: 2,
        taskAttempts: 1,
        tasks: [(n: number) => {
          if (n % 7 === 2) throw new TypeError(`item ${n} cannot be saved`);
          return n;
        }],
      }),
    ],
    statusTracker: tracker,
  });
}

const sum = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((a, b) => a + b, 0);

/** The error summary's totals agree with each other and with getStats(). */
function assertConsistent(remote: RemoteTracker, expectedFailed: number): void {
  const summary = remote.getErrorSummary();
  const stats = remote.getStats();
  assert.equal(stats.failed, expectedFailed, "stats.failed");
  assert.equal(summary.totalFailed, stats.failed, "totalFailed === stats.failed");
  assert.equal(sum(summary.errorsByType), summary.totalFailed, "sum of errorsByType");
  assert.equal(sum(summary.errorsByStage), summary.totalFailed, "sum of errorsByStage");
  assert.equal(summary.failedItems.length, summary.totalFailed, "one failed item per failure");
  assert.match(String(summary), new RegExp(`^ErrorSummary: ${expectedFailed} failed items`));
}

/** The parts of a summary that must equal the server's (failed items by id, any order). */
function comparable(tracker: StatusTracker) {
  const summary = tracker.getErrorSummary();
  return {
    totalFailed: summary.totalFailed,
    errorsByType: summary.errorsByType,
    errorsByStage: summary.errorsByStage,
    failedItems: summary.failedItems
      .map((item) => JSON.stringify(item))
      .sort(),
  };
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);

for (const withPipeline of [true, false]) {
  const served = withPipeline ? "with a pipeline" : "serving a tracker alone";
  describe(`RemoteTracker error summary (${served})`, () => {
    it("connected after N failures, its error summary agrees with its stats and the server's", async () => {
      const s = routesInMemory({ pipeline: withPipeline ? failingPipeline : false });
      const pipeline = withPipeline ? s.pipeline : failingPipeline(s.tracker);
      await pipeline.run(range(0, 60));
      const failedBefore = s.tracker.getStats().failed;
      assert.ok(failedBefore >= 20, `the run failed ${failedBefore} items`);
      const remote = new RemoteTracker(s.url, { fetch: s.fetch });
      try {
        await remote.ready;
        assertConsistent(remote, failedBefore);
        assert.deepEqual(comparable(remote), comparable(s.tracker));
        assert.deepEqual(remote.getTrackedIds(), [], "the items themselves are not known");

        // Live failures add to the summary from the snapshot.
        await pipeline.run(range(60, 100));
        const failedAfter = s.tracker.getStats().failed;
        await until(() => remote.getStats().failed === failedAfter, 5000, "the live failures");
        assertConsistent(remote, failedAfter);
        assert.deepEqual(comparable(remote), comparable(s.tracker));
      } finally {
        await remote.close();
      }
    });
  });
}

describe("RemoteTracker error summary after re-feeding failed ids", () => {
  it("stays consistent while an earlier failure is retried under the same id, and converges through the snapshots", async () => {
    const s = routesInMemory({ pipeline: failingPipeline, snapshotMs: 50 });
    await s.pipeline.run(range(0, 30));
    const remote = new RemoteTracker(s.url, { fetch: s.fetch });
    try {
      await remote.ready;
      // Item 1 failed before the remote connected; run it again (it completes this time) under
      // the same id. The remote never saw its failure, so only a snapshot can correct its counts.
      const again = new Pipeline({
        stages: [new Stage({ name: "Fetch", workers: 1, tasks: [(n: number) => n] })],
        statusTracker: s.tracker,
      });
      await again.run([1], { idOf: () => 1 });
      const expected = s.tracker.getStats().failed;
      await until(() => remote.getStats().failed === expected, 5000, "the snapshot correction");
      assertConsistent(remote, expected);
      assert.deepEqual(comparable(remote), comparable(s.tracker));
    } finally {
      await remote.close();
    }
  });
});
