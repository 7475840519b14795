/**
 * Watches a running AntFlow pipeline from another process: connects a `RemoteTracker` to the
 * server's event stream and prints a live summary line (counts by status, busy workers, events
 * per second), a line when a run starts or ends, and what happens to the connection: it says at
 * once when it cannot reach the server, prints a line per retry (at most 5 s apart) and carries on
 * when the server appears. Stops cleanly on Ctrl-C, or after `--seconds N`.
 *
 *   deno run -A examples/remote_watch.ts [url] [--seconds N]
 *   node examples/remote_watch.ts [url] [--seconds N]
 *   bun examples/remote_watch.ts [url] [--seconds N]
 *
 * The URL defaults to `$ANTFLOW_URL`, then `http://localhost:8787/antflow/events` (the demo
 * server).
 */
import {
  RemoteTracker,
  type RunEvent,
  type SnapshotJSON,
  type StatusType,
} from "../src/client/mod.ts";

// ---- the few runtime facts a CLI needs, feature-detected ----
interface DenoLike {
  args: string[];
  env: { get(name: string): string | undefined };
  stdout: { isTerminal(): boolean; writeSync(bytes: Uint8Array): number };
  addSignalListener(signal: "SIGINT", handler: () => void): void;
  removeSignalListener(signal: "SIGINT", handler: () => void): void;
  exitCode: number;
}
interface ProcessLike {
  argv: string[];
  env: Record<string, string | undefined>;
  stdout: { isTTY?: boolean; write(text: string): boolean };
  once(signal: "SIGINT", handler: () => void): void;
  off(signal: "SIGINT", handler: () => void): void;
  exitCode?: number;
}
const deno = (globalThis as { Deno?: DenoLike }).Deno;
const proc = (globalThis as { process?: ProcessLike }).process;
const args = deno?.args ?? proc?.argv.slice(2) ?? [];
const env = (name: string): string | undefined => deno?.env.get(name) ?? proc?.env[name];
const isTerminal = deno?.stdout.isTerminal() ?? proc?.stdout.isTTY ?? false;

function write(text: string): void {
  if (deno !== undefined) deno.stdout.writeSync(new TextEncoder().encode(text));
  else if (proc !== undefined) proc.stdout.write(text);
  else console.log(text);
}

function onInterrupt(handler: () => void): () => void {
  if (deno !== undefined) {
    deno.addSignalListener("SIGINT", handler);
    return () => deno.removeSignalListener("SIGINT", handler);
  }
  proc?.once("SIGINT", handler);
  return () => proc?.off("SIGINT", handler);
}

function fail(message: string): void {
  console.error(message);
  if (deno !== undefined) deno.exitCode = 1;
  else if (proc !== undefined) proc.exitCode = 1;
}

// ---- the watcher ----
async function watch(url: string, seconds: number | undefined): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  const removeInterrupt = onInterrupt(stop);
  const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
  // Retry every 1 s at first, backing off to at most every 5 s while the server is away.
  const remote = new RemoteTracker(url, {
    signal: controller.signal,
    retryMs: 1000,
    maxRetryMs: 5000,
  });
  let events = 0;
  remote.addEventListener("status", () => events++);
  const started = performance.now();
  const print = (final: boolean): void => {
    const rate = events / Math.max(0.001, (performance.now() - started) / 1000);
    const line = summary(remote.getStats(), remote.snapshot, rate);
    if (isTerminal && !final) write(`\r\x1b[K${line}`);
    else write(`${isTerminal ? "\r\x1b[K" : ""}${line}\n`);
  };
  /** A line of its own (on a terminal, above the summary line, which the ticker redraws). */
  const say = (text: string): void => write(`${isTerminal ? "\r\x1b[K" : ""}${text}\n`);
  remote.addEventListener("connectionerror", (e) => {
    const { message, attempt, retryInMs } = e.detail;
    // Giving up (an HTTP error, say) rejects `closed`: reported below, with the exit code.
    if (retryInMs !== null) {
      say(`${message} (attempt ${attempt}; retrying in ${(retryInMs / 1000).toFixed(1)} s)`);
    }
  });
  remote.addEventListener("open", (e) => {
    const after = e.detail.failedAttempts;
    say(`connected to ${url}${after > 0 ? ` after ${after} failed attempts` : ""}`);
  });
  remote.addEventListener("runstart", (e) => say(`run ${e.detail.runId.slice(0, 8)} started`));
  remote.addEventListener("runend", (e) => say(runEnded(e.detail)));
  write(`watching ${url}${seconds === undefined ? " (Ctrl-C to stop)" : ` for ${seconds} s`}\n`);
  let ticker: ReturnType<typeof setInterval> | undefined;
  try {
    await remote.ready;
    print(false);
    ticker = setInterval(() => print(false), 500);
    await remote.closed;
  } catch (error) {
    if (!controller.signal.aborted) fail(`remote_watch: ${(error as Error).message ?? error}`);
  } finally {
    clearInterval(ticker);
    clearTimeout(timer);
    removeInterrupt();
    await remote.close();
  }
  if (remote.snapshot !== undefined) print(true);
}

function runEnded(run: RunEvent): string {
  const { completed, failed, skipped, cancelled } = run.counts;
  const took = ((run.endedAt ?? Date.now()) - run.startedAt) / 1000;
  return `run ${run.runId.slice(0, 8)} ended in ${took.toFixed(1)} s: ${completed} completed, ` +
    `${failed} failed, ${skipped} skipped, ${cancelled} cancelled`;
}

const SHOWN: [StatusType, string][] = [
  ["queued", "queued"],
  ["in_progress", "running"],
  ["retrying", "retrying"],
  ["completed", "done"],
  ["skipped", "skipped"],
  ["failed", "failed"],
  ["cancelled", "cancelled"],
];

function summary(
  stats: Record<StatusType, number>,
  snapshot: SnapshotJSON | undefined,
  rate: number,
): string {
  const counts = SHOWN.map(([status, label]) => `${label} ${stats[status]}`).join("  ");
  const workers = Object.values(snapshot?.pipeline?.workerStates ?? {});
  const busy = workers.filter((w) => w.status === "busy").length;
  const pool = workers.length === 0 ? "" : ` | workers ${busy}/${workers.length} busy`;
  return `${counts}${pool} | ${rate.toFixed(1)} events/s`;
}

// ---- arguments ----
let url = env("ANTFLOW_URL") ?? "http://localhost:8787/antflow/events";
let seconds: number | undefined;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--seconds") seconds = Number(args[++i]);
  else url = args[i];
}
if (seconds !== undefined && !(seconds > 0)) {
  fail(`remote_watch: --seconds must be a number > 0, got ${args[args.indexOf("--seconds") + 1]}`);
} else {
  await watch(url, seconds);
}
