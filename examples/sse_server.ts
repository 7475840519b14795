/**
 * A live AntFlow dashboard: a three-stage pipeline with random delays, failures and retries, fed in
 * an endless loop, served with `antflowRoutes` on whatever runtime runs this file.
 *
 *   deno task demo                         # or: deno run -A examples/sse_server.ts
 *   bun examples/sse_server.ts
 *   node examples/sse_server.ts            # Node >= 22.18 (needs `deno install` for node_modules)
 *
 * Then open the printed URL. `PORT` sets the port (default 8787).
 */
import { Hono } from "hono";
import { delay, Pipeline, Stage, StatusTracker } from "../mod.ts";
import { antflowRoutes } from "../src/hono/mod.ts";

// A random pause, and a failure with the given probability (a flaky network, say).
async function work(maxMs: number, failRate: number, what: string): Promise<void> {
  await delay(Math.random() * maxMs);
  if (Math.random() < failRate) throw new Error(`${what} failed (simulated)`);
}

// maxItems keeps the tracker's memory bounded while the demo runs for hours.
const tracker = new StatusTracker({ maxItems: 2000 });
const pipeline = new Pipeline({
  statusTracker: tracker,
  stages: [
    // Retries the failing task (up to 3 tries, with exponential backoff).
    new Stage({
      name: "Fetch",
      workers: 6,
      taskAttempts: 3,
      taskWaitMs: 200,
      backoff: { multiplier: 2 },
      tasks: [async function download(id: number) {
        await work(800, 0.15, `download ${id}`);
        return { id, bytes: Math.round(Math.random() * 1e5) };
      }],
    }),
    // Restarts the whole stage on failure (any worker may take it again).
    new Stage({
      name: "Parse",
      workers: 3,
      retry: "per_stage",
      stageAttempts: 2,
      taskWaitMs: 300,
      tasks: [
        async function decode(page: { id: number; bytes: number }) {
          await work(300, 0.1, `decode ${page.id}`);
          return page;
        },
        function extract(page: { id: number; bytes: number }) {
          return { ...page, words: Math.round(page.bytes / 6) };
        },
      ],
    }),
    new Stage({
      name: "Save",
      workers: 2,
      tasks: [async function store(row: { id: number }, ctx) {
        ctx.setStatus(`writing row ${row.id}`);
        await work(200, 0.02, `store ${row.id}`);
        return row.id;
      }],
    }),
  ],
});

const app = new Hono();
app.get("/", (c) => c.redirect("/antflow"));
app.route("/antflow", antflowRoutes({ tracker, pipeline, snapshotMs: 500 }));

// Serve on the runtime at hand.
// deno-lint-ignore no-explicit-any
const runtime = globalThis as any;
const port = Number(readEnv("PORT") ?? 8787);
if ("Deno" in runtime) {
  runtime.Deno.serve({ port, onListen() {} }, app.fetch);
} else if ("Bun" in runtime) {
  runtime.Bun.serve({ port, fetch: app.fetch });
} else {
  const { serve } = await import("@hono/node-server");
  serve({ fetch: app.fetch, port });
}
console.log(`AntFlow dashboard: http://localhost:${port}/antflow`);

// Feed batches forever, with a pause in between so the dashboard shows idle workers too.
let next = 0;
for (;;) {
  const batch = Array.from({ length: 150 }, () => next++);
  const results = await pipeline.run(batch);
  console.log(
    `batch done: ${results.length}/${batch.length} ok, ${tracker.getStats().failed} failed so far`,
  );
  await delay(3000);
}

function readEnv(name: string): string | undefined {
  if ("Deno" in runtime) return runtime.Deno.env.get(name);
  return runtime.process?.env?.[name];
}
