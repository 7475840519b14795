import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage } from "../mod.ts";

/** Runs `body` with `console.log` recorded (and silenced); returns the lines it printed. */
async function captureLog(body: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  };
  try {
    await body();
  } finally {
    console.log = original;
  }
  return lines;
}

/** One stage; the item 0 fails (once: no retries). */
function pipeline(): Pipeline {
  return new Pipeline({
    stages: [
      new Stage({
        name: "Check",
        workers: 2,
        taskAttempts: 1,
        tasks: [(n: number) => {
          if (n === 0) throw new RangeError("zero");
          return n;
        }],
      }),
    ],
  });
}

async function* numbers(...values: number[]): AsyncGenerator<number> {
  for (const value of values) yield value;
}

describe("run(items, { progress: true })", () => {
  it("prints this run's done/total, not the pipeline's all-time counters", async () => {
    const p = pipeline();
    const first = await captureLog(() => p.run([0, 1, 2], { progress: true }));
    assert.equal(first[0], "AntFlow: started 3 items");
    assert.match(first.join("\n"), /3\/3 items \(100\.0%\) \| 2 ok, 1 failed, 0 cancelled/);
    assert.match(first.at(-1)!, /^AntFlow: finished in \d+\.\d s \(1 failed\)$/);

    const second = await captureLog(() => p.run([5], { progress: true }));
    const text = second.join("\n");
    assert.equal(second[0], "AntFlow: started 1 items");
    assert.match(text, /AntFlow: 1\/1 items \(100\.0%\) \| 1 ok, 0 failed, 0 cancelled \|/);
    assert.doesNotMatch(text, /4\/1|400/);
    assert.match(second.at(-1)!, /^AntFlow: finished in \d+\.\d s$/, "no failure in this run");
    assert.equal(p.getStats().itemsProcessed + p.getStats().itemsFailed, 4, "all-time counters");
  });

  it("counts only this run when the total is unknown (an async iterable)", async () => {
    const p = pipeline();
    await captureLog(() => p.run([1, 2, 3, 4], { progress: true }));
    const lines = await captureLog(() => p.run(numbers(0, 7), { progress: true }));
    assert.equal(lines[0], "AntFlow: started");
    assert.match(lines.join("\n"), /AntFlow: 2 items done \| 1 ok, 1 failed, 0 cancelled \|/);
    assert.match(lines.at(-1)!, /\(1 failed\)$/);
  });

  it("prints 0/0 items (100.0%) for an empty input", async () => {
    const lines = await captureLog(() => pipeline().run([], { progress: true }));
    assert.match(lines.join("\n"), /AntFlow: 0\/0 items \(100\.0%\)/);
  });
});
