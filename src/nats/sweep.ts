/**
 * Cleaning up after a `nats-server` restart. A 2.9 server killed with `kill -9` comes back with
 * stale states: messages a consumer had acknowledged may be back on the work-queue stream (their
 * deletions were not yet written), below the consumer's ack floor, where the consumer never
 * delivers them again and nobody deletes them (2.9 does not check for them; later servers do).
 * The stream would never drain, and a message stranded there that was not in fact done (we saw
 * items go missing that way) would be lost. So after every reconnect (and at start-up) each member
 * puts back, for the stages it works, every message at or below the consumer's ack floor: a copy
 * is stored as a new message (delivered again: at-least-once; a result it produces again is
 * recognised as a duplicate, see `results.ts`), then the original is deleted. It keeps doing so
 * every few seconds until the floor is past every message stored before the restart.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { JetStreamManager, StoredMsg } from "@nats-io/jetstream";
import { delay } from "../limits/delay.ts";

/** A consumer whose acknowledged leftovers to purge: its stream, its name, its filter subject. */
export interface SweptConsumer {
  readonly stream: string;
  readonly consumer: string;
  readonly subject: string;
}

/** What one sweep of a consumer saw. */
export interface SweepOutcome {
  /** Messages put back. */
  readonly requeued: number;
  /** The consumer's ack floor (a stream sequence). */
  readonly floor: number;
  /** Whether the consumer had nothing pending and nothing unacknowledged. */
  readonly idle: boolean;
}

/** Stores a copy of a stranded message as a new one (resolves once stored). */
export type Requeue = (stored: StoredMsg) => Promise<void>;

/**
 * Puts back every message of `target.subject` at or below the consumer's ack floor: a copy is
 * stored (through `requeue`), then the original deleted.
 */
export async function requeueStranded(
  jsm: JetStreamManager,
  target: SweptConsumer,
  requeue: Requeue,
): Promise<SweepOutcome> {
  const info = await jsm.consumers.info(target.stream, target.consumer);
  const floor = info.ack_floor.stream_seq;
  const idle = info.num_pending === 0 && info.num_ack_pending === 0;
  let requeued = 0;
  for (let seq = 1; seq <= floor; requeued++) {
    // The next message of the subject from `seq` on (2.9 supports next_by_subj).
    const stored = await jsm.streams.getMessage(target.stream, {
      seq,
      next_by_subj: target.subject,
    } as never);
    if (stored === null || stored.seq > floor) break;
    await requeue(stored);
    await jsm.streams.deleteMessage(target.stream, stored.seq, false).catch(() => false);
    seq = stored.seq + 1;
  }
  return { requeued, floor, idle };
}

/**
 * Sweeps one consumer until every message stored before the restart is behind its ack floor
 * (the floor reached the stream's last sequence as of the first sweep, or the consumer was idle):
 * a message that came back may sit above the floor while older deliveries are still in hand.
 */
async function sweepUntilPast(
  jsm: JetStreamManager,
  target: SweptConsumer,
  requeue: Requeue,
  stop: AbortSignal,
  everyMs: number,
): Promise<void> {
  const mark = (await jsm.streams.info(target.stream)).state.last_seq;
  while (!stop.aborted) {
    const outcome = await requeueStranded(jsm, target, requeue);
    if (outcome.idle || outcome.floor >= mark) return;
    await delay(everyMs, { signal: stop });
  }
}

/** Options of {@link sweepOnReconnect}. */
export interface SweepOptions {
  /** The consumers to sweep (read at each sweep). */
  targets: () => readonly SweptConsumer[];
  /** Stores a copy of a stranded message. */
  requeue: Requeue;
  /** Reports a sweep that kept failing (nothing is lost: the next reconnect sweeps again). */
  onError: (error: unknown) => void;
  /** Attempts of a failing sweep, one a second (JetStream may still be recovering). */
  attempts?: number;
  /** How often one consumer is swept again until it is past its restart. @default {2000} */
  everyMs?: number;
}

/**
 * Sweeps now and after every reconnect of `nc` until the returned function is called.
 *
 * @returns Stops watching.
 */
export function sweepOnReconnect(
  nc: NatsConnection,
  jsm: JetStreamManager,
  options: SweepOptions,
): () => void {
  // Stopping aborts the sweeps' waits too: no timer outlives the member.
  const stop = new AbortController();
  const sweepOne = async (target: SweptConsumer) => {
    const attempts = options.attempts ?? 30;
    for (let attempt = 1; !stop.signal.aborted && !nc.isClosed(); attempt++) {
      try {
        return await sweepUntilPast(
          jsm,
          target,
          options.requeue,
          stop.signal,
          options.everyMs ?? 2000,
        );
      } catch (error) {
        if (stop.signal.aborted) return;
        if (attempt >= attempts) return options.onError(error);
        await delay(1000, { signal: stop.signal }).catch(() => {});
      }
    }
  };
  const sweep = () => Promise.all(options.targets().map(sweepOne));
  const status = nc.status();
  void (async () => {
    for await (const s of status) {
      if (stop.signal.aborted) break;
      if (s.type === "reconnect") void sweep();
    }
  })();
  void sweep();
  return () => {
    stop.abort();
    (status as { stop?: () => void }).stop?.();
  };
}
