import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage } from "../mod.ts";
import { compactDashboard, progressBar } from "../src/terminal/mod.ts";
import { range, sleep } from "./support/helpers.ts";

/** One stage; every item whose number ends in 9 fails with a TypeError. No tracker. */
function pipeline(): Pipeline {
  return new Pipeline({
    stages: [
      new Stage({
        name: "S",
        workers: 4,
        taskAttempts: 1,
        tasks: [async (x: number) => {
          await sleep(1);
          if (x % 10 === 9) throw new TypeError("nine");
          return x;
        }],
      }),
    ],
  });
}

describe("terminal displays count the run they belong to", () => {
  it("two concurrent runs with progress bars (and a third with progress: true) each print their own totals and errors", async () => {
    const p = pipeline();
    const a: string[] = [];
    const b: string[] = [];
    const logged: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void logged.push(args.join(" "));
    try {
      await Promise.all([
        p.run(range(100), { dashboard: progressBar({ write: (s) => a.push(s), isTTY: false }) }),
        p.run(range(50), {
          dashboard: compactDashboard({ write: (s) => b.push(s), isTTY: false }),
        }),
        p.run(range(30), { progress: true }),
      ]);
    } finally {
      console.log = log;
    }
    const first = a.join("");
    const second = b.join("");
    assert.match(first, /finished 100\/100 \(100\.0%\).*ok 90, failed 10, cancelled 0/);
    assert.match(first, /errors by type: TypeError 10\n/);
    assert.match(second, /finished 50\/50 \(100\.0%\).*ok 45, failed 5, cancelled 0/);
    assert.match(second, /errors by type: TypeError 5\n/);
    const lines = logged.join("\n");
    assert.match(lines, /30\/30 items \(100\.0%\) \| 27 ok, 3 failed, 0 cancelled/);
    assert.match(lines, /finished in [\d.]+ s \(3 failed\)/);
    assert.doesNotMatch(
      first + second + lines,
      /\b(?!100\.0%)\d{3,}\.\d%|\b\d{3}\/50\b|\b\d{2,}\/30\b(?<!30\/30)/,
    );
  });

  it("without a tracker, the summary still shows errors by type", async () => {
    const out: string[] = [];
    await pipeline().run(range(20), {
      dashboard: progressBar({ write: (s) => out.push(s), isTTY: false }),
    });
    assert.match(out.join(""), /errors by type: TypeError 2\n/);
  });
});
