import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type Served, served } from "./support/client_fixtures.ts";
import { runtime, serve } from "./support/client_http.ts";

const example = fileURLToPath(new URL("../examples/remote_watch.ts", import.meta.url));

interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the example with the runtime running the tests; `onOutput` sees stdout as it grows (and may
 * signal the child). On Deno it uses `Deno.Command`, whose exit status is exact after a signal
 * (Deno's node:child_process reports the signal sent even when the child handled it).
 */
function runExample(
  args: string[],
  onOutput: (stdout: string, kill: (signal: "SIGINT") => void) => void = () => {},
  timeoutMs = 15_000,
): Promise<Outcome> {
  const env = { NO_COLOR: "1", ANTFLOW_URL: "" };
  const child = runtime === "deno"
    ? spawnDeno(["run", "-A", example, ...args], env)
    : spawnNode([example, ...args], env);
  let stdout = "";
  child.onStdout((text) => {
    stdout += text;
    onOutput(stdout, child.kill);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the example did not exit within ${timeoutMs} ms:\n${stdout}`));
    }, timeoutMs);
  });
  return Promise.race([child.done, timeout]).then((outcome) => {
    clearTimeout(timer);
    return { ...outcome, stdout };
  });
}

interface Child {
  onStdout(listener: (text: string) => void): void;
  kill(signal: "SIGINT" | "SIGKILL"): void;
  done: Promise<Omit<Outcome, "stdout">>;
}

function spawnNode(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => stderr += text);
  return {
    onStdout: (listener) => child.stdout!.on("data", listener),
    kill: (signal) => child.kill(signal),
    done: new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stderr }));
    }),
  };
}

interface DenoCommand {
  Command: new (cmd: string, options: object) => {
    spawn(): {
      stdout: ReadableStream<Uint8Array>;
      stderr: ReadableStream<Uint8Array>;
      kill(signal: string): void;
      status: Promise<{ code: number; signal: string | null }>;
    };
  };
  execPath(): string;
}

function spawnDeno(args: string[], env: Record<string, string>): Child {
  const deno = (globalThis as unknown as { Deno: DenoCommand }).Deno;
  const child = new deno.Command(deno.execPath(), {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const listeners: ((text: string) => void)[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>, each: (text: string) => void) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) each(text);
  };
  let stderr = "";
  const pumped = Promise.all([
    pump(child.stdout, (text) => listeners.forEach((listener) => listener(text))),
    pump(child.stderr, (text) => stderr += text),
  ]);
  return {
    onStdout: (listener) => listeners.push(listener),
    kill: (signal) => {
      try {
        child.kill(signal);
      } catch {
        // already exited
      }
    },
    done: Promise.all([child.status, pumped]).then(([status]) => ({
      code: status.code,
      signal: status.signal,
      stderr,
    })),
  };
}

const SUMMARY = /queued \d+ {2}running \d+ {2}retrying \d+ {2}done \d+ .*\| workers \d+\/5 busy \|/;

describe("examples/remote_watch.ts", () => {
  it("prints live summary lines and stops after --seconds", async () => {
    const s = await served({ snapshotMs: 50, taskMs: 30 });
    const stop = new AbortController();
    const run = s.pipeline.run(Array.from({ length: 400 }, (_, i) => i), { signal: stop.signal })
      .catch(() => {});
    try {
      const start = performance.now();
      const outcome = await runExample([s.url, "--seconds", "1.5"]);
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.match(outcome.stdout, new RegExp(`^watching ${s.url} for 1.5 s\n`));
      const lines = outcome.stdout.split("\n").filter((line) => SUMMARY.test(line));
      assert.ok(lines.length >= 2, outcome.stdout);
      assert.ok(performance.now() - start < 12_000);
    } finally {
      stop.abort();
      await run;
      await s.close();
    }
  });

  it("exits cleanly (code 0) on Ctrl-C", async () => {
    const s = await served({ snapshotMs: 50 });
    try {
      let sent = false;
      const outcome = await runExample([s.url], (stdout, kill) => {
        if (!sent && SUMMARY.test(stdout)) {
          sent = true;
          kill("SIGINT");
        }
      });
      assert.ok(sent, outcome.stdout);
      assert.equal(outcome.signal, null);
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.equal(s.hub.connections, 0);
    } finally {
      await s.close();
    }
  });

  it("exits with code 1 and the server's answer when the stream fails", async () => {
    const s = await served();
    s.hub.override = () => new Response("no", { status: 500 });
    try {
      const outcome = await runExample([s.url, "--seconds", "5"]);
      assert.equal(outcome.code, 1);
      assert.match(outcome.stderr, /remote_watch: RemoteTracker: .* answered HTTP 500/);
    } finally {
      await s.close();
    }
  });

  it("says within 5 s that it cannot reach a server, retries visibly, then works once one appears", async () => {
    // A port nothing listens on (the server that had it is closed) until the test serves on it.
    const probe = await serve(() => new Response(null, { status: 204 }));
    const port = Number(new URL(probe.origin).port);
    await probe.close();
    const url = `http://127.0.0.1:${port}/antflow/events`;
    const cannotReach = `could not connect to ${url}: `;
    let watchingAt = 0;
    let reportedAt = 0;
    let server: Promise<Served> | undefined;
    let sent = false;
    const outcome = await runExample([url], (stdout, kill) => {
      if (watchingAt === 0 && stdout.includes("watching ")) watchingAt = performance.now();
      if (reportedAt === 0 && stdout.includes(cannotReach)) reportedAt = performance.now();
      // A second report is a retry made visible; then the server appears.
      if (server === undefined && stdout.split(cannotReach).length > 2) {
        server = served({ port, snapshotMs: 50 });
      }
      if (!sent && server !== undefined && SUMMARY.test(stdout)) {
        sent = true;
        kill("SIGINT");
      }
    }, 30_000);
    try {
      assert.ok(server !== undefined, outcome.stdout);
      assert.ok(reportedAt > 0 && reportedAt - watchingAt < 5000, `${reportedAt - watchingAt} ms`);
      const reports = outcome.stdout.split("\n").filter((line) => line.startsWith(cannotReach));
      assert.ok(reports.length >= 2, outcome.stdout);
      assert.match(reports[0], /\(attempt 1; retrying in \d+\.\d s\)$/);
      assert.match(reports[1], /\(attempt 2; retrying in \d+\.\d s\)$/);
      assert.match(
        outcome.stdout,
        new RegExp(`connected to ${escape(url)} after \\d+ failed attempts`),
      );
      assert.ok(sent, outcome.stdout);
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.doesNotMatch(outcome.stderr, /threw/);
    } finally {
      await (await server)?.close();
    }
  });

  it("prints a line when a run starts and when it ends, with its counts", async () => {
    const s = await served({ snapshotMs: 50, taskMs: 1 });
    try {
      let run: Promise<unknown> | undefined;
      let sent = false;
      const outcome = await runExample([s.url], (stdout, kill) => {
        if (run === undefined && SUMMARY.test(stdout)) run = s.pipeline.run(range(20));
        if (!sent && / ended in /.test(stdout)) {
          sent = true;
          kill("SIGINT");
        }
      });
      await run;
      assert.equal(outcome.code, 0, outcome.stderr);
      const [ran] = s.tracker.getRuns();
      const id = ran.runId.slice(0, 8);
      const { completed, failed } = ran.counts;
      assert.equal(completed + failed, 20);
      assert.match(outcome.stdout, new RegExp(`^run ${id} started$`, "m"));
      assert.match(
        outcome.stdout,
        new RegExp(
          `^run ${id} ended in \\d+\\.\\d s: ${completed} completed, ${failed} failed, ` +
            "0 skipped, 0 cancelled$",
          "m",
        ),
      );
    } finally {
      await s.close();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
