/**
 * Publishing to a JetStream stream and waiting for its acknowledgement through one reply inbox
 * and one sweep, instead of a request (with its own timer) per message. An unanswered message is
 * sent again every second (a restarting server drops what it gets; the stream's `Nats-Msg-Id`
 * de-duplication, where the message has one, keeps it stored once) until it is answered or its
 * deadline passes; what happens then is the owner's policy (`onExpire`): the durable publisher
 * rejects its caller, the events publisher drops the event and counts it.
 *
 * @module
 */
import { createInbox, type MsgHdrs, type NatsConnection } from "@nats-io/nats-core";

/** An unanswered message is sent again this often. */
export const RESEND_MS = 1000;

/** What a {@link Resender} tells its owner. */
export interface ResenderOptions<T> {
  /** How long a message is sent again before it is given up. */
  timeoutMs: number;
  /** The stream answered the message of `owner` (a 503, no responders, is not an answer). */
  onAnswer(owner: T, data: Uint8Array, code: number): void;
  /** No answer within `timeoutMs`: the message is given up. */
  onExpire(owner: T): void;
  /** Writes a message's first send (default: at once). */
  defer?: (write: () => void) => void;
  /**
   * Its first send threw (a closed connection): the message is given up. Without it the error is
   * ignored and the sweep sends it again.
   */
  onSendError?(owner: T, error: unknown): void;
}

interface Outstanding<T> {
  readonly owner: T;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
  resendAt: number;
  readonly deadline: number;
}

/** Messages waiting for their acknowledgement (see the module doc). */
export class Resender<T> {
  readonly #nc: NatsConnection;
  readonly #options: ResenderOptions<T>;
  readonly #inbox = createInbox();
  readonly #outstanding = new Map<string, Outstanding<T>>();
  #next = 0;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #subscription: { unsubscribe(): void } | undefined;

  constructor(nc: NatsConnection, options: ResenderOptions<T>) {
    this.#nc = nc;
    this.#options = options;
  }

  /** Messages sent and not yet answered. */
  get size(): number {
    return this.#outstanding.size;
  }

  /** Sends a message for `owner`; `onAnswer` or `onExpire` (or `onSendError`) follows. */
  send(owner: T, subject: string, data: Uint8Array, headers?: MsgHdrs): void {
    this.#subscription ??= this.#nc.subscribe(`${this.#inbox}.*`, {
      callback: (_error, msg) => this.#answer(msg.subject, msg.data, msg.headers?.code ?? 0),
    });
    const reply = `${this.#inbox}.${(this.#next++).toString(36)}`;
    const now = performance.now();
    this.#outstanding.set(reply, {
      owner,
      subject,
      data,
      headers,
      resendAt: now + RESEND_MS,
      deadline: now + this.#options.timeoutMs,
    });
    const { defer } = this.#options;
    if (defer === undefined) this.#first(reply);
    else defer(() => this.#first(reply));
    this.#sweep ??= setInterval(
      () => this.#expire(),
      Math.min(this.#options.timeoutMs, RESEND_MS) / 2,
    );
  }

  /** Stops listening and sending; returns the owners of the messages still unanswered. */
  close(): T[] {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
    const left = [...this.#outstanding.values()].map((entry) => entry.owner);
    this.#outstanding.clear();
    this.#stopSweep();
    return left;
  }

  #first(reply: string): void {
    const entry = this.#outstanding.get(reply);
    if (entry === undefined) return; // closed meanwhile
    try {
      this.#nc.publish(entry.subject, entry.data, { reply, headers: entry.headers });
    } catch (error) {
      const onSendError = this.#options.onSendError;
      if (onSendError === undefined) return; // disconnected: the sweep sends it again
      this.#remove(reply);
      onSendError(entry.owner, error);
    }
  }

  #answer(reply: string, data: Uint8Array, code: number): void {
    // No responders: JetStream is not (yet) there, e.g. a restarting server. Sent again later.
    if (code === 503) return;
    const entry = this.#outstanding.get(reply);
    if (entry === undefined) return;
    this.#remove(reply);
    this.#options.onAnswer(entry.owner, data, code);
  }

  #expire(): void {
    const now = performance.now();
    for (const [reply, entry] of this.#outstanding) {
      if (entry.deadline <= now) {
        this.#outstanding.delete(reply);
        this.#options.onExpire(entry.owner);
      } else if (entry.resendAt <= now && !this.#nc.isClosed()) {
        entry.resendAt = now + RESEND_MS;
        try {
          this.#nc.publish(entry.subject, entry.data, { reply, headers: entry.headers });
        } catch {
          // disconnected: the next sweep tries again
        }
      }
    }
    if (this.#outstanding.size === 0) this.#stopSweep();
  }

  #remove(reply: string): void {
    this.#outstanding.delete(reply);
    if (this.#outstanding.size === 0) this.#stopSweep();
  }

  #stopSweep(): void {
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    this.#sweep = undefined;
  }
}
