/**
 * Cleaning up after a `nats-server` restart. A server killed with `kill -9` may not have written
 * its latest message deletions, while its consumers' states (their ack floors) were written: on a
 * work-queue stream, messages a consumer had acknowledged then come back, below the consumer's
 * ack floor, where the consumer never delivers them again and nobody ever deletes them (2.9 does
 * not check for them; later servers do). The stream would never drain. So after every reconnect
 * (and at start-up) each member purges, for the consumers it reads, the messages of their subject
 * at or below their ack floor — a consumer's state lists what it delivered and what of that is
 * not yet acknowledged, so every one of them was acknowledged and its outcome is stored — and
 * keeps doing so every few seconds until the floor is past every message stored before the
 * restart.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { JetStreamManager } from "@nats-io/jetstream";

/** A consumer whose acknowledged leftovers to purge: its stream, its name, its filter subject. */
export interface SweptConsumer {
  readonly stream: string;
  readonly consumer: string;
  readonly subject: string;
}

/** What one sweep of a consumer saw. */
export interface SweepOutcome {
  /** Messages purged. */
  readonly purged: number;
  /** The consumer's ack floor (a stream sequence). */
  readonly floor: number;
  /** Whether the consumer had nothing pending and nothing unacknowledged. */
  readonly idle: boolean;
}

/** Purges the messages of `target.subject` at or below the consumer's ack floor. */
export async function sweepAcknowledged(
  jsm: JetStreamManager,
  target: SweptConsumer,
): Promise<SweepOutcome> {
  const info = await jsm.consumers.info(target.stream, target.consumer);
  const floor = info.ack_floor.stream_seq;
  const idle = info.num_pending === 0 && info.num_ack_pending === 0;
  if (!(floor > 0)) return { purged: 0, floor, idle };
  const purged = await jsm.streams.purge(target.stream, {
    filter: target.subject,
    seq: floor + 1,
  });
  return { purged: purged.purged, floor, idle };
}

/**
 * Sweeps one consumer until every message stored before the restart is behind its ack floor
 * (the floor reached the stream's last sequence as of the first sweep, or the consumer was idle):
 * a message that came back may sit above the floor while older deliveries are still in hand.
 */
async function sweepUntilPast(
  jsm: JetStreamManager,
  target: SweptConsumer,
  stopped: () => boolean,
  everyMs: number,
): Promise<void> {
  const mark = (await jsm.streams.info(target.stream)).state.last_seq;
  while (!stopped()) {
    const outcome = await sweepAcknowledged(jsm, target);
    if (outcome.idle || outcome.floor >= mark) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Options of {@link sweepOnReconnect}. */
export interface SweepOptions {
  /** The consumers to sweep (read at each sweep). */
  targets: () => readonly SweptConsumer[];
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
  let stopped = false;
  const isStopped = () => stopped || nc.isClosed();
  const sweepOne = async (target: SweptConsumer) => {
    const attempts = options.attempts ?? 30;
    for (let attempt = 1; !isStopped(); attempt++) {
      try {
        return await sweepUntilPast(jsm, target, isStopped, options.everyMs ?? 2000);
      } catch (error) {
        if (attempt >= attempts) return options.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
  const sweep = () => Promise.all(options.targets().map(sweepOne));
  const status = nc.status();
  void (async () => {
    for await (const s of status) {
      if (stopped) break;
      if (s.type === "reconnect") void sweep();
    }
  })();
  void sweep();
  return () => {
    stopped = true;
    (status as { stop?: () => void }).stop?.();
  };
}
