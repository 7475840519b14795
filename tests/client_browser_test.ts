import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatusTracker } from "../mod.ts";
import { bundle, chromiumMissing, launchChromium } from "./support/sandboxes.ts";
import { makePipeline, until } from "./support/client_fixtures.ts";
import { runtime, serve } from "./support/client_http.ts";
import { SSEHub } from "./support/client_sse_server.ts";

const skipReason = runtime !== "node"
  ? "the browser test runs under Node only (playwright-core)"
  : chromiumMissing();

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>antflow client</title>
<script type="module">
  import { RemoteTracker, subscribe } from "/client.js";
  const state = window.__antflow = { types: [], ids: [], remoteStatus: 0, ready: false };
  const controller = new AbortController();
  window.__stop = () => controller.abort();
  // Relative URLs resolve against the page.
  const remote = new RemoteTracker("antflow/events", { signal: controller.signal });
  remote.addEventListener("status", () => state.remoteStatus++);
  remote.ready.then(() => (state.ready = true));
  window.__stats = () => remote.getStats();
  (async () => {
    try {
      const stream = subscribe("/antflow/events", { signal: controller.signal });
      for await (const message of stream) {
        state.types.push(message.type);
        if ("id" in message) state.ids.push(Number(message.id));
      }
      state.closed = true;
    } catch (error) {
      state.error = String(error);
    }
  })();
</script>`;

interface PageState {
  types: string[];
  ids: number[];
  remoteStatus: number;
  ready: boolean;
  closed?: boolean;
  error?: string;
}

const test = skipReason === undefined ? it : it.skip;

describe("the client in headless Chromium", () => {
  test(
    `subscribe() and RemoteTracker work in a page, across a dropped connection${
      skipReason ? ` (skipped: ${skipReason})` : ""
    }`,
    async () => {
      const script = await bundle("src/client/mod.ts", "browser");
      const tracker = new StatusTracker();
      const pipeline = makePipeline(tracker, 4);
      const hub = new SSEHub({ tracker, pipeline, retryMs: 5 });
      const server = await serve((request) => {
        const path = new URL(request.url).pathname;
        if (path === "/") return new Response(PAGE, { headers: { "content-type": "text/html" } });
        if (path === "/client.js") {
          return new Response(script, { headers: { "content-type": "text/javascript" } });
        }
        if (path === "/antflow/events") return hub.handle(request);
        return new Response("not found", { status: 404 });
      });
      const profile = mkdtempSync(join(tmpdir(), "antflow-chromium-"));
      const context = await launchChromium(profile);
      try {
        const page = context.pages()[0] ?? await context.newPage();
        const pageErrors: string[] = [];
        page.on("pageerror", (error) => pageErrors.push(String(error)));
        await page.goto(`${server.origin}/`);
        const state = () =>
          page.evaluate(() => (globalThis as unknown as { __antflow: PageState }).__antflow);
        await until(() => hub.connections === 2, 10_000, "the page's two connections");

        const items = Array.from({ length: 40 }, (_, i) => i);
        const run = pipeline.run(items);
        await until(() => hub.events.length > 30, 10_000, "the run to be under way");
        assert.equal(hub.dropAll(), 2);
        await run;

        const statusCount = hub.events.filter((e) => e.type === "status").length;
        const start = performance.now();
        let current = await state();
        while (current.ids.length < hub.events.length || current.remoteStatus < statusCount) {
          assert.ok(performance.now() - start < 10_000, `page saw ${current.ids.length} events`);
          await new Promise((resolve) => setTimeout(resolve, 20));
          current = await state();
        }
        assert.deepEqual(current.ids, hub.events.map((e) => e.id));
        assert.equal(current.types.filter((t) => t === "snapshot").length, 2);
        assert.equal(current.ready, true);
        assert.equal(current.remoteStatus, statusCount);
        const stats = await page.evaluate(() =>
          (globalThis as unknown as { __stats(): unknown }).__stats()
        );
        assert.deepEqual(stats, tracker.getStats());
        assert.deepEqual(hub.resumedFrom.filter((id) => id !== null).length, 2, "both resumed");

        await page.evaluate(() => (globalThis as unknown as { __stop(): void }).__stop());
        await until(() => hub.connections === 0, 5000, "the page's connections to close");
        current = await state();
        assert.equal(current.closed, true);
        assert.equal(current.error, undefined);
        assert.deepEqual(pageErrors, []);
      } finally {
        await context.close();
        hub.close();
        await server.close();
        rmSync(profile, { recursive: true, force: true });
      }
    },
  );
});
