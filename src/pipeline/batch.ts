import type { RunEvent } from "../tracker/run_event.ts";
import type { Envelope } from "./envelope.ts";
import type { RunInstrumentation } from "./instrument.ts";

/** Where a batch's results go (a run's array, a stream, or the feed/join collection). */
export interface BatchOutput {
  /** Whether failures are delivered too (streams yield them). */
  readonly wantsFailures: boolean;
  /** A final result (`error` set for failures); may return a promise to apply backpressure. */
  deliver(envelope: Envelope, value: unknown, error: Error | undefined): void | Promise<void>;
  /** Called once: with no argument when every item is released, or with the abort reason. */
  settle(reason?: unknown, aborted?: boolean): void;
}

/**
 * The items of one `run()`, `stream()` or the `feed()` calls before a `join()`: a registry of its
 * live items (so an abort can reach every one of them), its abort signal, and its completion.
 *
 * @internal
 */
export class Batch {
  readonly controller: AbortController = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;
  readonly output: BatchOutput;
  #head: Envelope | null = null;
  /** Fed and not yet terminal. */
  live = 0;
  /** Fed and not yet released (terminal, callbacks done). */
  unreleased = 0;
  /** Producers still feeding this batch. */
  feeders = 0;
  settled = false;
  /** Set while an abort cancels the items: completion must not settle the batch as a success. */
  aborting = false;
  /** The run's lifecycle data: its id, start, end, and its items' terminal states so far. */
  readonly run: RunEvent;
  /** This run's failures by error name (written only when an item fails for good). */
  readonly errorsByType: Record<string, number> = {};
  /** What follows this run's items (traces, metrics), if the pipeline has an instrumentation. */
  instrument: RunInstrumentation | undefined = undefined;
  /** Called once when the batch settles, before its output (a tracker's `runend`). */
  onEnd: ((run: RunEvent) => void | Promise<void>) | undefined = undefined;

  constructor(output: BatchOutput) {
    this.output = output;
    this.run = {
      runId: crypto.randomUUID(),
      startedAt: Date.now(),
      counts: { completed: 0, failed: 0, skipped: 0, cancelled: 0 },
    };
  }

  register(envelope: Envelope): void {
    envelope.next = this.#head;
    if (this.#head !== null) this.#head.prev = envelope;
    this.#head = envelope;
    this.live++;
    this.unreleased++;
  }

  /** Takes a terminal item out of the registry (it still counts until released). */
  unregister(envelope: Envelope): void {
    if (envelope.prev !== null) envelope.prev.next = envelope.next;
    else this.#head = envelope.next;
    if (envelope.next !== null) envelope.next.prev = envelope.prev;
    envelope.prev = envelope.next = null;
    this.live--;
  }

  /** Every live item, oldest first. */
  liveItems(): Envelope[] {
    const items: Envelope[] = [];
    for (let e = this.#head; e !== null; e = e.next) items.push(e);
    return items.reverse();
  }

  /** The item is done and its callbacks ran (idempotent per item). */
  release(envelope: Envelope): void {
    if (envelope.released) return;
    envelope.released = true;
    this.unreleased--;
    this.check();
  }

  /** Settles the batch if nothing is left to feed or to finish. */
  check(): void {
    if (!this.settled && !this.aborting && this.feeders === 0 && this.unreleased === 0) {
      this.#end(undefined, false);
    }
  }

  /** Settles the batch as aborted (its live items must be cancelled by the caller first). */
  fail(reason: unknown): void {
    if (this.settled) return;
    this.#end(reason, true);
  }

  /** Ends the run (`runend` first, awaited when its callback is async), then settles the output. */
  #end(reason: unknown, aborted: boolean): void {
    this.settled = true;
    this.run.endedAt = Date.now();
    let pending: void | Promise<void> = undefined;
    try {
      this.instrument?.end(this.run);
    } catch (error) {
      console.error("AntFlow: the instrumentation's end() threw:", error);
    }
    try {
      pending = this.onEnd?.(this.run);
    } catch {
      // the tracker isolates its callbacks; nothing may keep the output from settling
    }
    if (pending === undefined) this.output.settle(reason, aborted);
    else pending.then(() => this.output.settle(reason, aborted));
  }
}
