/**
 * The Cloudflare Worker used by the workerd test (bundled by esbuild): the fixture's pipeline and
 * tracker at module scope, `antflowRoutes` under `/antflow`, `POST /run?n=` to start a run and
 * `GET /record` for the events the worker's own listener saw.
 */
import { Hono } from "hono";
import { antflowRoutes } from "../../src/hono/mod.ts";
import { makeFixture, range } from "./hono_fixture.ts";

const fixture = makeFixture();
let running: Promise<unknown> | undefined;

const app = new Hono();
app.route("/antflow", antflowRoutes({ tracker: fixture.tracker, pipeline: fixture.pipeline }));
app.post("/run", (c) => {
  const n = Number(c.req.query("n") ?? "500");
  running = fixture.pipeline.run(range(n));
  c.executionCtx.waitUntil(running);
  return c.json({ started: n });
});
app.get("/done", async (c) => {
  await running;
  return c.json({ events: fixture.record.length, stats: fixture.tracker.getStats() });
});
app.get("/record", (c) => c.json(fixture.record));

export default app;
