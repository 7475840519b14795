/**
 * The Cloudflare Worker of the workerd test (bundled by esbuild): it consumes an AntFlow event
 * stream with `subscribe()` and a `RemoteTracker` at once, until the server answers 204, and
 * reports what it saw. `/in-worker` feeds `subscribe()` a stream built inside the worker through
 * an injected `fetch`.
 */
import { RemoteTracker, subscribe } from "../../src/client/mod.ts";

async function watch(target: string): Promise<Response> {
  const remote = new RemoteTracker(target, { retryMs: 5 });
  let statusEvents = 0;
  remote.addEventListener("status", () => statusEvents++);
  const types: string[] = [];
  const ids: number[] = [];
  const signal = AbortSignal.timeout(15_000);
  for await (const message of subscribe(target, { signal, retryMs: 5 })) {
    types.push(message.type);
    if ("id" in message) ids.push(Number(message.id));
  }
  await remote.closed;
  return Response.json({ types, ids, stats: remote.getStats(), statusEvents });
}

async function inWorker(): Promise<Response> {
  const encoder = new TextEncoder();
  const chunks = [
    "\uFEFFretry: 1\r",
    '\nevent: snapshot\ndata: {"stats":{"queued":1,"in_progress":0,"completed":0,"failed":0,',
    '"retrying":0,"skipped":0,"cancelled":0},"pipeline":null,"lastEventId":0}\r\n\r\n',
    "event: status\nid: 1\ndata: {broken\n\n",
    'event: status\nid: 2\ndata: {"itemId":"é","stage":"S","status":"completed",',
    '"worker":"S-W0","timestamp":1,"metadata":{},"workerId":0}\n\n',
  ];
  const headers: string[] = [];
  let calls = 0;
  const fetch = (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    headers.push(new Headers(init?.headers).get("last-event-id") ?? "");
    if (calls++ > 0) return Promise.resolve(new Response(null, { status: 204 }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = encoder.encode(chunks.join(""));
        // Cut the bytes every 7, through multi-byte characters and CRLF pairs.
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    return Promise.resolve(
      new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8" } }),
    );
  };
  const messages: unknown[] = [];
  for await (const message of subscribe("https://in-worker.test/events", { fetch })) {
    messages.push(
      message.type === "error" ? { type: "error", raw: message.raw } : message,
    );
  }
  return Response.json({ messages, headers });
}

export default {
  fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/in-worker") return inWorker();
    return watch(url.searchParams.get("url")!);
  },
};
