/**
 * Shared fixtures for the client's tests: a real pipeline run feeding a tracker, a served SSE hub,
 * and a reader that collects messages until a condition holds.
 */
import { Hono } from "hono";
import { delay, Pipeline, Stage, StatusTracker } from "../../mod.ts";
import { antflowRoutes } from "../../src/hono/mod.ts";
import type { ClientMessage } from "../../src/client/mod.ts";
import { SSEHub, type SSEHubOptions } from "./client_sse_server.ts";
import { serve, type TestServer } from "./client_http.ts";

/** A two-stage pipeline with retries and failures, wired to `tracker`. */
export function makePipeline(tracker: StatusTracker, taskMs = 2): Pipeline {
  return new Pipeline({
    stages: [
      new Stage({
        name: "Fetch",
        workers: 3,
        taskAttempts: 2,
        taskWaitMs: 1,
        tasks: [async function download(x: number, ctx) {
          await delay(taskMs);
          if (x % 7 === 3 && ctx.attempt === 1) throw new Error(`flaky ${x}`);
          return x;
        }],
      }),
      new Stage({
        name: "Save",
        workers: 2,
        taskAttempts: 1,
        tasks: [async function store(x: number) {
          await delay(taskMs / 2);
          if (x % 11 === 5) throw new TypeError(`cannot store ${x}`);
          return x;
        }],
      }),
    ],
    statusTracker: tracker,
  });
}

export interface Served {
  tracker: StatusTracker;
  pipeline: Pipeline;
  hub: SSEHub;
  server: TestServer;
  url: string;
  close(): Promise<void>;
}

/** A tracker + pipeline + hub served over HTTP at `<origin>/antflow/events`. */
export async function served(
  options: Partial<SSEHubOptions> & { taskMs?: number; port?: number } = {},
): Promise<Served> {
  const tracker = options.tracker ?? new StatusTracker();
  const pipeline = options.pipeline ?? makePipeline(tracker, options.taskMs);
  const hub = new SSEHub({ ...options, tracker, pipeline });
  const server = await serve((request) => hub.handle(request), options.port);
  return {
    tracker,
    pipeline,
    hub,
    server,
    url: `${server.origin}/antflow/events`,
    close: async () => {
      hub.close();
      await server.close();
    },
  };
}

/** Tracker events only (status and task messages). */
export function isTrackerEvent(
  message: ClientMessage,
): message is Extract<ClientMessage, { id: string }> {
  return "id" in message;
}

/**
 * Reads `stream` until `done(messages)` holds (then cancels it) or `timeoutMs` passes (then
 * throws, listing what arrived).
 */
export async function collect(
  stream: ReadableStream<ClientMessage>,
  done: (messages: ClientMessage[]) => boolean,
  timeoutMs = 8000,
): Promise<ClientMessage[]> {
  const messages: ClientMessage[] = [];
  const reader = stream.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const kinds = messages.map((m) => m.type).join(",");
      reject(new Error(`timed out after ${timeoutMs} ms with ${messages.length}: ${kinds}`));
    }, timeoutMs);
  });
  try {
    while (!done(messages)) {
      const result = await Promise.race([reader.read(), timeout]);
      if (result.done) break;
      messages.push(result.value);
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return messages;
}

/** Resolves when `condition()` holds, polling; rejects after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 8000, what = "condition") {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/**
 * A `fetch` whose response bodies the test can break, as a network failure would: reads of a
 * broken body reject, and the server sees the connection go away.
 */
export function breakableFetch(): {
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  breakAll(): number;
} {
  const live = new Set<TransformStreamDefaultController<Uint8Array>>();
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await globalThis.fetch(input, init);
    if (response.body === null) return response;
    let controller!: TransformStreamDefaultController<Uint8Array>;
    const pipe = new TransformStream<Uint8Array, Uint8Array>({
      start: (c) => {
        controller = c;
        live.add(c);
      },
      flush: () => {
        live.delete(controller);
      },
    });
    response.body.pipeTo(pipe.writable).catch(() => live.delete(controller));
    const { status, statusText, headers } = response;
    return new Response(pipe.readable, { status, statusText, headers });
  };
  const breakAll = (): number => {
    const count = live.size;
    for (const controller of live) controller.error(new TypeError("network error (test)"));
    live.clear();
    return count;
  };
  return { fetch, breakAll };
}

/** `antflowRoutes()` over a tracker (and a pipeline, unless `pipeline: false`), served in memory. */
export function routesInMemory(
  options: {
    pipeline?: false | ((tracker: StatusTracker) => Pipeline);
    snapshotMs?: number;
    tracker?: StatusTracker;
  } = {},
): {
  tracker: StatusTracker;
  pipeline: Pipeline;
  url: string;
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
} {
  const tracker = options.tracker ?? new StatusTracker();
  const pipeline = typeof options.pipeline === "function"
    ? options.pipeline(tracker)
    : makePipeline(tracker);
  const app = new Hono();
  const served = options.pipeline === false ? { tracker } : { tracker, pipeline };
  app.route("/antflow", antflowRoutes({ ...served, snapshotMs: options.snapshotMs ?? 50 }));
  const fetch = async (input: string | URL | Request, init?: RequestInit) =>
    await app.fetch(new Request(input, init));
  return { tracker, pipeline, url: "http://antflow.test/antflow/events", fetch };
}
