/**
 * per_stage retries across processes. Each delivery of a per_stage stage is one stage attempt; a
 * failed attempt with attempts left is given back with `nak(delay)` (the stage's backoff), so the
 * retry may run in any process. The attempt number survives: before the `nak`, the number of the
 * attempt that failed is stored under the message's stream sequence (stream `AF_<name>_ATTEMPTS`,
 * one subject per message, last value kept), and a redelivery (delivery count > 1) reads it back.
 * A delivery that died with its process stores nothing, so it does not use up an attempt.
 *
 * @module
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import { backoffWait } from "../pipeline/attempt.ts";
import type { Stage } from "../pipeline/stage.ts";
import type { ItemId } from "../tracker/types.ts";
import type { NatsLayout } from "./layout.ts";
import type { DurablePublisher } from "./publish.ts";
import { headers as natsHeaders } from "@nats-io/nats-core";

/** Whether the stage retries by giving the item back (more than one stage attempt). */
export function retriesByStage(stage: Stage): boolean {
  return stage.retry === "per_stage" && stage.stageAttempts > 1;
}

/**
 * The consumer's `max_deliver` for a stage: `maxDeliver` deliveries may die with their process,
 * and a per_stage stage's retries are deliveries too.
 */
export function serverMaxDeliver(stage: Stage, maxDeliver: number): number {
  return stage.retry === "per_stage" ? maxDeliver + stage.stageAttempts - 1 : maxDeliver;
}

type Report = (error: unknown, where: string) => void;

/**
 * After attempt `attempt` of a per_stage stage failed with `error`: the wait before the next
 * attempt (the stage's `backoff`, options or function), or `undefined` when the item fails for
 * good (no attempts left, or `retryIf` said no, threw or rejected).
 */
export async function stageRetryWait(
  stage: Stage,
  attempt: number,
  error: Error,
  report: Report,
): Promise<number | undefined> {
  if (attempt >= stage.stageAttempts) return undefined;
  const retryIf = stage.options.retryIf;
  if (retryIf !== undefined) {
    try {
      if ((await retryIf(error, attempt)) === false) return undefined;
    } catch (thrown) {
      report(thrown, `stage ${stage.name}: retryIf`);
      return undefined;
    }
  }
  return backoffWait(
    stage,
    attempt,
    error,
    (e, where) => report(e, `stage ${stage.name}: ${where}`),
  );
}

/** The stored attempt numbers of messages given back for a per_stage retry (see the module doc). */
export class AttemptRecords {
  readonly #jsm: JetStreamManager;
  readonly #layout: NatsLayout;
  readonly #publisher: DurablePublisher;

  constructor(jsm: JetStreamManager, layout: NatsLayout, publisher: DurablePublisher) {
    this.#jsm = jsm;
    this.#layout = layout;
    this.#publisher = publisher;
  }

  /** Stores that attempt `attempt` of the message `seq` failed; resolves once stored. */
  async failed(seq: number, attempt: number, itemId: ItemId, stage: string): Promise<void> {
    const h = natsHeaders();
    await this.#publisher.publish(
      {
        subject: this.#layout.attemptsSubject(seq),
        data: encoder.encode(String(attempt)),
        headers: h,
        msgID: `attempt|${seq}|${attempt}`,
      },
      itemId,
      stage,
    );
  }

  /** The attempt a redelivery of message `seq` is: one more than the last failed one stored. */
  async next(seq: number): Promise<number> {
    const stored = await this.#jsm.streams.getMessage(this.#layout.attemptsStream, {
      last_by_subj: this.#layout.attemptsSubject(seq),
    });
    if (stored === null) return 1;
    const failed = Number(decoder.decode(stored.data));
    return Number.isInteger(failed) && failed >= 1 ? failed + 1 : 1;
  }

  /** Drops the record of message `seq` (it was settled); best effort, `max_age` cleans up too. */
  forget(seq: number): void {
    this.#jsm.streams.purge(this.#layout.attemptsStream, {
      filter: this.#layout.attemptsSubject(seq),
    }).catch(() => {});
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
