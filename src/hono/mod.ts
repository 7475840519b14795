/**
 * Hono routes that serve an AntFlow `StatusTracker` (and optionally a `Pipeline`) over
 * Server-Sent Events, as JSON, and as a live HTML dashboard. Runs on Deno, Node
 * (`@hono/node-server`), Bun and Cloudflare Workers.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { bearerAuth } from "hono/bearer-auth";
 * import { Pipeline, Stage, StatusTracker } from "@antflow/antflow";
 * import { antflowRoutes } from "@antflow/antflow/hono";
 *
 * const tracker = new StatusTracker();
 * const pipeline = new Pipeline({
 *   stages: [new Stage({ name: "Work", workers: 4, tasks: [async (n: number) => n * 2] })],
 *   statusTracker: tracker,
 * });
 * const app = new Hono();
 * // The page holds no data: browsers may load it; open it as /antflow/#token=secret and every
 * // request it makes carries "Authorization: Bearer secret".
 * const auth = bearerAuth({ token: "secret" });
 * app.use("/antflow/*", (c, next) => (/^\/antflow\/?$/.test(c.req.path) ? next() : auth(c, next)));
 * app.route("/antflow", antflowRoutes({ tracker, pipeline }));
 * Deno.serve({ port: 8787 }, app.fetch);
 * await pipeline.run(Array.from({ length: 100 }, (_, i) => i));
 * ```
 *
 * @module
 */
export { antflowRoutes } from "./routes.ts";
export { encodeSSE, type SSEFields } from "../sse/encode.ts";
export type { AntflowRoutesOptions } from "./options.ts";
