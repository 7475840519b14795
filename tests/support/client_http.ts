/**
 * Serves a fetch handler on 127.0.0.1 with a random port, on whichever runtime runs the tests:
 * `Deno.serve`, `Bun.serve`, or `@hono/node-server` on Node.
 */

export type Handler = (request: Request) => Response | Promise<Response>;

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

interface DenoLike {
  serve(
    options: { port: number; hostname: string; onListen?: () => void },
    handler: Handler,
  ): { addr: { port: number }; shutdown(): Promise<void>; finished: Promise<void> };
}

interface BunLike {
  serve(options: {
    port: number;
    hostname: string;
    idleTimeout?: number;
    fetch: Handler;
  }): { port: number; stop(force?: boolean): Promise<void> | void };
}

/** Which runtime runs the tests. */
export const runtime: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/** Serves `handler` on `port` (0: any free port). */
export async function serve(handler: Handler, port = 0): Promise<TestServer> {
  const hostname = "127.0.0.1";
  if (runtime === "deno") {
    const deno = (globalThis as unknown as { Deno: DenoLike }).Deno;
    const controller = new AbortController();
    const server = deno.serve(
      { port, hostname, onListen: () => {}, signal: controller.signal } as {
        port: number;
        hostname: string;
      },
      handler,
    );
    return {
      origin: `http://${hostname}:${server.addr.port}`,
      close: async () => {
        controller.abort();
        await server.finished;
      },
    };
  }
  if (runtime === "bun") {
    const bun = (globalThis as unknown as { Bun: BunLike }).Bun;
    const server = bun.serve({ port, hostname, idleTimeout: 0, fetch: handler });
    return {
      origin: `http://${hostname}:${server.port}`,
      close: async () => {
        await server.stop(true);
      },
    };
  }
  const { serve: nodeServe } = await import("@hono/node-server");
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = nodeServe({ fetch: handler, port, hostname }, (info) => resolve(info.port));
  const bound = await promise;
  return {
    origin: `http://${hostname}:${bound}`,
    close: () =>
      new Promise<void>((done) => {
        const s = server as unknown as {
          close(cb: () => void): void;
          closeAllConnections?(): void;
        };
        s.close(() => done());
        s.closeAllConnections?.();
      }),
  };
}
