/**
 * Putting values on the server durably: encode (with the item's and stage's names in any error),
 * publish with a `Nats-Msg-Id`, and wait for the stream's acknowledgement.
 *
 * @module
 */
import type { MsgHdrs, NatsConnection } from "@nats-io/nats-core";
import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import type { ItemId } from "../tracker/types.ts";
import type { NatsCodec } from "./codec.ts";
import { ItemTransferError } from "./errors.ts";

/** Room kept for the headers and protocol line within `max_payload`. */
const HEADER_ROOM = 512;

/**
 * The payload of `value` for `stage`.
 *
 * @throws {ItemTransferError} When the codec throws, or the payload cannot fit the server's
 *   `max_payload` (the message names both sizes).
 */
export function encodeFor(
  codec: NatsCodec,
  value: unknown,
  itemId: ItemId,
  stage: string,
  maxPayload: number,
): Uint8Array {
  let data: Uint8Array;
  try {
    data = codec.encode(value);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ItemTransferError(itemId, stage, `it cannot be encoded (${codec.name}): ${why}`, {
      cause: error,
    });
  }
  if (!(data instanceof Uint8Array)) {
    throw new ItemTransferError(itemId, stage, `codec ${codec.name} did not return a Uint8Array`);
  }
  if (data.length + HEADER_ROOM > maxPayload) {
    throw new ItemTransferError(
      itemId,
      stage,
      `its payload of ${data.length} bytes (${codec.name}) exceeds the server's max_payload of ` +
        `${maxPayload} bytes (less ${HEADER_ROOM} for headers)`,
    );
  }
  return data;
}

/** The server's `max_payload` (1 MB when unknown). */
export function maxPayloadOf(nc: NatsConnection): number {
  return nc.info?.max_payload ?? 1024 * 1024;
}

/** What {@link publishDurably} sends. */
export interface DurableMessage {
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs;
  msgID: string;
}

/**
 * Publishes and waits for the stream's acknowledgement (the message is stored; a duplicate within
 * the stream's `duplicate_window` is acknowledged without being stored twice).
 *
 * @throws {ItemTransferError} When the server refuses it or does not answer in `timeoutMs`.
 */
export async function publishDurably(
  js: JetStreamClient,
  message: DurableMessage,
  itemId: ItemId,
  stage: string,
  timeoutMs: number,
): Promise<PubAck> {
  try {
    return await js.publish(message.subject, message.data, {
      msgID: message.msgID,
      headers: message.headers,
      timeout: timeoutMs,
    });
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ItemTransferError(itemId, stage, `the server did not store it (${why})`, {
      cause: error,
    });
  }
}
