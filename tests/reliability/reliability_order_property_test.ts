import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Pipeline, Stage, StatusTracker } from "../../mod.ts";
import { parameters } from "./support/reliability_property.ts";
import { settles } from "./support/reliability_faults.ts";
import { gate } from "../support/helpers.ts";

/** Feeds queued behind a held worker: [count, priority] per feed() call. */
const feedsArb = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom(100, 100, 1, 50, 200, -5, 2.5)),
  { minLength: 1, maxLength: 6 },
);

describe("reliability: priority order over generated feeds", () => {
  it("one worker takes queued items by priority (lower first), first in first out within a priority", async () => {
    let cases = 0;
    const details = await fc.check(
      fc.asyncProperty(feedsArb, fc.boolean(), async (feeds, twoStages) => {
        cases++;
        const tracker = new StatusTracker();
        const started: string[] = [];
        tracker.addEventListener("status", (e) => {
          if (e.detail.status === "in_progress" && e.detail.stage === "A") {
            started.push(String(e.detail.itemId));
          }
        });
        // The one worker of A holds "hold" until every feed is queued (feed() starts the workers).
        const holding = gate();
        const release = gate();
        const hold = async (x: string): Promise<string> => {
          if (x === "hold") {
            holding.open();
            await release.promise;
          }
          return x;
        };
        const stages = [new Stage({ name: "A", workers: 1, queueCapacity: 0, tasks: [hold] })];
        if (twoStages) stages.push(new Stage({ name: "B", workers: 2, tasks: [(x: string) => x] }));
        const pipeline = new Pipeline({ stages, statusTracker: tracker });
        await pipeline.feed(["hold"], { idOf: (x: string) => x });
        await holding.promise;
        started.length = 0;
        const expected: { id: string; priority: number; order: number }[] = [];
        for (const [f, [count, priority]] of feeds.entries()) {
          const items = Array.from({ length: count }, (_, i) => `f${f}i${i}`);
          items.forEach((id) => expected.push({ id, priority, order: expected.length }));
          await pipeline.feed(items, { priority, idOf: (x: string) => x });
        }
        release.open();
        const results = await settles(pipeline.join(), "join()");
        const want = expected.toSorted((a, b) => a.priority - b.priority || a.order - b.order)
          .map((e) => e.id);
        assert.deepEqual(started, want);
        assert.equal(results.length, expected.length + 1);
      }),
      parameters(200),
    );
    if (details.failed) {
      assert.fail(
        `replay with ANTFLOW_FUZZ_SEED=${details.seed} ANTFLOW_FUZZ_PATH="${details.counterexamplePath}"\n` +
          `${fc.defaultReportMessage(details)}\nGot: ${String(details.errorInstance)}`,
      );
    }
    assert.ok(cases > 0);
  });
});
