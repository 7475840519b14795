/**
 * A worker process of the kill tests: works every stage of `squareThenLabel` for the pipeline
 * named in argv, printing `ready` once started and `run <stage> <n>` as each task starts (so the
 * test counts executions; with `ends`, also `end <stage> <n>` as each task ends). Runs until
 * killed, or SIGTERM (then closes gracefully).
 *
 * Usage: nats_worker_fixture.ts <server url> <pipeline name> <task delay ms> [ackWaitMs] [ends]
 */
import { natsPipeline } from "../../src/nats/mod.ts";
import { connectTo, squareThenLabel } from "./nats_fixtures.ts";

const g = globalThis as unknown as {
  Deno?: { args: string[] };
  process: {
    argv: string[];
    stdout: { write(s: string): boolean };
    on(signal: string, f: () => void): void;
    exit(code: number): void;
  };
};
const args = g.Deno?.args ?? g.process.argv.slice(2);
const [url, name, delay, ackWait, printEnds] = args;
const ends = printEnds === "ends";
const nc = await connectTo(url);
const lines: string[] = [];
let flushing = false;
const out = (line: string) => {
  lines.push(line);
  if (flushing) return;
  flushing = true;
  queueMicrotask(() => {
    flushing = false;
    g.process.stdout.write(lines.join("\n") + "\n");
    lines.length = 0;
  });
};
const cluster = await natsPipeline(
  nc,
  squareThenLabel({
    delayMs: Number(delay),
    onRun: (stage, n) => out(`run ${stage} ${n}`),
    onEnd: ends ? (stage, n) => out(`end ${stage} ${n}`) : undefined,
  }),
  { name, ackWaitMs: Number(ackWait || 2000) },
);
out("ready");
g.process.on("SIGTERM", async () => {
  await cluster.close();
  await nc.close();
  g.process.exit(0);
});
