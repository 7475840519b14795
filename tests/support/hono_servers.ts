/**
 * Starts a real HTTP server on 127.0.0.1 with the runtime the tests run on: `Deno.serve`,
 * `Bun.serve` or `@hono/node-server`.
 */

type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface RunningServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Which server runs it. */
  runtime: "deno" | "bun" | "node";
  /** Stops the server, closing open connections. */
  close(): Promise<void>;
}

/** The runtime the tests run on. */
export function currentRuntime(): "deno" | "bun" | "node" {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

export async function startServer(
  fetch: FetchHandler,
  options: { bunIdleTimeout?: number } = {},
): Promise<RunningServer> {
  const runtime = currentRuntime();
  if (runtime === "deno") {
    const abort = new AbortController();
    const server = g.Deno.serve(
      { port: 0, hostname: "127.0.0.1", signal: abort.signal, onListen() {} },
      fetch,
    );
    return {
      url: `http://127.0.0.1:${server.addr.port}`,
      runtime,
      async close() {
        abort.abort();
        await server.finished;
      },
    };
  }
  if (runtime === "bun") {
    const idleTimeout = options.bunIdleTimeout ?? 10; // Bun's default
    const server = g.Bun.serve({ port: 0, hostname: "127.0.0.1", idleTimeout, fetch });
    return {
      url: `http://127.0.0.1:${server.port}`,
      runtime,
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
        runtime,
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
