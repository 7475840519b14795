import { Hono } from "hono";
import type { ItemId } from "../tracker/types.ts";
import { SSEConnection } from "./connection.ts";
import { dashboardResponse } from "./dashboard.ts";
import { parseFilters } from "./filters.ts";
import { EventHub } from "./hub.ts";
import { type AntflowRoutesOptions, resolveRoutesOptions } from "./options.ts";

const SSE_HEADERS: Record<string, string> = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
  "X-Content-Type-Options": "nosniff",
};

/** The JSON answers describe the state right now: never cache them. */
const NO_STORE: Record<string, string> = { "Cache-Control": "no-store" };

/**
 * Hono routes that serve a tracker's (and optionally a pipeline's) state: a live Server-Sent Events
 * stream, JSON endpoints and a self-contained HTML dashboard. Mount them anywhere with
 * `app.route("/antflow", antflowRoutes({ tracker, pipeline }))` and serve the app with
 * `Deno.serve`, `Bun.serve`, `@hono/node-server` or as a Cloudflare Worker.
 *
 * - `GET /` — the dashboard (inline CSS and JS; it connects to `events` relative to itself),
 *   also served at the mount path with a trailing slash.
 * - `GET /events` — `text/event-stream`: a `snapshot` event (carrying the one `retry:`), then every tracker
 *   event (`status`, `taskstart`, `taskcomplete`, `taskretry`, `taskfail`, and the run lifecycle
 *   events `runstart` and `runend`) with `id:` = a sequence number (1, 2, … per `antflowRoutes()`
 *   call), a `snapshot` every `snapshotMs` while a pipeline is attached, and a `: ping` comment
 *   every `heartbeatMs`. `Last-Event-ID` (header, or `?lastEventId=`) replays the missed events
 *   from the last `replay` ones, or sends `reset` and a fresh `snapshot` when they are gone.
 *   Filters: `types`, `stage`, `status`, `item` (bad value → 400 JSON `{ error, issues }`); run
 *   events pass `stage`, `status` and `item` (only `types` leaves them out). More than
 *   `maxClients` streams → 503.
 * - `GET /events?mode=summary` — for dashboards: the same first `snapshot`, then a `snapshot` at
 *   most every 250 ms while the tracker records status changes (each with `changes`: the previous
 *   snapshot's `lastEventId` and the status changes per status since then), every `failed` status
 *   event and the run lifecycle events (with their ids, so resuming works as above), never every
 *   status change. `mode=full` (the default) is the stream above. Several messages may share one
 *   chunk in either mode. With only summary clients connected, the routes take (and number) only
 *   failures and run events, so the watched run builds no other event objects.
 * - `GET /snapshot` — `{ stats, pipeline, lastEventId, errors, runs, latency }` (the `snapshot`
 *   event's data; `errors` is the tracker's error summary, whose `failedItems` only the first
 *   `snapshot` of a connection carries; `runs` is `tracker.getRuns()`, `latency`
 *   `tracker.getLatency()`).
 * - `GET /latency` — `tracker.getLatency()`: p50/p95/p99 per stage and per task.
 * - `GET /stats` — `tracker.getStats()`. `GET /workers` — `pipeline.getWorkerStates()` or `{}`.
 * - `GET /errors` — `{ totalFailed, errorsByType, errorsByStage, failedItems }`.
 * - `GET /items/:id` — the history (`StatusEvent` JSON, oldest first) of the item whose
 *   `String(itemId)` is `:id`; 404 JSON when unknown.
 *
 * Errors go out as `{ name, message }` only; item values are never sent. The routes have no
 * authentication of their own: put Hono's `bearerAuth` (or any middleware) in front of them. The
 * dashboard's requests carry the browser's cookies and HTTP credentials, and a bearer token given
 * as `#token=…` in the page's address (or typed into its prompt after a 401); the page itself
 * holds no data, so it can be left open.
 *
 * @param options The tracker, an optional pipeline, and stream settings.
 * @returns A Hono app to mount with `app.route()`.
 * @throws {TypeError} If `tracker` is missing or an option has the wrong type.
 * @throws {RangeError} If a number option is out of range (e.g. `heartbeatMs` below 50).
 *
 * @example Query the routes in-process
 * ```ts
 * import { Hono } from "hono";
 * import { StatusTracker } from "@antflow/antflow";
 * import { antflowRoutes } from "@antflow/antflow/hono";
 *
 * const app = new Hono();
 * app.route("/antflow", antflowRoutes({ tracker: new StatusTracker() }));
 * const response = await app.request("/antflow/stats");
 * console.log(await response.json()); // { queued: 0, in_progress: 0, completed: 0, ... }
 * ```
 *
 * @example Serve a live dashboard during a run
 * ```ts ignore
 * import { Hono } from "hono";
 * import { Pipeline, Stage, StatusTracker } from "@antflow/antflow";
 * import { antflowRoutes } from "@antflow/antflow/hono";
 *
 * const tracker = new StatusTracker();
 * const pipeline = new Pipeline({
 *   stages: [new Stage({ name: "Work", workers: 4, tasks: [async (n: number) => n * 2] })],
 *   statusTracker: tracker,
 * });
 * const app = new Hono();
 * app.route("/antflow", antflowRoutes({ tracker, pipeline }));
 * Deno.serve(app.fetch); // dashboard at http://localhost:8000/antflow
 * pipeline.run(Array.from({ length: 1000 }, (_, i) => i));
 * ```
 */
export function antflowRoutes(options: AntflowRoutesOptions): Hono {
  const settings = resolveRoutesOptions(options);
  const { tracker, pipeline } = settings;
  const hub = new EventHub(tracker, pipeline, {
    replay: settings.replay,
    // Long enough for a dropped client to come back (EventSource waits retryMs) and resume.
    lingerMs: Math.max(1000, 3 * settings.retryMs),
    exposeValues: settings.exposeValues,
  });
  const app = new Hono();

  app.get("/", (c) => dashboardResponse(c.req.raw));

  app.get("/events", (c) => {
    const query = new URL(c.req.url).searchParams;
    const filters = parseFilters(query);
    if ("failure" in filters) return c.json(filters.failure, 400);
    if (hub.clientCount >= settings.maxClients) {
      const error = `antflowRoutes /events: too many clients, maxClients is ${settings.maxClients}`;
      return c.json({ error }, 503, { "Retry-After": String(Math.ceil(settings.retryMs / 1000)) });
    }
    // Hono answers HEAD with the GET handler and drops the body unread: open no connection.
    if (c.req.method === "HEAD") return new Response(null, { headers: SSE_HEADERS });
    keepOpenOnBun(c.req.raw, c.env, settings.heartbeatMs);
    const connection = new SSEConnection(hub, {
      request: filters,
      lastEventId: c.req.header("Last-Event-ID") ?? query.get("lastEventId") ?? undefined,
      ...disconnectNotices(c.req.raw, c.env),
      retryMs: settings.retryMs,
      heartbeatMs: settings.heartbeatMs,
      snapshotMs: pipeline === undefined ? undefined : settings.snapshotMs,
      maxBufferedEvents: settings.maxBufferedEvents,
    });
    return new Response(connection.stream, { headers: SSE_HEADERS });
  });

  app.get("/snapshot", (c) => c.json(hub.snapshot(), 200, NO_STORE));
  app.get("/stats", (c) => c.json(tracker.getStats(), 200, NO_STORE));
  app.get("/workers", (c) => c.json(pipeline?.getWorkerStates() ?? {}, 200, NO_STORE));
  app.get("/latency", (c) => c.json(tracker.getLatency(), 200, NO_STORE));
  app.get("/errors", (c) => {
    const { totalFailed, errorsByType, errorsByStage, failedItems } = tracker.getErrorSummary();
    return c.json({ totalFailed, errorsByType, errorsByStage, failedItems }, 200, NO_STORE);
  });
  app.get("/items/:id", (c) => {
    const param = c.req.param("id");
    const itemId = findItemId(param, (id) => tracker.getStatus(id) !== undefined);
    if (itemId === undefined) {
      const error = `antflowRoutes /items: no tracked item has id ${param}`;
      return c.json({ error }, 404, NO_STORE);
    }
    const history = tracker.getHistory(itemId).map((event) => hub.toJSON(event));
    return c.json(history, 200, NO_STORE);
  });

  // Strict routing leaves "<mount>/" unmatched: it is the dashboard too (which finds its routes
  // from its own address either way). "<mount>/stats/"… go to the path without the slash, with a
  // relative Location so that it also works behind a prefix-rewriting proxy. Anything else falls
  // through to the app's own routes and 404.
  app.get("*", (c, next) => {
    const { pathname, search } = new URL(c.req.url);
    if (pathname.length < 2 || !pathname.endsWith("/") || pathname.endsWith("//")) return next();
    const routePath = c.req.routePath;
    if (routePath.endsWith("/*") && pathname === routePath.slice(0, -1)) {
      return dashboardResponse(c.req.raw);
    }
    const name = pathname.slice(pathname.lastIndexOf("/", pathname.length - 2) + 1, -1);
    return c.redirect(`../${name}${search}`, 308);
  });

  return app;
}

/**
 * What tells the connection that its client left, besides the body stream's `cancel`: the request's
 * `AbortSignal`, except on Deno, where merely reading `request.signal` prints a deprecation warning
 * (it also aborts when a response completes); there `Deno.serve`'s `info.completed` (Hono's
 * `c.env`) is used instead.
 */
function disconnectNotices(
  request: Request,
  env: unknown,
): { signal?: AbortSignal; completed?: Promise<unknown> } {
  if (!("Deno" in globalThis)) return { signal: request.signal };
  const completed = (env as { completed?: unknown } | undefined)?.completed;
  return completed instanceof Promise ? { completed } : {};
}

/**
 * `Bun.serve` closes a connection that sent nothing for `idleTimeout` (10 s by default), which is
 * shorter than the default heartbeat: give this request two heartbeats instead (Hono passes the
 * Bun server as `c.env`). Bun caps the timeout at 255 s; beyond that it is turned off.
 */
function keepOpenOnBun(request: Request, env: unknown, heartbeatMs: number): void {
  if (!("Bun" in globalThis)) return;
  const server = env as { timeout?: (request: Request, seconds: number) => void } | undefined;
  if (typeof server?.timeout !== "function") return;
  const seconds = Math.ceil((2 * heartbeatMs) / 1000);
  server.timeout(request, seconds <= 255 ? seconds : 0);
}

/** The tracked id whose `String(itemId)` is `param`: the string itself, or the number it spells. */
function findItemId(param: string, isTracked: (id: ItemId) => boolean): ItemId | undefined {
  if (isTracked(param)) return param;
  const number = Number(param);
  if (param !== "" && String(number) === param && isTracked(number)) return number;
  return undefined;
}
