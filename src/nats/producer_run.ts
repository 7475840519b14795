/**
 * A producer's own runs as run events: each `run()`, `stream()` and `feed()`…`join()` batch of a
 * member is a run (`runstart` when it starts, `runend` once the results of its items are in, or
 * it was cancelled), counted by the terminal states of the results this producer collected.
 * Published on the events subjects when `publishEvents` is on, so that a `ClusterTracker` lists
 * the producer's runs besides the members' stage runs.
 *
 * @module
 */
import type { RunCounts, RunEvent, RunEventType } from "../tracker/run_event.ts";

/** Where a producer's run events go (the cluster view's event publisher). */
export type RunEventSink = (type: RunEventType, event: RunEvent) => void;

/** A terminal state of one of the run's items. */
export type RunOutcome = keyof RunCounts;

/** One run of a producer (see the module doc). */
export class ProducerRun {
  readonly #sink: RunEventSink;
  readonly #runId = crypto.randomUUID();
  readonly #startedAt = Date.now();
  readonly #counts: RunCounts = { completed: 0, failed: 0, skipped: 0, cancelled: 0 };
  #ended = false;

  /** Starts a run: publishes its `runstart`. */
  constructor(sink: RunEventSink) {
    this.#sink = sink;
    this.#sink("runstart", this.#event());
  }

  /** One of its items reached a terminal state. */
  count(outcome: RunOutcome): void {
    this.#counts[outcome]++;
  }

  /** Ends the run (once): publishes its `runend` with the counts so far. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#sink("runend", { ...this.#event(), endedAt: Date.now() });
  }

  #event(): RunEvent {
    return { runId: this.#runId, startedAt: this.#startedAt, counts: { ...this.#counts } };
  }
}
