import { Deque } from "./deque.ts";

/** One caller waiting in line; `grant` hands it what it waited for. */
export interface Waiter<T> {
  grant(value: T): void;
}

interface Entry<T> extends Waiter<T> {
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  settled: boolean;
}

/**
 * A first-come, first-served line of callers that may give up through an `AbortSignal`: an aborted
 * caller leaves the line at once (its promise rejects with the signal's reason) and its listener is
 * removed when it is served, so nothing is left behind.
 *
 * @internal
 */
export class WaiterLine<T> {
  #entries = new Deque<Entry<T>>();
  #length = 0;
  #onLeave: () => void;

  /** `onLeave` runs after an aborted caller left the line. */
  constructor(onLeave: () => void = () => {}) {
    this.#onLeave = onLeave;
  }

  /** Callers still waiting. */
  get length(): number {
    return this.#length;
  }

  /** Joins the line; `grant(value)` resolves through `resolve`. */
  join(
    resolve: (value: T) => void,
    reject: (reason: unknown) => void,
    signal: AbortSignal | undefined,
  ): void {
    const entry: Entry<T> = { grant: resolve, reject, signal, onAbort: undefined, settled: false };
    if (signal !== undefined) {
      entry.onAbort = () => {
        if (entry.settled) return;
        entry.settled = true;
        this.#length--;
        reject(signal.reason);
        this.#onLeave();
      };
      signal.addEventListener("abort", entry.onAbort, { once: true });
    }
    this.#entries.push(entry);
    this.#length++;
  }

  /** The first caller still waiting, without taking it out. */
  peek(): Waiter<T> | undefined {
    for (;;) {
      const entry = this.#entries.peek();
      if (entry === undefined || !entry.settled) return entry;
      this.#entries.shift();
    }
  }

  /** Takes the first caller still waiting out of the line (its abort listener is removed). */
  shift(): Waiter<T> | undefined {
    const entry = this.peek() as Entry<T> | undefined;
    if (entry === undefined) return undefined;
    this.#entries.shift();
    entry.settled = true;
    this.#length--;
    if (entry.onAbort !== undefined) entry.signal!.removeEventListener("abort", entry.onAbort);
    return entry;
  }
}
