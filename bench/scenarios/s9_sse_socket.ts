/**
 * Scenario 9: scenario 8 over a real socket. The routes are served by the runtime's own server
 * (`Deno.serve`, `Bun.serve`, `@hono/node-server`) and read by clients in another process of the
 * same runtime (`bench/sse_reader_child.ts`, parsing every message with the client's SSE parser
 * and checking that full streams have no gap); the clock runs from the start of the run until
 * that process reports that every stream reached the run's `runend`.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Pipeline, Stage, StatusTracker } from "../../mod.ts";
import { antflowRoutes } from "../../src/hono/mod.ts";
import { rowOf, scaledItems, setRatios } from "../harness.ts";
import { streamStages } from "../engine.ts";
import { runtimeCommand } from "../runtime.ts";
import { startServer } from "../serve.ts";
import { median, seededRandom } from "../stats.ts";
import { inc } from "../tasks.ts";
import { ratioTarget } from "../targets.ts";
import type { BenchConfig, Scenario, ScenarioResult, ThroughputRow } from "../types.ts";

const WORKERS = 8;
const CHILD = fileURLToPath(new URL("../sse_reader_child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BASELINE = "no tracker (in process)";

interface Watch {
  label: string;
  clients: number;
  mode: "full" | "summary";
}

/**
 * No row for 100 full readers: in one reading process they parse 1.5 million messages per 100 000
 * items, so the reader would be measured, not the server (and it falls behind until the server
 * cuts it off as a slow client, as it should).
 */
const WATCHES: Watch[] = [
  { label: "1 client, every event, over a socket", clients: 1, mode: "full" },
  { label: "100 clients, mode=summary, over a socket", clients: 100, mode: "summary" },
];

interface ReaderReport {
  ms: number;
  events: number;
  bytes: number;
  chunks: number;
  gaps: number;
  error?: string;
}

/** The reader process: send it a command, wait for its next line. */
function startReader(): {
  ask(line: string): Promise<string>;
  next(): Promise<string>;
  stop(): void;
} {
  const [cmd, argv] = runtimeCommand(CHILD);
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (data: string) => {
    buffered += data;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const wake = waiting.shift();
      if (wake) wake(line);
      else lines.push(line);
    }
  });
  const next = () =>
    lines.length > 0
      ? Promise.resolve(lines.shift()!)
      : new Promise<string>((resolve) => waiting.push(resolve));
  return {
    next,
    ask(line) {
      child.stdin.write(line + "\n");
      return next();
    },
    stop() {
      child.stdin.write("exit\n");
      child.stdin.end();
    },
  };
}

async function run(config: BenchConfig): Promise<ScenarioResult> {
  const started = performance.now();
  const n = scaledItems(100_000, config);
  const rounds = config.rounds ?? (config.quick ? 1 : 5);
  let app: { fetch: (request: Request) => Response | Promise<Response> } | undefined;
  const server = await startServer((request) => app!.fetch(request));
  const reader = startReader();
  const untracked = streamStages(3, WORKERS, inc);
  const samples = new Map<string, number[]>();
  const lags = new Map<string, number[]>();
  const reports = new Map<string, ReaderReport>();

  async function watched(watch: Watch, input: number[]): Promise<{ ms: number; lag: number }> {
    const tracker = new StatusTracker({ maxItems: 10_000 });
    const stages = [1, 2, 3].map((i) =>
      new Stage({ name: `S${i}`, workers: WORKERS, tasks: [inc] })
    );
    const pipeline = new Pipeline({ stages, statusTracker: tracker });
    // The reader shares the machine's cores with this process: a generous bound, so that what is
    // measured is the stream, not the slow-client cut-off (which scenario 8's tests cover).
    app = antflowRoutes({
      tracker,
      pipeline,
      maxClients: watch.clients + 1,
      maxBufferedEvents: 2_000_000,
    });
    const url = `${server.url}/events?mode=${watch.mode}`;
    const ready = await reader.ask(`${url} ${watch.clients}`);
    if (ready !== "ready") throw new Error(`Benchmark: the reader said ${ready}`);
    const start = performance.now();
    for await (const _ of pipeline.stream(input));
    const ran = performance.now();
    const report: ReaderReport = JSON.parse(await reader.next());
    const end = performance.now();
    if (report.error !== undefined) throw new Error(`Benchmark: reader: ${report.error}`);
    if (report.gaps > 0) throw new Error(`Benchmark: ${report.gaps} gaps in ${watch.label}`);
    reports.set(watch.label, report);
    return { ms: end - start, lag: end - ran };
  }

  async function once(label: string, input: number[], count: boolean): Promise<void> {
    let ms: number;
    if (label === BASELINE) {
      const start = performance.now();
      await untracked(input);
      ms = performance.now() - start;
    } else {
      const result = await watched(WATCHES.find((w) => w.label === label)!, input);
      ms = result.ms;
      if (count) lags.set(label, [...(lags.get(label) ?? []), result.lag]);
    }
    const rate = input.length / (ms / 1000);
    config.log(`  s9 ${count ? "" : "warm-up "}${label.padEnd(44)} ${Math.round(rate)} items/s`);
    if (count) samples.set(label, [...(samples.get(label) ?? []), rate]);
  }

  const labels = [BASELINE, ...WATCHES.map((w) => w.label)];
  const input = Array.from({ length: n }, (_, i) => i);
  try {
    if ((await reader.next()) !== "started") throw new Error("Benchmark: the reader did not start");
    for (const label of labels) await once(label, input.slice(0, Math.max(1, n / 10)), false);
    const random = seededRandom(0x5eed9);
    for (let round = 0; round < rounds; round++) {
      const order = [...labels].sort(() => random() - 0.5);
      for (const label of order) await once(label, input, true);
    }
  } finally {
    reader.stop();
    await server.close();
  }
  const rows: ThroughputRow[] = labels.map((label) => {
    const s = samples.get(label)!;
    return {
      label,
      items: n,
      reps: 1,
      rounds,
      samples: s.map(Math.round),
      median: Math.round(median(s)),
      min: Math.round(Math.min(...s)),
      max: Math.round(Math.max(...s)),
    };
  });
  setRatios(rows, (row, rate) => rate(row) / rate(rowOf(rows, BASELINE)));
  const notes = WATCHES.map((w) => {
    const r = reports.get(w.label)!;
    return `${w.label}: the reader got ${r.events} events in ${r.chunks} chunks ` +
      `(${Math.round(r.bytes / r.chunks)} bytes a chunk), no gap; it finished a median ` +
      `${Math.round(median(lags.get(w.label)!))} ms after the run.`;
  });
  return {
    id: 9,
    title: `Watching a run over a real socket: three stages, ${WORKERS} workers each, readers in ` +
      `another process`,
    kind: "throughput",
    ratioLabel: "row ÷ no tracker",
    rows,
    targets: [
      ratioTarget(rowOf(rows, WATCHES[0].label), `${WATCHES[0].label} ÷ no tracker`, 0.25),
      ratioTarget(rowOf(rows, WATCHES[1].label), `${WATCHES[1].label} ÷ no tracker`, 0.3),
    ],
    notes: [
      ...notes,
      "No row for 100 full clients: one reading process would parse 1.5 million messages per " +
      "100 000 items and be what is measured (scenario 8 has that row in process).",
      "`maxBufferedEvents: 2 000 000` (more than a run's 1.5 million messages): the reading " +
      "process shares the cores with the server and parses every message, so the server can get " +
      "far ahead of it, and a full stream it falls behind on would otherwise be cut off as a slow " +
      "client (by design).",
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

/** Scenario 9. */
export const watchedOverSocket: Scenario = { id: 9, title: "watching a run over a socket", run };
