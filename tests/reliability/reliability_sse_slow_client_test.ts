import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { StatusEvent, StatusTracker } from "../../mod.ts";
import { antflowRoutes } from "../../src/hono/mod.ts";
import { currentRuntime, startServer } from "../support/hono_servers.ts";
import { openSilentClient, type SilentClient } from "../support/hono_raw_client.ts";
import { BlockCounter, openCountingStream } from "./support/reliability_sse_sinks.ts";
import { type MemorySample, sampleMemory } from "./support/reliability_sse_memory.ts";

const runtime = currentRuntime();
const EVENTS = 50_000;
const PAYLOAD = 4096; // bytes of error text per event: 50 000 events ≈ 210 MB on the wire
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function pause(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Outcome {
  before: MemorySample;
  /** After the run, every event read by the reader, before the silent socket is touched. */
  after: MemorySample;
  reader: BlockCounter;
  silent: SilentClient;
}

/**
 * Serves a tracker, connects a reader and a client that never reads, and dispatches EVENTS
 * events of PAYLOAD bytes, paced by the reader (100 per event-loop turn, never more than 2000
 * ahead of it).
 */
async function runWithSilentClient(maxBufferedEvents: number): Promise<Outcome> {
  const tracker = new StatusTracker();
  const app = new Hono();
  app.route("/antflow", antflowRoutes({ tracker, maxBufferedEvents }));
  const server = await startServer(app.fetch);
  cleanups.push(() => server.close());
  const url = `${server.url}/antflow/events`;
  const before = await sampleMemory();

  const reader = new BlockCounter();
  const { stream, head } = await openCountingStream(url, reader);
  let readerClosed = false;
  stream.closed.then(() => (readerClosed = true));
  cleanups.push(() => stream.destroy());
  assert.equal(head.status, 200);
  const silent = await openSilentClient(url);
  cleanups.push(() => silent.destroy());
  await pause(50); // the silent client's request has been handled

  const error = "e".repeat(PAYLOAD);
  for (let sent = 0; sent < EVENTS;) {
    for (const end = sent + 100; sent < end; sent++) {
      const event = new StatusEvent({
        itemId: sent,
        stage: "S",
        status: "failed",
        worker: "S-W0",
        timestamp: Date.now(),
        metadata: { error },
      });
      tracker.dispatchEvent(new CustomEvent("status", { detail: event }));
    }
    while (sent - reader.events > 2000 && !readerClosed) await pause();
    await pause();
  }
  const deadline = Date.now() + 20_000;
  while (reader.events < EVENTS && !readerClosed && Date.now() < deadline) await pause(10);
  return { before, after: await sampleMemory(), reader, silent };
}

function describeMemory(name: string, { before, after }: Outcome, silentBytes?: number): string {
  const read = silentBytes === undefined
    ? ""
    : `; the silent client read ${(silentBytes / 1e6).toFixed(1)} MB before it was cut`;
  return `${name} on ${runtime}: ${EVENTS} events of ${PAYLOAD} B; heap+external ` +
    `${before.total} → ${after.total} MB (heap ${before.heap} → ${after.heap}, external ` +
    `${before.external} → ${after.external})${read}`;
}

describe(`a client that never reads, on a real ${runtime} server`, () => {
  it(`is cut off during a ${EVENTS}-event run (${PAYLOAD}-byte payloads, default maxBufferedEvents) while a reader gets everything; memory grows by < 100 MB`, async () => {
    const outcome = await runWithSilentClient(10_000); // the default
    const { reader, silent, before, after } = outcome;
    assert.equal(reader.events, EVENTS, "the reader got every event");
    assert.equal(reader.lastId, EVENTS);
    assert.equal(reader.badId, undefined, "ids strictly increasing");
    // The server has closed the silent connection: drain() rejects if it is still open.
    const received = await silent.drain(10_000);
    assert.ok(received < 20e6, `the silent client got ${received} bytes`);
    console.log(describeMemory("slow client", outcome, received));
    assert.ok(after.total - before.total < 100, `memory grew by ${after.total - before.total} MB`);
  });

  it("control: with maxBufferedEvents above the run, the same run keeps the silent client's backlog (> 150 MB), so the measurement above can fail", async () => {
    const outcome = await runWithSilentClient(1_000_000);
    const { reader, before, after } = outcome;
    assert.equal(reader.events, EVENTS, "the reader got every event");
    console.log(describeMemory("no bound (control)", outcome));
    assert.ok(after.total - before.total > 150, `memory grew by ${after.total - before.total} MB`);
  });
});
