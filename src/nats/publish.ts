/**
 * Putting values on the server durably: encode (with the item's and stage's names in any error),
 * publish with a `Nats-Msg-Id`, and wait for the stream's acknowledgement.
 *
 * @module
 */
import type { MsgHdrs, NatsConnection } from "@nats-io/nats-core";
import type { ItemId } from "../tracker/types.ts";
import type { NatsCodec } from "./codec.ts";
import { ItemTransferError } from "./errors.ts";
import type { Outbox } from "./outbox.ts";
import { Resender } from "./resender.ts";

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

/** What {@link DurablePublisher.publish} sends. */
export interface DurableMessage {
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs;
  msgID: string;
}

/** The stream's acknowledgement of a stored message. */
export interface StoredAck {
  readonly stream: string;
  readonly seq: number;
  /** Already stored within the stream's `duplicate_window` (not stored twice). */
  readonly duplicate: boolean;
}

interface Waiter {
  resolve(ack: StoredAck): void;
  /** Rejects the caller: the server did not store it (`why`). */
  reject(why: string, cause?: unknown): void;
}

/**
 * Publishes JetStream messages and waits for each one's acknowledgement (through a
 * {@link Resender}: one inbox, one sweep; re-sent every second with the same `Nats-Msg-Id`, so
 * stored at most once): about twice as many stored messages per second as `js.publish()` on a
 * loaded machine. A message not acknowledged within the timeout rejects its caller.
 */
export class DurablePublisher {
  readonly #resender: Resender<Waiter>;

  constructor(nc: NatsConnection, timeoutMs: number, outbox: Outbox) {
    this.#resender = new Resender<Waiter>(nc, {
      timeoutMs,
      onAnswer: answer,
      onExpire: (waiter) => waiter.reject(`no acknowledgement within ${timeoutMs} ms`),
      // Written with the other writes of this turn (see Outbox).
      defer: outbox.defer.bind(outbox),
      onSendError: (waiter, error) =>
        waiter.reject(
          error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          error,
        ),
    });
  }

  /**
   * Publishes and resolves once the stream stored it (a duplicate within the stream's
   * `duplicate_window` resolves without being stored twice).
   *
   * @throws {ItemTransferError} When the server refuses it or does not answer in time.
   */
  publish(message: DurableMessage, itemId: ItemId, stage: string): Promise<StoredAck> {
    message.headers.set("Nats-Msg-Id", message.msgID);
    return new Promise<StoredAck>((resolve, reject) => {
      const fail = (why: string, cause?: unknown) =>
        reject(
          new ItemTransferError(itemId, stage, `the server did not store it (${why})`, { cause }),
        );
      this.#resender.send(
        { resolve, reject: fail },
        message.subject,
        message.data,
        message.headers,
      );
    });
  }

  /** Stops listening; whatever still waits fails. */
  close(): void {
    for (const waiter of this.#resender.close()) waiter.reject("publisher closed");
  }
}

/** Settles a waiter with the stream's acknowledgement (or its refusal). */
function answer(waiter: Waiter, data: Uint8Array, code: number): void {
  let ack: {
    stream?: string;
    seq?: number;
    duplicate?: boolean;
    error?: { description?: string };
  };
  try {
    ack = JSON.parse(decoder.decode(data));
  } catch {
    return waiter.reject(`unreadable acknowledgement (status ${code})`);
  }
  if (ack.error !== undefined || typeof ack.seq !== "number") {
    return waiter.reject(ack.error?.description ?? "no sequence in acknowledgement");
  }
  waiter.resolve({ stream: ack.stream ?? "", seq: ack.seq, duplicate: !!ack.duplicate });
}

const decoder = new TextDecoder();
