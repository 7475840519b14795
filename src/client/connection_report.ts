import { ListenerRegistry } from "../tracker/listeners.ts";
import type { StatusTrackerEventMap } from "../tracker/status_tracker.ts";
import type { ErrorMessage } from "./messages.ts";

/** What a `RemoteTracker`'s `connectionerror` event carries. */
export interface ConnectionErrorDetail {
  /** The events URL. */
  url: string;
  /** What failed: the `fetch` rejection, or the error naming the server's answer. */
  error: unknown;
  /** `could not connect to <url>: <reason>`. */
  message: string;
  /** Failed attempts in a row: 1 for the first of an outage. */
  attempt: number;
  /**
   * The wait before the next attempt, in ms; `null` when the tracker gives up (the server
   * answered with an HTTP error or another content type, or `maxRetries` attempts failed in a
   * row): `closed` then rejects.
   */
  retryInMs: number | null;
}

/** What a `RemoteTracker`'s `open` event carries. */
export interface ConnectionOpenDetail {
  /** The events URL. */
  url: string;
  /** How many attempts in a row had failed before this connection (0 when none). */
  failedAttempts: number;
}

/** The events a `RemoteTracker` dispatches: the `StatusTracker`'s, and its connection's. */
export interface RemoteTrackerEventMap extends StatusTrackerEventMap {
  /** A connection was established: its first message (the snapshot) arrived. */
  open: CustomEvent<ConnectionOpenDetail>;
  /** A connection attempt failed (every attempt, so a UI can show the retries). */
  connectionerror: CustomEvent<ConnectionErrorDetail>;
}

/** A typed listener for one of a `RemoteTracker`'s events. */
export type RemoteTrackerListener<K extends keyof RemoteTrackerEventMap> =
  | ((event: RemoteTrackerEventMap[K]) => unknown)
  | { handleEvent(event: RemoteTrackerEventMap[K]): unknown };

/** The connection's own event names (the rest are the StatusTracker's). */
export const CONNECTION_EVENTS: ReadonlySet<string> = new Set(["open", "connectionerror"]);

/**
 * How a `RemoteTracker` reports its connection: `connectionerror` and `open` events for whoever
 * listens (it keeps their listeners, to know), else `console.error` once per outage (its first
 * failed attempt) and once when it gives up; and messages it could not understand.
 *
 * @internal
 */
export class ConnectionReporter {
  /** Listeners of `open` and `connectionerror` (the tracker's `addEventListener` adds them here). */
  readonly listeners: ListenerRegistry = new ListenerRegistry(
    (error, type) =>
      console.error(`AntFlow: a "${type}" listener of the RemoteTracker threw:`, error),
    () => {},
  );
  #owner: string;
  #url: string;
  #target: EventTarget;

  constructor(owner: string, url: string, target: EventTarget) {
    this.#owner = owner;
    this.#url = url;
    this.#target = target;
  }

  /** A connection attempt failed (see `SubscriptionHooks.onFailure`). */
  failure(error: unknown, reason: string, attempt: number, retryInMs: number | null): void {
    const message = `could not connect to ${this.#url}: ${reason}`;
    if (this.listeners.count("connectionerror") > 0) {
      const detail: ConnectionErrorDetail = { url: this.#url, error, message, attempt, retryInMs };
      this.#target.dispatchEvent(new CustomEvent("connectionerror", { detail }));
    } else if (retryInMs === null) {
      console.error(`${this.#owner}: ${message}; giving up`);
    } else if (attempt === 1) {
      console.error(`${this.#owner}: ${message}; retrying until it connects`);
    }
  }

  /** A connection delivered its first message. */
  open(failedAttempts: number): void {
    if (this.listeners.count("open") === 0) return;
    const detail: ConnectionOpenDetail = { url: this.#url, failedAttempts };
    this.#target.dispatchEvent(new CustomEvent("open", { detail }));
  }

  /** The line for a message that could not be understood, when nobody listens to `error`. */
  badMessage(message: ErrorMessage): void {
    console.error(
      `${this.#owner}: skipped a "${message.event}" message from ${this.#url}: ` +
        message.error.message,
    );
  }
}
