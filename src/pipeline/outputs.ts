import type { BatchOutput } from "./batch.ts";
import type { Envelope } from "./envelope.ts";
import { PipelineResult } from "./types.ts";

/**
 * `run()`: successful results by input position (and, with `includeFailures`, failures too:
 * their error by input position, the failing stage's input as the value). While the run goes,
 * a result is three array slots (value, sequence number, and the id when the caller chose ids),
 * not an object: a million results would otherwise all outlive the young generation and be copied
 * into the old one while the run is still busy. The `PipelineResult`s are built once, at the end.
 */
export class RunOutput<O = unknown> implements BatchOutput {
  readonly wantsFailures: boolean;
  readonly promise: Promise<PipelineResult<O>[]>;
  #values: unknown[] = [];
  /** The sequence number by input position; a hole where no result (yet). */
  #sequences: number[] = [];
  /** Caller-chosen ids by input position, when there are any. */
  #ids: (string | number)[] | undefined;
  /** Errors by input position, once there is a failure to deliver. */
  #errors: Error[] | undefined;
  #count = 0;
  #collect: boolean;
  #resolve!: (results: PipelineResult<O>[]) => void;
  #reject!: (reason: unknown) => void;

  constructor(collect: boolean, size?: number, includeFailures = false) {
    this.#collect = collect;
    this.wantsFailures = includeFailures;
    if (collect && size !== undefined && size > 0 && size <= 0x3fffffff) {
      this.#values = new Array(size);
      this.#sequences = new Array(size);
    }
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  deliver(envelope: Envelope, value: unknown, error?: Error): void {
    if (!this.#collect) return;
    const index = envelope.index;
    if (error !== undefined) (this.#errors ??= [])[index] = error;
    this.#values[index] = value;
    this.#sequences[index] = envelope.sequenceId;
    if (envelope.id !== envelope.sequenceId) (this.#ids ??= [])[index] = envelope.id;
    this.#count++;
  }

  settle(reason?: unknown, aborted = false): void {
    if (aborted) this.#reject(reason);
    else this.#resolve(this.results());
  }

  /** The results so far (successes, and failures when included), in input order. */
  results(): PipelineResult<O>[] {
    const values = this.#values;
    const sequences = this.#sequences;
    const ids = this.#ids;
    const errors = this.#errors;
    const out: PipelineResult<O>[] = new Array(this.#count);
    let n = 0;
    for (let i = 0; i < sequences.length && n < out.length; i++) {
      const sequenceId = sequences[i];
      if (sequenceId === undefined) continue;
      const id = ids === undefined || ids[i] === undefined ? sequenceId : ids[i];
      out[n++] = new PipelineResult(id, values[i] as O, sequenceId, errors?.[i]);
    }
    return out;
  }
}

/** `feed()` + `join()`: results collected for the next `join()`, in sequence order. */
export class FeedOutput<O = unknown> implements BatchOutput {
  readonly wantsFailures = false;
  readonly done: Promise<void>;
  #collect: boolean;
  #results: () => PipelineResult<O>[];
  #onSettle: () => void;
  #resolve!: () => void;

  /**
   * @param collect Whether results are kept at all.
   * @param results Where results go as they come (the pipeline's list for the next `join()`).
   * @param onSettle Called once, synchronously, when the batch settles.
   */
  constructor(collect: boolean, results: () => PipelineResult<O>[], onSettle: () => void) {
    this.#collect = collect;
    this.#results = results;
    this.#onSettle = onSettle;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  deliver(envelope: Envelope, value: unknown): void {
    if (this.#collect) {
      this.#results().push(new PipelineResult(envelope.id, value as O, envelope.sequenceId));
    }
  }

  settle(): void {
    this.#onSettle();
    this.#resolve();
  }
}
