import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { escapeControlChars, progressBar } from "../src/terminal/mod.ts";
import { RunProgress } from "../src/terminal/progress.ts";
import { formatPercent, textWidth, truncate } from "../src/terminal/text.ts";
import { FakePipeline, recorder } from "./support/terminal_fakes.ts";
import { replay } from "./support/terminal_screen.ts";

describe("escapeControlChars()", () => {
  it("replaces ESC, C0, DEL and C1 controls with visible escapes", () => {
    assert.equal(escapeControlChars("a\x1b[2Jb"), "a\\x1b[2Jb");
    assert.equal(escapeControlChars("1\n2\r3\t4"), "1\\n2\\r3\\t4");
    assert.equal(escapeControlChars("\x00\x07\x08\x7f\x9b"), "\\x00\\x07\\x08\\x7f\\x9b");
  });

  it("escapes bidi overrides, line separators and lone surrogates", () => {
    assert.equal(escapeControlChars("abc\u202edef\u2066"), "abc\\u202edef\\u2066");
    assert.equal(escapeControlChars("x\u2028y"), "x\\u2028y");
    assert.equal(escapeControlChars("\ud800!\udc00"), "\\ud800!\\udc00");
  });

  it("leaves printable text alone: accents, CJK, emoji with joiners, backslashes", () => {
    const text = "café 東京 👨‍👩‍👧 C:\\path";
    assert.equal(escapeControlChars(text), text);
  });

  it("leaves no control character in any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const escaped = escapeControlChars(text);
        // deno-lint-ignore no-control-regex
        assert.doesNotMatch(escaped, /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("line fitting", () => {
  it("counts wide characters as two columns and cuts with an ellipsis", () => {
    assert.equal(textWidth("東京"), 4);
    assert.equal(textWidth("e\u0301"), 1);
    assert.equal(truncate("abcdef", 4), "abc…");
    assert.equal(truncate("東京東京", 5), "東京…");
    assert.equal(truncate("abc", 3), "abc");
  });

  it("shows 100.0% only for a fraction of exactly 1", () => {
    assert.equal(formatPercent(0.99999), "99.9%");
    assert.equal(formatPercent(1), "100.0%");
    assert.equal(formatPercent(0.5), "50.0%");
  });
});

const STAGES = ["A", "B", "C"];

/** A random snapshot of a three-stage run of `total` items. */
const snapshotArb = (total: number) =>
  fc.record({
    done: fc.integer({ min: 0, max: total }),
    inStages: fc.array(fc.integer({ min: 0, max: total }), { minLength: 3, maxLength: 3 }),
  }).map(({ done, inStages }) => {
    let left = total - done;
    const counts = inStages.map((n) => {
      const taken = Math.min(n, left);
      left -= taken;
      return taken;
    });
    return { done, counts };
  });

describe("stage-weighted progress", () => {
  it("moves with items that pass stages, before any item is finished", () => {
    const pipeline = new FakePipeline();
    const progress = new RunProgress(
      { startedAt: Date.now(), workerMetrics: {}, errorsByType: {} },
      3,
    );
    pipeline.state.stages = { A: {}, B: { pendingItems: 1 }, C: { inProgressItems: 2 } };
    const view = progress.view(pipeline.getDashboardSnapshot());
    // one item past 1 of 3 stages, two past 2 of 3: (1/3 + 2 * 2/3) / 3
    assert.ok(Math.abs(view.fraction! - 5 / 9) < 1e-9, String(view.fraction));
    assert.equal(view.done, 0);
  });

  it("never goes back, never exceeds 100 %, and is 100 % exactly when all are done", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }).chain((total) =>
          fc.tuple(fc.constant(total), fc.array(snapshotArb(total), { maxLength: 30 }))
        ),
        ([total, steps]) => {
          const pipeline = new FakePipeline();
          const progress = new RunProgress(
            { startedAt: Date.now(), workerMetrics: {}, errorsByType: {} },
            total,
          );
          let previous = 0;
          for (const { done, counts } of steps) {
            pipeline.state.processed = done;
            pipeline.state.stages = Object.fromEntries(
              STAGES.map((name, i) => [name, { pendingItems: counts[i] }]),
            );
            const fraction = progress.view(pipeline.getDashboardSnapshot()).fraction!;
            assert.ok(fraction >= previous, `went back from ${previous} to ${fraction}`);
            assert.ok(fraction <= 1);
            assert.equal(fraction === 1, done >= total || previous === 1);
            previous = fraction;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("shows the same never-decreasing percent in the frames", () => {
    const out = recorder();
    const pipeline = new FakePipeline({ stages: { A: {}, B: {} } });
    const display = progressBar({ write: out.write, isTTY: true, columns: 100 });
    display.onStart(pipeline, 4);
    const percents: number[] = [];
    const steps = [
      { B: 4 }, // all four items reached stage B: 50 %
      { B: 0, processed: 1 }, // the snapshot lost the in-flight items: must not drop to 25 %
      { B: 2, processed: 2 },
      { B: 0, processed: 2, failed: 2 },
    ];
    for (const step of steps) {
      pipeline.state.stages = { A: {}, B: { inProgressItems: step.B } };
      pipeline.state.processed = step.processed ?? 0;
      pipeline.state.failed = step.failed ?? 0;
      display.onUpdate(pipeline.getDashboardSnapshot());
      const [line] = replay(out.text()).lines;
      percents.push(Number(/ ([\d.]+)%/.exec(line)![1]));
    }
    display.onFinish([], pipeline.getErrorSummary());
    assert.deepEqual(percents, [50, 50, 75, 100]);
  });
});
