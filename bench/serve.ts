/**
 * A real HTTP server on 127.0.0.1 for the socket scenario, with the runtime the suite runs on:
 * `Deno.serve`, `Bun.serve` or `@hono/node-server`.
 */
import { runtimeName } from "./runtime.ts";

type FetchHandler = (request: Request) => Response | Promise<Response>;

/** A listening server. */
export interface BenchServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Stops it, closing open connections. */
  close(): Promise<void>;
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/**
 * Starts a server for `fetch` on a free port.
 *
 * @param fetch The request handler (a Hono app's `fetch`).
 * @returns The server.
 */
export async function startServer(fetch: FetchHandler): Promise<BenchServer> {
  const runtime = runtimeName();
  if (runtime === "deno") {
    const abort = new AbortController();
    const server = g.Deno.serve(
      { port: 0, hostname: "127.0.0.1", signal: abort.signal, onListen() {} },
      fetch,
    );
    return {
      url: `http://127.0.0.1:${server.addr.port}`,
      async close() {
        abort.abort();
        await server.finished;
      },
    };
  }
  if (runtime === "bun") {
    const server = g.Bun.serve({ port: 0, hostname: "127.0.0.1", idleTimeout: 60, fetch });
    return {
      url: `http://127.0.0.1:${server.port}`,
      async close() {
        await server.stop(true);
      },
    };
  }
  const { serve } = await import("@hono/node-server");
  return await new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            // deno-lint-ignore no-explicit-any
            (server as any).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
