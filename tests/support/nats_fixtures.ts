/** Shared pieces of the NATS tests: a server per file, connections, a two-stage pipeline. */
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { Pipeline, Stage } from "../../mod.ts";

export { natsServerMissing, startNatsServer } from "./nats_server.ts";
export type { NatsServer } from "./nats_server.ts";

/** A TCP connection to `url` that reconnects forever (the server may be restarted). */
export function connectTo(url: string): Promise<NatsConnection> {
  return connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
}

let names = 0;
/** A pipeline name no other test of this process uses. */
export function freshName(prefix: string): string {
  return `${prefix}${names++}x${Math.floor(Math.random() * 1e6)}`;
}

/**
 * Square (per_task retries) then Label; `n === 13` always fails in Square. `onRun` sees each
 * task start, `onEnd` each task end (returned or threw).
 */
export function squareThenLabel(
  options: {
    delayMs?: number;
    onRun?: (stage: string, n: number) => void;
    onEnd?: (stage: string, n: number) => void;
  } = {},
): Pipeline<number, string> {
  const { delayMs = 0, onRun, onEnd } = options;
  const pause = () => delayMs > 0 ? new Promise((r) => setTimeout(r, delayMs)) : undefined;
  return new Pipeline({
    stages: [
      new Stage({
        name: "Square",
        workers: 8,
        taskAttempts: 2,
        taskWaitMs: 5,
        tasks: [async function square(n: number) {
          onRun?.("Square", n);
          try {
            await pause();
            if (n === 13) throw new TypeError("13 is unlucky");
            return n * n;
          } finally {
            onEnd?.("Square", n);
          }
        }],
      }),
      new Stage({
        name: "Label it",
        workers: 4,
        tasks: [async function label(n: number) {
          onRun?.("Label it", n);
          await pause();
          onEnd?.("Label it", n);
          return `#${n}`;
        }],
      }),
    ],
  });
}

/** Messages left in a stream (0 once every item is settled). */
export async function streamMessages(nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(stream)).state.messages;
}

/**
 * Results stored and not yet collected, over every producer of pipeline `name` (the results
 * stream keeps collected results a while, so its message count is no measure).
 */
export async function uncollectedResults(nc: NatsConnection, name: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  let left = 0;
  for await (const info of jsm.consumers.list(`AF_${name}_RESULTS`)) {
    left += info.num_pending + info.num_ack_pending;
  }
  return left;
}

/** Polls `check` every 50 ms until it returns true (or throws after `timeoutMs`). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
