/**
 * Run as a separate process by terminal_pty_test.ts: a small real pipeline (12 items, two stages,
 * 3 failures whose messages hold escape sequences) with a terminal dashboard on stderr, then
 * "fixture done" on stdout.
 *
 * Usage: <runtime> terminal_fixture.ts [progress|compact|detailed] [--hang]
 * `--hang` forces terminal output and never finishes a task (for the signal test).
 */
import process from "node:process";
import { delay, Pipeline, Stage, StatusTracker } from "../../mod.ts";
import { compactDashboard, detailedDashboard, progressBar } from "../../src/terminal/mod.ts";

const kind = process.argv[2] ?? "detailed";
const hang = process.argv.includes("--hang");
const make =
  { progress: progressBar, compact: compactDashboard, detailed: detailedDashboard }[kind];
if (make === undefined) throw new Error(`unknown dashboard ${kind}`);

const pipeline = new Pipeline({
  stages: [
    new Stage({
      name: "Fetch",
      workers: 3,
      tasks: [async function fetch(n: number, ctx) {
        ctx.setStatus(`fetching ${n}`);
        await delay(hang ? 60_000 : 10, { signal: ctx.signal });
        return n;
      }],
    }),
    new Stage({
      name: "Save",
      workers: 2,
      taskAttempts: 1,
      tasks: [async function save(n: number) {
        await delay(10);
        if (n % 4 === 0) throw new TypeError(`cannot save ${n}\x1b[2J\x1b[H`);
        return n;
      }],
    }),
  ],
  statusTracker: new StatusTracker(),
});

const items = Array.from({ length: 12 }, (_, i) => i + 1);
const dashboard = make({ plainIntervalMs: 50, ...(hang ? { isTTY: true } : {}) });
await pipeline.run(items, { dashboard, dashboardIntervalMs: 20 });
console.log("fixture done");
