/**
 * Coalesces the small writes of many items — acknowledgements, publishes — into one socket write
 * per timer turn. The NATS client writes once per microtask checkpoint, and items settle in turns
 * of their own, so at thousands of items a second each acknowledgement would otherwise be a
 * system call of its own (a third of a worker's CPU time in a profile). The price is one timer's
 * delay on each write; the order of the writes is kept.
 *
 * @module
 */

/** Deferred writes, run together (see the module doc). */
export class Outbox {
  #queue: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Runs `write` with the others of this turn (its errors are its own business: caught). */
  defer(write: () => void): void {
    this.#queue.push(write);
    this.#timer ??= setTimeout(this.flush, 0);
  }

  /** Runs every deferred write now. */
  readonly flush = (): void => {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const queue = this.#queue;
    this.#queue = [];
    for (const write of queue) {
      try {
        write();
      } catch {
        // a closed connection: what was not written is redelivered or resent
      }
    }
  };
}
