/**
 * The two processes of the SSE fan-out test, so that server and clients each get a core and run
 * outside the test runner (node:test tracks every promise a test creates: millions of them here).
 *
 *   reliability_sse_fanout_fixture.ts server <items>
 *     Serves antflowRoutes for a 1-stage pipeline on 127.0.0.1; prints {"url"}. On the stdin line
 *     "run" it runs <items> items and prints {"ran"} with the expected terminal-event sequence of
 *     every client (count, last id, hash). Exits when stdin closes.
 *
 *   reliability_sse_fanout_fixture.ts clients <url> <clients> <items> <waitMs>
 *     Opens <clients> streams with types=status&status=completed,failed, prints {"connected"},
 *     waits (up to <waitMs>) until every client has <items> events (or a bad id, or its stream
 *     closed), prints {"received"} with how many clients ended which way, and exits.
 *
 * Messages are JSON lines on stdout.
 */
import process from "node:process";
import { createInterface } from "node:readline";
import { Hono } from "hono";
import { Pipeline, Stage, StatusTracker } from "../../../mod.ts";
import { antflowRoutes } from "../../../src/hono/mod.ts";
import { EVENT_TYPES, range } from "../../support/hono_fixture.ts";
import { startServer } from "../../support/hono_servers.ts";
import { BlockCounter, openCountingStream } from "./reliability_sse_sinks.ts";
import type { RawStream } from "./reliability_sse_raw_client.ts";

/** The filter every client uses: one terminal status event per item. */
const FANOUT_QUERY = "types=status&status=completed,failed";

/** Items that fail (so both terminal statuses occur). */
function fails(n: number): boolean {
  return n % 97 === 5;
}

function say(message: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(message) + "\n");
}

function heapMB(): number {
  return Math.round(process.memoryUsage().heapUsed / 1e6);
}

async function serve(items: number): Promise<void> {
  const tracker = new StatusTracker();
  // The hub numbers tracker events 1, 2, … in dispatch order: the same count here tells which
  // ids the clients' filter keeps.
  let id = 0;
  let count = 0;
  let lastId = 0;
  let hash = 0;
  const record = (e: Event): void => {
    id++;
    const status = e.type === "status" ? (e as CustomEvent).detail.status : "";
    if (status === "completed" || status === "failed") {
      count++;
      hash = BlockCounter.mix(hash, id);
      lastId = id;
    }
  };
  for (const type of EVENT_TYPES) tracker.addEventListener(type, record);
  const pipeline = new Pipeline({
    statusTracker: tracker,
    stages: [
      new Stage({
        name: "S",
        workers: 8,
        taskAttempts: 1, // a failure is final at once: the run is as fast as the engine goes
        tasks: [async function work(n: number) {
          // Settles in a microtask: the engine itself gives the event loop a turn every ~10 ms,
          // so the server writes to the clients during the run, not only after it.
          if (fails(n)) throw new Error(`item ${n} fails`);
          return n;
        }],
      }),
    ],
  });
  const app = new Hono();
  app.route(
    "/antflow",
    antflowRoutes({
      tracker,
      pipeline,
      maxClients: 100_000,
      // The server's own CPU is the bottleneck here (one core writes every message to a
      // thousand clients), so a client can fall more than the default 10 000 messages behind
      // for longer than the grace through no fault of its own. The bound itself is tested in
      // reliability_sse_slow_client_test.ts.
      maxBufferedEvents: 4 * items,
    }),
  );
  const server = await startServer(app.fetch);
  say({ url: `${server.url}/antflow/events?${FANOUT_QUERY}` });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line !== "run") continue;
    const heapBefore = heapMB();
    const started = performance.now();
    const results = await pipeline.run(range(items));
    say({
      ran: {
        results: results.length,
        failed: tracker.getStats().failed,
        count,
        lastId,
        hash,
        ms: Math.round(performance.now() - started),
        heapBefore,
        heapAfter: heapMB(),
      },
    });
  }
  await server.close();
  process.exit(0);
}

async function listen(url: string, clients: number, items: number, waitMs: number): Promise<void> {
  const counters: BlockCounter[] = [];
  const streams: RawStream[] = [];
  const closed = new Set<BlockCounter>();
  const statuses: number[] = [];
  // In batches, so that the server's listen backlog never overflows.
  for (let i = 0; i < clients; i += 50) {
    await Promise.all(
      range(Math.min(50, clients - i)).map(async () => {
        const counter = new BlockCounter();
        const { stream, head } = await openCountingStream(url, counter);
        stream.closed.then(() => closed.add(counter));
        counters.push(counter);
        streams.push(stream);
        statuses.push(head.status);
      }),
    );
  }
  say({ connected: counters.length, statuses: [...new Set(statuses)] });
  const started = performance.now();
  const deadline = Date.now() + waitMs;
  const waiting = (c: BlockCounter) => c.events < items && c.badId === undefined && !closed.has(c);
  while (counters.some(waiting) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const ms = Math.round(performance.now() - started);
  // "<events>:<last id>:<hash>:<first bad id>[:closed]", and how many clients ended that way.
  const outcomes: Record<string, number> = {};
  for (const c of counters) {
    const key = `${c.events}:${c.lastId}:${c.hash}:${c.badId ?? ""}${
      closed.has(c) ? ":closed" : ""
    }`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  say({ received: { ms, outcomes } });
  for (const stream of streams) stream.destroy();
  process.exit(0);
}

const [role, ...args] = process.argv.slice(2);
if (role === "server") await serve(Number(args[0]));
else if (role === "clients") {
  await listen(args[0], Number(args[1]), Number(args[2]), Number(args[3]));
} else {
  throw new Error(`usage: server <items> | clients <url> <clients> <items> <waitMs>; got ${role}`);
}
