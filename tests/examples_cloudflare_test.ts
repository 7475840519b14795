import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startWorkerd } from "./support/sandboxes.ts";

// examples/cloudflare_worker.ts, bundled by esbuild and run in Cloudflare's workerd through
// Miniflare. Node only (the npm packages start workerd as a Node child process).
const isNode = !("Deno" in globalThis) && !("Bun" in globalThis);

describe("examples/cloudflare_worker.ts in workerd", {
  skip: isNode ? false : "workerd runs under the Node test run",
}, () => {
  let url: URL;
  let dispose: () => Promise<void>;
  before(async () => {
    const worker = await startWorkerd("examples/cloudflare_worker.ts", "2025-01-01");
    url = worker.url;
    dispose = worker.dispose;
  });
  after(async () => {
    await dispose?.();
  });

  it("streams one run's events per request and ends with a done event", async () => {
    const response = await fetch(new URL("/run?items=30", url));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    const text = await response.text();
    const messages = text.split("\n\n").filter((b) => b.trim() !== "").map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split("\n")) {
        const at = line.indexOf(": ");
        fields[line.slice(0, at)] = line.slice(at + 2);
      }
      return fields;
    });
    const done = messages.at(-1)!;
    assert.equal(done.event, "done");
    const summary = JSON.parse(done.data);
    assert.equal(summary.succeeded, 30);
    assert.equal(summary.stats.itemsProcessed, 30);
    const statuses = messages.filter((m) => m.event === "status").map((m) => JSON.parse(m.data));
    assert.equal(
      statuses.filter((s) => s.status === "completed" && s.stage === "Store").length,
      30,
    );
    assert.ok(messages.some((m) => m.event === "taskretry"), "the flaky items were retried");
    const ids = messages.filter((m) => m.id !== undefined).map((m) => Number(m.id));
    assert.deepEqual(ids, ids.map((_, i) => i + 1));
  });
});
