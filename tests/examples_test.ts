import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runScript, type ScriptRun } from "./support/run_script.ts";

const example = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

/** Runs an example with the current runtime and checks that it exited by itself with code 0. */
async function runExample(name: string, args: string[] = []): Promise<ScriptRun> {
  const run = await runScript(example(name), args);
  assert.equal(run.code, 0, `${name} exited with ${run.code}\n${run.stderr}\n${run.stdout}`);
  return run;
}

/** The first capture of `pattern` in `text`, or an assertion failure showing the text. */
function capture(text: string, pattern: RegExp): string {
  const match = pattern.exec(text);
  assert.ok(match, `expected ${pattern} in:\n${text}`);
  return match[1];
}

/** A line of space- or comma-separated numbers as numbers. */
function numbers(list: string): number[] {
  return list.split(/[\s,]+/).filter(Boolean).map(Number);
}

describe("examples run as written", () => {
  it("status_tracker.ts: the seed's StatusTracker example (alerts, getStatus(123), worker states)", async () => {
    const { stdout } = await runExample("status_tracker.ts");
    assert.match(stdout, /ALERT: item 7 failed in Fetch: record 7 not found/);
    assert.equal(stdout.match(/^ALERT:/gm)?.length, 4);
    assert.match(stdout, /196 items succeeded/);
    assert.match(stdout, /Item 123: completed in Parse \(worker Parse-W\d\)/);
    assert.match(stdout, /^Fetch-W4: idle$/m);
    assert.match(stdout, /^Parse-W1: idle$/m);
  });

  it("quickstart.ts: the three ways to build a pipeline give the same results in input order", async () => {
    const { stdout } = await runExample("quickstart.ts", ["--items", "6"]);
    const first3 = '"#1 USER-1", "#2 USER-2", "#3 USER-3"';
    for (
      const title of [
        "1. new Pipeline({ stages })",
        "2. Pipeline.create().add()",
        "3. Pipeline.quick()",
      ]
    ) {
      assert.ok(
        stdout.includes(`${title}: 6 results, in input order: ${first3}, ...`),
        `missing ${title} in:\n${stdout}`,
      );
    }
    const finished = numbers(capture(stdout, /fetches finished in the order ([\d, ]+)\)/));
    assert.deepEqual([...finished].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
    assert.notDeepEqual(finished, [1, 2, 3, 4, 5, 6], "later ids answer faster: out of order");
    assert.match(stdout, /^All three agree: true$/m);
  });

  it("multi_stage_etl.ts: retries with backoff, validation failures, tracker summary and progress bar", async () => {
    const n = 40;
    const { stdout, stderr } = await runExample("multi_stage_etl.ts", ["--items", String(n)]);
    // The example's rules: id % 17 === 16 is gone (3 attempts), id % 5 === 3 fails once,
    // id % 13 === 0 is invalid (no retry).
    const ids = Array.from({ length: n }, (_, i) => i);
    const gone = ids.filter((i) => i % 17 === 16);
    const transient = ids.filter((i) => i % 5 === 3 && i % 17 !== 16);
    const invalid = ids.filter((i) => i % 13 === 0 && i % 17 !== 16);
    const loaded = n - gone.length - invalid.length;
    const failed = gone.length + invalid.length;
    assert.match(
      stdout,
      new RegExp(`^Loaded ${loaded} of ${n} records into the warehouse \\(${loaded} rows\\)$`, "m"),
    );
    assert.match(stdout, new RegExp(`^Retries: ${transient.length + gone.length * 2}$`, "m"));
    assert.match(
      stdout,
      new RegExp(`^Tracker: completed ${loaded}, failed ${failed}, cancelled 0$`, "m"),
    );
    assert.match(
      stdout,
      new RegExp(`^  Extract: ${n - gone.length} passed, ${gone.length} failed$`, "m"),
    );
    assert.match(
      stdout,
      new RegExp(`^  Transform: ${loaded} passed, ${invalid.length} failed$`, "m"),
    );
    assert.match(stdout, new RegExp(`^  Load: ${loaded} passed, 0 failed$`, "m"));
    assert.match(stdout, new RegExp(`^ErrorSummary: ${failed} failed items$`, "m"));
    assert.match(stdout, new RegExp(`^  ValidationError: ${invalid.length}$`, "m"));
    assert.match(
      stdout,
      /^ {2}item 16: Error in Extract after 3 attempt\(s\): source: record 16 is gone$/m,
    );
    assert.match(
      stdout,
      /^ {2}item 13: ValidationError in Transform after 1 attempt\(s\): record 13: score out of range$/m,
    );
    // The progress bar writes to stderr; not a terminal here, so plain lines and no escape codes.
    assert.match(stderr, new RegExp(`AntFlow: finished ${n}/${n} \\(100\\.0%\\)`));
    assert.match(stderr, new RegExp(`ok ${loaded}, failed ${failed}, cancelled 0`));
    assert.ok(!stderr.includes("\x1b["), stderr);
  });

  it("batch_api_simulation.ts: upload quota, exact cap on jobs polled (pull stage), polling status", async () => {
    const n = 12;
    const { stdout } = await runExample("batch_api_simulation.ts", ["--items", String(n)]);
    assert.match(stdout, new RegExp(`^Saved ${n} of ${n} batches \\(${n} results\\)`, "m"));
    // Mid-run worker states: a Poll worker shows its setStatus() text.
    assert.match(stdout, /^--- worker states at \d+ ms ---$/m);
    assert.match(stdout, /^Poll-W\d\s+busy\s+item \d+: polling job-\d+ \(attempt 3\)$/m);
    assert.match(stdout, /^Upload-W\d\s+(busy|idle)/m);
    // At most 8 uploads per simulated minute: 12 uploads need two of them.
    const perMinute = numbers(
      capture(stdout, /^Uploads per simulated minute: ([\d ]+) \(quota 8\)$/m),
    );
    assert.equal(perMinute.reduce((a, b) => a + b, 0), n);
    assert.ok(perMinute.length >= 2, `12 uploads fit no single minute: ${perMinute}`);
    assert.ok(perMinute.every((c) => c <= 8), `quota exceeded: ${perMinute}`);
    // The pull stage: exactly 4 jobs polled at once, and at most one job per Upload worker waits.
    assert.match(stdout, /^Max jobs polled at once: 4 \(Poll workers: 4\)$/m);
    const waiting = Number(
      capture(stdout, /^Max jobs uploaded and waiting for a Poll worker: (\d+)$/m),
    );
    assert.ok(waiting >= 1 && waiting <= 4, `waiting ${waiting}`);
    const checks = Number(capture(stdout, /^Status checks: (\d+) /m));
    assert.ok(checks >= n, `every job is checked at least once, got ${checks}`);
    // Every 7th download call fails once and is retried: 13 calls for 12 jobs, one retry.
    assert.match(stdout, /^Download retries: 1$/m);
    assert.match(stdout, /^No errors occurred$/m);
  });

  it("streaming_results.ts: results in completion order, failures as results, break cancels the rest", async () => {
    const { stdout } = await runExample("streaming_results.ts", [
      "--items",
      "60",
      "--stop-after",
      "10",
    ]);
    const lines = stdout.split("\n").filter((l) => l.startsWith("#"));
    assert.equal(lines.length, 10);
    const failures = lines.filter((l) => l.includes("FAILED"));
    for (const line of failures) {
      const [, id, n] = /^#\d+ item (\d+) FAILED: no data for (\d+)$/.exec(line) ?? [];
      assert.equal(id, n, line);
      assert.equal(Number(n) % 10, 7, line);
    }
    for (const line of lines.filter((l) => !l.includes("FAILED"))) {
      const [, id, square] = /^#\d+ item (\d+) -> square (\d+)$/.exec(line) ?? [];
      assert.equal(Number(square), Number(id) ** 2, line);
    }
    assert.match(stdout, /^Got 10 results, stopping early\.$/m);
    assert.match(
      stdout,
      new RegExp(`^Received 10 results, ${failures.length} of them failures$`, "m"),
    );
    const [, processed, failed, cancelled, inFlight] =
      /^Stats: processed (\d+), failed (\d+), cancelled (\d+), in flight (\d+)$/m.exec(stdout) ??
        [];
    assert.equal(inFlight, "0", stdout);
    assert.ok(Number(processed) + Number(failed) >= 10, stdout);
    assert.ok(Number(cancelled) >= 1, `the items still in the pipeline are cancelled:\n${stdout}`);
    const taken = Number(processed) + Number(failed) + Number(cancelled);
    assert.match(
      stdout,
      new RegExp(
        `^Taken from the input: ${taken} of 60; the other ${60 - taken} were never read$`,
        "m",
      ),
    );
    assert.ok(taken < 60, "the input is read only as the pipeline has room");
  });

  it("priority_and_injection.ts: urgent items overtake routine ones, injected items skip stages", async () => {
    const { stdout } = await runExample("priority_and_injection.ts");
    const order = (stage: string): string[] =>
      capture(stdout, new RegExp(`^${stage}\\s+handled: (.*)$`, "m")).split(", ");
    const parse = order("Parse");
    const enrich = order("Enrich");
    const store = order("Store");
    for (const urgent of ["urgent-1", "urgent-2"]) {
      // Fed 50 ms after the routine batch, they still go before the routine items left waiting...
      assert.ok(parse.indexOf(urgent) < parse.indexOf("normal-4"), parse.join());
      // ...and keep their priority downstream, overtaking items already queued for Enrich.
      assert.ok(enrich.indexOf(urgent) < enrich.indexOf("normal-2"), enrich.join());
    }
    assert.equal(parse.length, 7);
    assert.ok(!parse.includes("ready-1") && !enrich.includes("ready-1"), "injected into Store");
    assert.equal(store[0], "ready-1");
    assert.equal(store.length, 8);
    assert.match(stdout, /^ {2}0: normal-1 \+parsed \+enriched \+stored$/m);
    assert.match(stdout, /^ {2}5: ready-1 \(parsed and enriched elsewhere\) \+stored$/m);
    assert.match(stdout, /^ {2}7: urgent-2 \+parsed \+enriched \+stored$/m);
  });

  it("rate_limited_api.ts: calls per window stay under callRate, callConcurrency caps calls, fallbacks", async () => {
    const n = 12;
    const { stdout } = await runExample("rate_limited_api.ts", ["--items", String(n)]);
    assert.match(stdout, new RegExp(`^${n} of ${n} items done in \\d+ ms$`, "m"));
    const search = numbers(capture(stdout, /^Search: 12 calls; per 100 ms window: ([\d ]+) \(/m));
    assert.equal(search.reduce((a, b) => a + b, 0), n);
    assert.ok(search.every((c) => c <= 5), `callRate 5 exceeded: ${search}`);
    assert.ok(search.length >= 3, `12 calls at 5 per window need 3 windows: ${search}`);
    assert.match(stdout, /^Download: at most 2 downloads at once \(callConcurrency 2\)/m);
    const [, premium, fallbacks] = /^Enrich: (\d+) premium calls, (\d+) fallbacks;/m.exec(stdout) ??
      [];
    assert.equal(Number(premium) + Number(fallbacks), n);
    assert.ok(Number(premium) >= 3 && Number(fallbacks) >= 1, stdout);
    const windows = numbers(capture(stdout, /premium calls per 100 ms window: ([\d ]+) \(/m));
    assert.equal(windows.reduce((a, b) => a + b, 0), Number(premium));
    assert.ok(windows.every((c) => c <= 3), `callRate 3 exceeded: ${windows}`);
  });

  it("executor.ts: submit, map, mapIter, asCompleted, wait, shared Semaphore, shutdown", async () => {
    const { stdout } = await runExample("executor.ts");
    const expected = [
      "1. submit/result: <home>",
      "   with retries: ok on attempt 3",
      "2. map: 3, 6, 5, 7",
      "3. mapIter: 1, 4, 9, 16, 25",
      "4. asCompleted: <fast>, <medium>, <slow>",
      "5. wait(FIRST_COMPLETED): <mirror-eu>; cancelled: AbortError",
      "6. shared Semaphore: 9 queries, at most 2 at once",
      "7. shutdown({ cancelFutures: true }): 3 of 3 cancelled",
      "   submit after shutdown: ExecutorShutdownError",
    ];
    for (const line of expected) {
      assert.ok(stdout.includes(`${line}\n`), `missing ${line} in:\n${stdout}`);
    }
    // The cancelled 2 s mirror stopped at once, so the block did not wait for it.
    const blockMs = Number(capture(stdout, /shut down at the end of its block, after (\d+) ms/));
    assert.ok(blockMs < 1_500, `block took ${blockMs} ms`);
  });
});
