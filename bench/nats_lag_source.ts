/**
 * The event source of `bench/nats_lag.ts`: a tracker tapped by the cluster view's event publisher
 * (exactly what `natsPipeline(…, { publishEvents })` attaches), fed status events at a steady rate
 * (each item: queued, in_progress, completed), for a number of seconds. Prints `ready`, then
 * `done <events>` when it has published them all and the stream acknowledged them.
 *
 * Usage: nats_lag_source.ts <nats url> <pipeline name> <events per second> <seconds>
 */
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { StatusTracker } from "../mod.ts";
import { tapTracker, trackerSink } from "../src/tracker/status_tracker.ts";
import type { TrackedItem } from "../src/tracker/sink.ts";
import { natsLayout } from "../src/nats/layout.ts";
import { EventPublisher } from "../src/nats/cluster/event_publisher.ts";
import { ensureEventStreams, VIEWER_DEFAULTS } from "../src/nats/cluster/provision.ts";
import { eventsLayout } from "../src/nats/cluster/wire.ts";

const g = globalThis as unknown as {
  Deno?: { args: string[] };
  process: { argv: string[]; stdout: { write(s: string): boolean }; exit(code: number): void };
};
const [url, name, rateArg, secondsArg] = g.Deno?.args ?? g.process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const nc = await connect({ servers: url });
const layout = eventsLayout(natsLayout(name));
await ensureEventStreams(await jetstreamManager(nc), layout, VIEWER_DEFAULTS, false);
const tracker = new StatusTracker({ maxItems: 1000 });
const tap = new EventPublisher(nc, {
  layout,
  process: "source",
  stages: ["Fetch"],
  exposeValues: false,
  tasks: false,
  timeoutMs: 10_000,
  report: (error) => console.error(error),
});
tapTracker(tracker, tap);
const sink = trackerSink(tracker);
const stage = sink.nameRef("Fetch");
const origin = { stageRef: stage, workerRef: sink.nameRef("Fetch-W0") };
const queuedOrigin = { stageRef: stage, workerRef: sink.nameRef(null) };
g.process.stdout.write("ready\n");

const total = Math.round(rate * seconds);
const started = performance.now();
let sent = 0;
let item: TrackedItem = { id: 0, done: false, trackerRecord: undefined };
while (sent < total) {
  const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
  for (; sent < due; sent++) {
    const step = sent % 3;
    if (step === 0) item = { id: sent / 3, done: false, trackerRecord: undefined };
    if (step === 2) (item as { done: boolean }).done = true;
    sink.status(
      item,
      step === 0 ? 0 : step,
      step === 0 ? queuedOrigin : origin,
      undefined,
      Date.now(),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 2));
}
while (tap.pending > 0) await new Promise((resolve) => setTimeout(resolve, 20));
const cpu = (g.process as unknown as { cpuUsage(): { user: number; system: number } }).cpuUsage();
g.process.stdout.write(`done ${sent} cpu ${Math.round(cpu.user + cpu.system)}\n`);
tap.close();
await nc.close();
g.process.exit(0);
