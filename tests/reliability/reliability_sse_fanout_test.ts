import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import process from "node:process";
import { currentRuntime } from "../support/hono_servers.ts";
import { runtimeCommand } from "../support/run_script.ts";

const runtime = currentRuntime();
/**
 * 1 000 clients × 10 000 items (10 million messages from one server core) takes ~16 s on Bun and
 * ~23 s on Deno on a 2-core machine, but ~110 s on Node (@hono/node-server's stream bridging costs
 * about five times more per message), so Node runs 200 clients unless asked for the full size.
 */
const FULL = runtime !== "node" || process.env.ANTFLOW_SSE_FANOUT_FULL === "1";
const CLIENTS = FULL ? 1000 : 200;
const ITEMS = 10_000;
const WAIT_MS = FULL && runtime === "node" ? 240_000 : 50_000;
const FIXTURE = new URL("./support/reliability_sse_fanout_fixture.ts", import.meta.url).pathname;

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

type Line = Record<string, unknown>;

/** Starts a fixture process; `next(key)` resolves with the first JSON line that has `key`. */
function start(args: string[]): {
  child: ChildProcess;
  next: (key: string, timeoutMs: number) => Promise<Line>;
} {
  const [cmd, argv] = runtimeCommand(FIXTURE, args);
  const child = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"], env: process.env });
  cleanups.push(() => child.kill("SIGKILL"));
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const lines: Line[] = [];
  let wake = (): void => {};
  let exited = false;
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(JSON.parse(line));
    wake();
  });
  child.on("exit", () => {
    exited = true;
    wake();
  });
  const next = (key: string, timeoutMs: number): Promise<Line> =>
    new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        wake = () => {};
        reject(new Error(`fixture ${args[0]}: ${why} before printing ${key}; stderr: ${stderr}`));
      };
      const timer = setTimeout(() => fail(`no answer in ${timeoutMs} ms`), timeoutMs);
      wake = () => {
        const at = lines.findIndex((line) => key in line);
        if (at !== -1) {
          clearTimeout(timer);
          wake = () => {};
          resolve(lines.splice(at, 1)[0]);
        } else if (exited) fail("it exited");
      };
      wake();
    });
  return { child, next };
}

interface Ran {
  results: number;
  failed: number;
  count: number;
  lastId: number;
  hash: number;
  ms: number;
  heapBefore: number;
  heapAfter: number;
}

const reduced = FULL ? "" : " (reduced from 1000 on Node, see the file)";

describe(`SSE fan-out on a real ${runtime} server (server and clients in two processes)`, () => {
  it(`${CLIENTS} concurrent clients${reduced} each receive all ${ITEMS} items' terminal events, ids strictly increasing, none missing`, async () => {
    const server = start(["server", String(ITEMS)]);
    const { url } = await server.next("url", 20_000) as { url: string };
    const started = performance.now();
    const clients = start(["clients", url, String(CLIENTS), String(ITEMS), String(WAIT_MS)]);
    const connected = await clients.next("connected", 60_000);
    assert.deepEqual(connected, { connected: CLIENTS, statuses: [200] });
    const connectedAt = performance.now();

    server.child.stdin!.write("run\n");
    const { ran } = await server.next("ran", WAIT_MS) as { ran: Ran };
    assert.ok(ran.failed > 0, "some items failed (both terminal statuses occur)");
    assert.equal(ran.results + ran.failed, ITEMS);
    assert.equal(ran.count, ITEMS, "one terminal event per item");

    const { received } = await clients.next("received", WAIT_MS + 10_000) as {
      received: { ms: number; outcomes: Record<string, number> };
    };
    // Every client: ITEMS events ending with the last terminal id, the same id sequence as the
    // server dispatched (hash), none out of order or unexpected, and its stream still open.
    assert.deepEqual(received.outcomes, { [`${ITEMS}:${ran.lastId}:${ran.hash}:`]: CLIENTS });
    server.child.stdin!.end();
    console.log(
      `fan-out on ${runtime}: ${CLIENTS} clients × ${ITEMS} events: connected in ${
        ((connectedAt - started) / 1000).toFixed(1)
      } s; run ${(ran.ms / 1000).toFixed(1)} s; every event delivered ${
        (received.ms / 1000).toFixed(1)
      } s after the clients connected; server heap ${ran.heapBefore} → ${ran.heapAfter} MB`,
    );
  });
});
