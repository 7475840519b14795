/**
 * Starts and stops a real `nats-server` (Debian's package, 2.9.10 here) for the NATS tests: on
 * free ports of 127.0.0.1, with JetStream on a temporary store directory, optionally with a
 * WebSocket listener. It can be killed (`kill -9`) and restarted on the same ports and store, to
 * show that file storage loses nothing. Runs on Deno, Node and Bun (node:child_process).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CANDIDATES = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"];

/** The nats-server binary, or `undefined` when it is not installed. */
export function natsServerBinary(): string | undefined {
  const fromPath = (globalThis as { process?: { env: Record<string, string | undefined> } })
    .process?.env.PATH?.split(":").map((dir) => join(dir, "nats-server")) ?? [];
  return [...fromPath, ...CANDIDATES].find((path) => existsSync(path));
}

/** Why the NATS tests skip, or `false` when they can run (for `describe(..., { skip })`). */
export function natsServerMissing(): string | false {
  return natsServerBinary() === undefined
    ? "no nats-server on this machine (apt-get install -y nats-server)"
    : false;
}

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  /** Also listen for WebSocket clients (no TLS). */
  websocket?: boolean;
  /** Server `max_payload` in bytes (the server's default is 1 MB). */
  maxPayload?: number;
}

/** A running test server. */
export interface NatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  /** `ws://127.0.0.1:<port>` when started with `websocket: true`. */
  readonly wsUrl: string | undefined;
  /** The JetStream store directory (removed by `stop()`). */
  readonly storeDir: string;
  /** The server process id. */
  readonly pid: number;
  /** `kill -9` the server (the store stays). */
  kill(): Promise<void>;
  /** Starts it again on the same ports and store. */
  restart(): Promise<void>;
  /** Stops it (if running) and removes its store. */
  stop(): Promise<void>;
}

/**
 * Starts `nats-server -js` on free ports with a fresh store; resolves once it accepts clients.
 *
 * @throws when nats-server is not installed or does not start within 10 s.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = natsServerBinary();
  if (binary === undefined) throw new Error("nats-server is not installed");
  const dir = mkdtempSync(join(tmpdir(), "antflow-nats-"));
  const storeDir = join(dir, "store");
  const config = join(dir, "server.conf");
  const write = (port: number, wsPort: number) => {
    const lines = [
      `listen: "127.0.0.1:${port}"`,
      `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
    ];
    if (options.maxPayload !== undefined) lines.push(`max_payload: ${options.maxPayload}`);
    if (options.websocket) {
      lines.push(`websocket { listen: "127.0.0.1:${wsPort}", no_tls: true }`);
    }
    writeFileSync(config, lines.join("\n") + "\n");
  };
  write(-1, -1);
  let child = await launch(binary, config, options.websocket === true);
  const port = child.port;
  const wsPort = child.wsPort;
  // Later starts reuse the same ports, so that clients reconnect to the restarted server.
  write(port, wsPort ?? -1);
  let running = true;

  const kill = async (signal: NodeJS.Signals) => {
    if (!running) return;
    running = false;
    const exited = new Promise<void>((resolve) => child.process.once("exit", () => resolve()));
    // Unreferenced while it runs; waiting for its exit must keep this process alive.
    child.process.ref();
    child.process.kill(signal);
    await exited;
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    wsUrl: wsPort === undefined ? undefined : `ws://127.0.0.1:${wsPort}`,
    storeDir,
    get pid() {
      return child.process.pid!;
    },
    kill: () => kill("SIGKILL"),
    async restart() {
      await kill("SIGKILL");
      child = await launch(binary, config, options.websocket === true);
      running = true;
    },
    async stop() {
      await kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function nodeProcess():
  | { once(e: "exit", f: () => void): void; off(e: "exit", f: () => void): void }
  | undefined {
  return (globalThis as { process?: ReturnType<typeof nodeProcess> }).process;
}

interface Launched {
  process: ChildProcess;
  port: number;
  wsPort: number | undefined;
}

/** Spawns the server and reads its ports from its log. */
function launch(binary: string, config: string, websocket: boolean): Promise<Launched> {
  const child = spawn(binary, ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  return new Promise<Launched>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`nats-server did not start in 10 s:\n${log}`)),
      10_000,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`nats-server exited (${code}):\n${log}`)));
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      log += chunk;
      const port = log.match(/Listening for client connections on [\d.]+:(\d+)/)?.[1];
      const wsPort = log.match(/Listening for websocket clients on ws:\/\/[\d.]+:(\d+)/)?.[1];
      const ready = /Server is ready/.test(log);
      if (port === undefined || !ready || (websocket && wsPort === undefined)) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.removeAllListeners("error");
      // Keep draining its log, so that the pipe never fills up.
      child.stderr!.removeAllListeners("data");
      child.stderr!.resume();
      (child.stderr as unknown as { unref?: () => void }).unref?.();
      child.unref();
      // A test that dies before its stop() must not leave a server behind.
      const reap = () => child.kill("SIGKILL");
      nodeProcess()?.once("exit", reap);
      child.once("exit", () => nodeProcess()?.off("exit", reap));
      resolve({
        process: child,
        port: Number(port),
        wsPort: wsPort === undefined ? undefined : Number(wsPort),
      });
    });
  });
}
