/**
 * A Cloudflare Worker that runs a pipeline per request and streams that run's events to the caller
 * as Server-Sent Events, ending with a `done` event. Everything here is web-standard (fetch,
 * Web Streams, EventTarget, AbortSignal), which is all AntFlow's core needs.
 *
 *   curl -N "http://localhost:8787/run?items=20"
 *
 * Run it with wrangler (`wrangler dev examples/cloudflare_worker.ts`) or Miniflare, bundled for the
 * Worker (tests/examples_test.ts does this with esbuild + Miniflare).
 */
import { Hono } from "hono";
import { delay, Pipeline, Stage, StatusTracker } from "../mod.ts";
import { encodeSSE } from "../src/hono/mod.ts";

const app = new Hono();

app.get("/", (c) => c.text("GET /run?items=N streams one pipeline run as Server-Sent Events\n"));

app.get("/run", (c) => {
  const items = Math.min(Math.max(Number(c.req.query("items") ?? 20) || 20, 1), 1000);
  const tracker = new StatusTracker();
  const pipeline = new Pipeline({
    statusTracker: tracker,
    stages: [
      new Stage({
        name: "Fetch",
        workers: 4,
        taskAttempts: 2,
        taskWaitMs: 5,
        tasks: [async function fetchItem(n: number, ctx) {
          await delay(Math.random() * 10, { signal: ctx.signal });
          if (n % 7 === 3 && ctx.attempt === 1) throw new Error(`item ${n}: flaky upstream`);
          return n * 10;
        }],
      }),
      new Stage({
        name: "Store",
        workers: 2,
        tasks: [function store(n: number) {
          return `stored ${n}`;
        }],
      }),
    ],
  });
  // The caller going away aborts the run (workerd aborts the request's signal).
  const controller = new AbortController();
  const encoder = new TextEncoder();
  let id = 0;
  const body = new ReadableStream<Uint8Array>({
    start(stream) {
      const send = (event: string, data: unknown, withId = true) =>
        stream.enqueue(
          encoder.encode(
            encodeSSE({ event, id: withId ? ++id : undefined, data: JSON.stringify(data) }),
          ),
        );
      for (const type of ["status", "taskretry", "taskfail"] as const) {
        tracker.addEventListener(type, (e) => send(type, e.detail), { signal: controller.signal });
      }
      pipeline.run(Array.from({ length: items }, (_, i) => i), { signal: controller.signal })
        .then((results) => {
          send("done", { succeeded: results.length, stats: pipeline.getStats() }, false);
          stream.close();
        })
        .catch((error) => {
          send("done", { aborted: String(error) }, false);
          stream.close();
        });
    },
    cancel(reason) {
      controller.abort(reason);
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache, no-transform",
    },
  });
});

export default app;
