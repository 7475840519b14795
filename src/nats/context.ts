/**
 * What every part of one `natsPipeline()` shares: the connection, the JetStream handles, the
 * layout, the codec and the settings; and writing an item's terminal state (result and, for a
 * failure, a dead letter).
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsLayout } from "./layout.ts";
import type { ResolvedNatsOptions } from "./options.ts";
import type { Outbox } from "./outbox.ts";
import type { RunEventSink } from "./producer_run.ts";
import { type DurablePublisher, encodeFor, maxPayloadOf } from "./publish.ts";
import { type ResultHeaders, resultHeaders, resultMsgId } from "./record.ts";

/** The shared handles of one `natsPipeline()` (see the module doc). */
export interface NatsContext {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly layout: NatsLayout;
  readonly options: ResolvedNatsOptions;
  /** Publishes and waits for the stream's acknowledgement. */
  readonly publisher: DurablePublisher;
  /** Acknowledgements and publishes, written together once per turn. */
  readonly outbox: Outbox;
  /** Publishes the producer's own run events (set when `publishEvents` is on). */
  readonly runs?: RunEventSink;
  /** Reports a problem that fails nothing (a fetch to retry, a result nobody reads). */
  readonly report: (error: unknown, where: string) => void;
}

/** The server's `max_payload`. */
export function maxPayload(ctx: NatsContext): number {
  return maxPayloadOf(ctx.nc);
}

/**
 * Records an item's terminal state: its result on its producer's results subject and, for a
 * failure, a dead letter on the stage's dead-letter subject (both carry the error as
 * `{ name, message }`). `data` is the encoded value: the output, or the failing stage's input.
 * Resolves once the server stored them.
 */
export async function writeTerminal(
  ctx: NatsContext,
  facts: ResultHeaders,
  data: Uint8Array,
): Promise<void> {
  const { layout, publisher } = ctx;
  const headers = resultHeaders(facts);
  const writes: Promise<unknown>[] = [
    publisher.publish(
      {
        subject: layout.resultsSubject(facts.origin),
        data,
        headers,
        msgID: resultMsgId(facts),
      },
      facts.id,
      "results",
    ),
  ];
  if (facts.status === "failed") {
    writes.push(publisher.publish(
      {
        subject: layout.deadSubject(facts.stage),
        data,
        headers: resultHeaders(facts),
        msgID: `dead|${facts.origin}|${JSON.stringify(facts.id)}`,
      },
      facts.id,
      "dead letters",
    ));
  }
  await Promise.all(writes);
}

/** Encodes a completed item's output for the results subject (throws `ItemTransferError`). */
export function encodeResult(ctx: NatsContext, value: unknown, facts: ResultHeaders): Uint8Array {
  return encodeFor(ctx.options.codec, value, facts.id, "results", maxPayload(ctx));
}
