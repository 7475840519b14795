/**
 * A worker process of the kill tests: works every stage of `squareThenLabel` for the pipeline
 * named in argv, printing `ready` once started and `run <stage> <n>` as each task starts (so the
 * test counts executions; with `ends`, also `end <stage> <n>` as each task ends). Runs until
 * killed, or SIGTERM (then closes gracefully). Its lines are written synchronously, so none is
 * lost when the process is killed.
 *
 * With a `holdAs` token, a message on `antflow-bench.<name>.hold.<holdAs>` makes it print
 * `held <JSON of cluster.holding()>` and then block its event loop for good (so nothing it holds
 * changes, and no acknowledgement or publish leaves it, until the `kill -9` that follows).
 *
 * Usage: nats_worker_fixture.ts <server url> <pipeline name> <task delay ms> [ackWaitMs] [ends|-]
 *   [holdAs]
 */
import { writeSync } from "node:fs";
import { natsPipeline } from "../../src/nats/mod.ts";
import { connectTo, squareThenLabel } from "./nats_fixtures.ts";
import { closeOnSigterm, workerArgs } from "./worker_process.ts";

const [url, name, delay, ackWait, printEnds, holdAs] = workerArgs();
const ends = printEnds === "ends";
const nc = await connectTo(url);
const encoder = new TextEncoder();
/** Writes to stdout now (a pipe may be non-blocking: retried until all is written). */
const writeNow = (text: string) => {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(1, bytes));
    } catch (error) {
      if ((error as { code?: string }).code !== "EAGAIN") throw error;
    }
  }
};
const lines: string[] = [];
let flushing = false;
const out = (line: string) => {
  lines.push(line);
  if (flushing) return;
  flushing = true;
  queueMicrotask(() => {
    flushing = false;
    if (lines.length > 0) writeNow(lines.join("\n") + "\n");
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
if (holdAs !== undefined) {
  nc.subscribe(`antflow-bench.${name}.hold.${holdAs}`, {
    callback: () => {
      const held = JSON.stringify(cluster.holding());
      writeNow(lines.map((line) => line + "\n").join("") + `held ${held}\n`);
      lines.length = 0;
      for (;;) performance.now(); // blocked until kill -9: nothing held changes, nothing is sent
    },
  });
}
out("ready");
closeOnSigterm(cluster, nc);
