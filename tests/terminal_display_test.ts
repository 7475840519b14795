// deno-lint-ignore-file no-control-regex -- these tests are about control characters
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorSummary } from "../src/tracker/error_summary.ts";
import { compactDashboard, detailedDashboard, progressBar } from "../src/terminal/mod.ts";
import { failure, FakePipeline, recorder } from "./support/terminal_fakes.ts";
import { OWN_SEQUENCES, replay } from "./support/terminal_screen.ts";

const NO_ERRORS = new ErrorSummary(0);

/** Starts a display on a fake pipeline, with an injected write. */
function start(
  make: typeof progressBar,
  options: Parameters<typeof detailedDashboard>[0],
  total: number | undefined,
  pipeline = new FakePipeline(),
) {
  const out = recorder();
  const display = make({ write: out.write, ...options });
  display.onStart(pipeline, total);
  const update = (): void => void display.onUpdate(pipeline.getDashboardSnapshot());
  const finish = (summary = pipeline.getErrorSummary()): void => void display.onFinish([], summary);
  return { out, display, pipeline, state: pipeline.state, update, finish };
}

describe("progressBar() on a terminal", () => {
  it("shows percent, done/total, rate, ETA and the ok/failed/cancelled counts", () => {
    const run = start(progressBar, { isTTY: true, columns: 120 }, 10);
    Object.assign(run.state, { processed: 5, failed: 2, cancelled: 1, inFlight: 2 });
    run.state.clockOffsetMs = 2000;
    run.update();
    const screen = replay(run.out.text());
    const [barLine, counts] = screen.lines;
    assert.match(barLine, /^Progress █+░+ +80\.0% {2}8\/10 {2}4\.0 items\/s {2}ETA 50\dms$/);
    assert.match(counts, /ok 5 {2}failed 2 {2}cancelled 1 {2}in flight 2 {2}elapsed 2\.0s/);
    assert.equal(screen.lines.length, 2, "one frame on the screen");
    run.finish();
  });

  it("reaches 100 % when items fail, and not before every item is finished", () => {
    const run = start(progressBar, { isTTY: true, columns: 100 }, 4);
    Object.assign(run.state, { processed: 1, failed: 2, inFlight: 1 });
    run.update();
    assert.match(replay(run.out.text()).lines[0], / 75\.0% {2}3\/4 /);
    Object.assign(run.state, { failed: 3, inFlight: 0 });
    run.update();
    const [barLine] = replay(run.out.text()).lines;
    assert.match(barLine, /^Progress █+ 100\.0% {2}4\/4 .* ETA 0s$/);
    assert.ok(!barLine.includes("░"), "the bar is full");
    run.finish();
  });

  it("redraws in place: many updates leave exactly one frame, then the summary", () => {
    const run = start(compactDashboard, { isTTY: true, columns: 100 }, 20);
    run.state.stages = { A: {}, B: {} };
    for (let i = 1; i <= 20; i++) {
      Object.assign(run.state, { processed: i });
      run.update();
    }
    run.finish();
    const { lines, unknown } = replay(run.out.text());
    assert.deepEqual(unknown, []);
    assert.equal(lines.filter((l) => l.startsWith("Progress")).length, 1);
    assert.equal(lines.filter((l) => l.startsWith("Stages")).length, 1);
    assert.match(lines[0], /100\.0% {2}20\/20/);
    assert.match(lines.at(-1)!, /^AntFlow: finished 20\/20 \(100\.0%\) in .* \| ok 20, failed 0/);
  });

  it("moves the cursor up by the previous frame's height before each redraw", () => {
    const pipeline = new FakePipeline({ stages: { A: {}, B: {}, C: {} } });
    const run = start(compactDashboard, { isTTY: true, columns: 80 }, 5, pipeline);
    run.update();
    run.update();
    const frames = run.out.chunks.filter((c) => c.includes("Progress"));
    assert.equal(frames.length, 3, "onStart draws, then each update");
    assert.ok(frames[0].startsWith("\r\x1b[2KProgress"), "nothing above the first frame");
    // header (2) + "Stages" + one line per stage: 6 lines
    for (const frame of frames.slice(1)) assert.ok(frame.startsWith("\x1b[6A\r\x1b[2K"), frame);
    run.finish();
  });

  it("hides the cursor during the run and shows it again at the end", () => {
    const run = start(progressBar, { isTTY: true }, 3);
    assert.ok(run.out.chunks[0].includes("\x1b[?25l"));
    assert.equal(replay(run.out.text()).cursorVisible, false);
    run.update();
    run.finish();
    assert.ok(run.out.chunks.at(-1)!.endsWith("\x1b[?25h"));
    assert.equal(replay(run.out.text()).cursorVisible, true);
  });

  it("shows the cursor again even when writing the final frame throws", () => {
    const chunks: string[] = [];
    let fail = false;
    const display = progressBar({
      isTTY: true,
      write: (text) => {
        if (fail && !text.includes("\x1b[?25h")) throw new Error("disk full");
        chunks.push(text);
      },
    });
    const pipeline = new FakePipeline();
    display.onStart(pipeline, 1);
    fail = true;
    assert.throws(() => display.onFinish([], NO_ERRORS), /disk full/);
    assert.equal(chunks.at(-1), "\x1b[?25h");
  });

  it("writes no frame after onFinish, until the next onStart", () => {
    const run = start(detailedDashboard, { isTTY: true }, 2);
    run.finish();
    const count = run.out.chunks.length;
    run.update();
    run.finish();
    assert.equal(run.out.chunks.length, count);
    run.display.onStart(run.pipeline, 2);
    assert.ok(run.out.chunks.length > count, "a new run draws again");
    run.finish();
  });

  it("without a total shows counts and rate, but no percent, bar or ETA", () => {
    const run = start(progressBar, { isTTY: true }, undefined);
    Object.assign(run.state, { processed: 7, failed: 1 });
    run.state.clockOffsetMs = 4000;
    run.update();
    const [first, second] = replay(run.out.text()).lines;
    assert.match(first, /^Progress 8 done {2}2\.0 items\/s$/);
    assert.match(second, /ok 7 {2}failed 1/);
    assert.doesNotMatch(run.out.text(), /%|ETA|█/);
    run.finish();
  });

  it("counts only this run when the pipeline ran before (its counters are cumulative)", () => {
    const pipeline = new FakePipeline({ processed: 50, failed: 5, errorsByType: { TypeError: 5 } });
    pipeline.state.stages = { Work: { completedItems: 50, failedItems: 5 } };
    pipeline.state.workers = { "Work-W0": { stage: "Work" } };
    pipeline.state.metrics = {
      "Work-W0": { itemsProcessed: 55, itemsFailed: 5, totalProcessingTime: 55_000 },
    };
    const run = start(detailedDashboard, { isTTY: true, columns: 100 }, 3, pipeline);
    Object.assign(run.state, { processed: 52, failed: 6, errorsByType: { TypeError: 6 } });
    run.state.stages = { Work: { completedItems: 52, failedItems: 6 } };
    // All-time average 55 100 / 57 = 967 ms; this run's: 100 ms over 2 items = 50 ms.
    run.state.metrics = {
      "Work-W0": { itemsProcessed: 57, itemsFailed: 6, totalProcessingTime: 55_100 },
    };
    run.update();
    run.finish();
    const text = replay(run.out.text()).lines.join("\n");
    assert.match(text, /100\.0% {2}3\/3/);
    assert.match(text, /Work {2}busy 0\/1 {2}pending 0 {2}done 2 {2}failed 1/);
    assert.match(text, /Work-W0 +idle +2 +1 +50ms$/m);
    assert.match(text, /errors by type: TypeError 1$/m);
  });

  it("counts only this run's failures when no snapshot can be read at the end", () => {
    const pipeline = new FakePipeline({ failed: 5, errorsByType: { TypeError: 5 } });
    const run = start(progressBar, { isTTY: false }, 2, pipeline);
    Object.assign(run.state, { processed: 1, failed: 6, errorsByType: { TypeError: 6 } });
    const summary = pipeline.getErrorSummary();
    pipeline.getDashboardSnapshot = () => {
      throw new Error("snapshot unavailable");
    };
    run.finish(summary);
    assert.equal(run.out.text(), "AntFlow: finished | ok 0, failed 1\n");
  });
});

describe("compactDashboard() and detailedDashboard()", () => {
  it("compact adds busy/pending/done/failed per stage", () => {
    const run = start(compactDashboard, { isTTY: true, columns: 100 }, 10);
    run.state.stages = {
      Fetch: { pendingItems: 3, inProgressItems: 2, completedItems: 5 },
      Save: { inProgressItems: 1, completedItems: 2, failedItems: 1 },
    };
    run.state.workers = {
      "Fetch-W0": { stage: "Fetch" },
      "Fetch-W1": { stage: "Fetch" },
      "Save-W0": { stage: "Save" },
    };
    run.update();
    const lines = replay(run.out.text()).lines;
    assert.equal(lines[2], "Stages");
    assert.equal(lines[3], "  Fetch  busy 2/2  pending 3  done 5  failed 0");
    assert.equal(lines[4], "  Save   busy 1/1  pending 0  done 2  failed 1");
    run.finish();
  });

  it("detailed adds the worker table and the newest failures first", () => {
    const run = start(detailedDashboard, { isTTY: true, columns: 120, maxFailures: 2 }, 10);
    // Failures count only from the run's start: stamp them after it, however slow the machine.
    const now = Date.now() + 10;
    run.state.stages = { Fetch: { inProgressItems: 1 } };
    run.state.workers = {
      "Fetch-W0": {
        stage: "Fetch",
        status: "busy",
        currentItemId: "item-7",
        currentTask: "page 3/10",
      },
      "Fetch-W1": { stage: "Fetch" },
    };
    run.state.metrics = {
      "Fetch-W0": {
        itemsProcessed: 4,
        itemsFailed: 1,
        totalProcessingTime: 1000,
        avgProcessingTime: 250,
      },
    };
    run.state.failed = 3;
    run.state.failures = [
      failure("old", { timestamp: now + 1 }),
      failure("newest", { timestamp: now + 3, errorType: "TypeError", error: "bad", attempts: 3 }),
      failure("middle", { timestamp: now + 2 }),
    ];
    run.update();
    const lines = replay(run.out.text()).lines;
    const table = lines.indexOf("Workers");
    assert.ok(table > 0, lines.join("\n"));
    assert.match(lines[table + 1], /^ {2}Worker +Status +Item +Task +Done +Failed +Avg$/);
    assert.match(lines[table + 2], /^ {2}Fetch-W0 +busy +item-7 +page 3\/10 +4 +1 +250ms$/);
    assert.match(lines[table + 3], /^ {2}Fetch-W1 +idle +0 +0 +-$/);
    const failures = lines.indexOf("Latest failures (2 of 3)");
    assert.ok(failures > table, lines.join("\n"));
    assert.equal(lines[failures + 1], "  newest @Work TypeError: bad (3 attempts)");
    assert.equal(lines[failures + 2], "  middle @Work Error: boom (1 attempt)");
    run.finish();
  });

  it("keeps every line within the width and the frame within the height", () => {
    const workers: Record<string, { stage: string; status: "busy"; currentTask: string }> = {};
    for (let i = 0; i < 30; i++) {
      workers[`Stage-with-a-long-name-W${i}`] = {
        stage: "Stage-with-a-long-name",
        status: "busy",
        currentTask: "downloading a very long file name ".repeat(4),
      };
    }
    const run = start(detailedDashboard, { isTTY: true, columns: 50, rows: 16 }, 1000);
    run.state.stages = { "Stage-with-a-long-name": { inProgressItems: 30 } };
    run.state.workers = workers;
    run.state.failed = 1;
    run.state.failures = [failure("x".repeat(200), { error: "y".repeat(300) })];
    run.update();
    run.update();
    const frames = run.out.chunks.filter((c) => c.includes("Progress"));
    for (const frame of frames) {
      const lines = frame.replace(OWN_SEQUENCES, "").replace(/\r/g, "").split("\n");
      const shown = lines.filter((l) => l !== "");
      assert.ok(shown.length <= 15, `frame of ${shown.length} lines for 16 rows`);
      for (const line of shown) assert.ok([...line].length <= 49, `too wide: ${line}`);
    }
    const screen = replay(run.out.text()).lines;
    assert.ok(screen.some((l) => /… and \d+ more workers/.test(l)), screen.join("\n"));
    assert.ok(screen.some((l) => l.startsWith("Latest failures")), "failures keep their room");
    run.finish();
  });
});

describe("terminal displays when stderr is not a terminal", () => {
  it("print plain lines with no escape code at all, at most every plainIntervalMs", () => {
    const run = start(detailedDashboard, { isTTY: false, plainIntervalMs: 1000 }, 10);
    run.state.stages = { A: { inProgressItems: 2 } };
    run.state.workers = { "A-W0": { stage: "A", status: "busy", currentItemId: 1 } };
    run.state.processed = 2;
    run.update(); // too soon: nothing
    assert.equal(run.out.chunks.length, 0);
    run.state.clockOffsetMs = 1500;
    run.update();
    run.update(); // same time: nothing new
    assert.equal(run.out.chunks.length, 1);
    assert.match(
      run.out.chunks[0],
      /^AntFlow: 2\/10 \(20\.0%\) \| 1\.3 items\/s \| ETA 6\.0s \| ok 2, failed 0, cancelled 0, in flight 0\n$/,
    );
    Object.assign(run.state, { processed: 8, failed: 2, errorsByType: { TypeError: 2 } });
    run.finish();
    const text = run.out.text();
    assert.match(
      text,
      /AntFlow: finished 10\/10 \(100\.0%\) in .* \| ok 8, failed 2, cancelled 0\n/,
    );
    assert.match(text, /AntFlow: errors by type: TypeError 2\n$/);
    assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, "only newlines");
  });

  it("default to plain output for a custom write", () => {
    const run = start(progressBar, {}, 1);
    run.state.processed = 1;
    run.finish();
    assert.doesNotMatch(run.out.text(), /\x1b/);
    assert.match(run.out.text(), /finished 1\/1 \(100\.0%\)/);
  });
});

describe("terminal displays escape control characters in user text", () => {
  it("in item ids, task text, stage names, error types and messages", () => {
    const run = start(detailedDashboard, { isTTY: true, columns: 200 }, 3);
    run.state.stages = { "St\x1b[2Jage": { inProgressItems: 1 } };
    run.state.workers = {
      "W\x1b[1A": {
        stage: "St\x1b[2Jage",
        status: "busy",
        currentItemId: "id\x1b[31m",
        currentTask: "step\r\n\x07\x9b1A\u202e",
      },
    };
    run.state.failed = 1;
    run.state.errorsByType = { "Evil\x1b[0m": 1 };
    run.state.failures = [
      failure("f\x1b]0;title\x07", { error: "line1\nline2\x1b[H", errorType: "Evil\x1b[0m" }),
    ];
    run.update();
    run.finish();
    const text = run.out.text();
    const foreign = text.replace(/\r(?=\x1b\[2K)/g, "").replace(OWN_SEQUENCES, "");
    assert.doesNotMatch(foreign, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/, "only newlines are raw");
    for (
      const escaped of [
        "St\\x1b[2Jage",
        "W\\x1b[1A",
        "id\\x1b[31m",
        "step\\r\\n\\x07\\x9b1A\\u202e",
        "f\\x1b]0;title\\x07",
        "line1\\nline2\\x1b[H",
        "Evil\\x1b[0m",
      ]
    ) assert.ok(text.includes(escaped), `missing ${escaped}`);
  });
});

describe("terminal display options", () => {
  it("are validated with a message naming the owner, field, rule and value", () => {
    assert.throws(() => progressBar({ columns: 0 }), {
      name: "RangeError",
      message: "progressBar: columns must be an integer >= 1, got 0",
    });
    assert.throws(() => compactDashboard({ write: "stderr" as never }), {
      name: "TypeError",
      message: 'compactDashboard: write must be a function (text: string) => void, got "stderr"',
    });
    assert.throws(() => detailedDashboard({ maxFailures: -1 }), RangeError);
    assert.throws(() => detailedDashboard({ plainIntervalMs: Infinity }), RangeError);
    assert.throws(() => progressBar(null as never), TypeError);
  });
});
