import type { BatchOutput } from "./batch.ts";
import type { Envelope } from "./envelope.ts";
import { PipelineResult } from "./types.ts";

/** `run()`: successful results by input position; failures are only counted. */
export class RunOutput implements BatchOutput {
  readonly wantsFailures = false;
  readonly promise: Promise<PipelineResult[]>;
  #slots: (PipelineResult | undefined)[] = [];
  #count = 0;
  #done = false;
  #collect: boolean;
  #resolve!: (results: PipelineResult[]) => void;
  #reject!: (reason: unknown) => void;

  constructor(collect: boolean, size?: number) {
    this.#collect = collect;
    if (collect && size !== undefined && size > 0 && size <= 0x3fffffff) {
      this.#slots = new Array(size);
    }
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  deliver(envelope: Envelope, value: unknown): void {
    if (this.#collect) {
      this.#slots[envelope.index] = new PipelineResult(envelope.id, value, envelope.sequenceId);
      this.#count++;
    }
  }

  settle(reason?: unknown, aborted = false): void {
    this.#done = true;
    if (aborted) this.#reject(reason);
    else this.#resolve(this.results());
  }

  /** The successful results so far, in input order. */
  results(): PipelineResult[] {
    const slots = this.#slots;
    // Every item succeeded: the slots are already the answer, in input order, without holes.
    if (this.#count === slots.length && this.#done) return slots as PipelineResult[];
    const out: PipelineResult[] = new Array(this.#count);
    let n = 0;
    for (let i = 0; i < slots.length; i++) {
      const result = slots[i];
      if (result !== undefined) out[n++] = result;
    }
    return out;
  }
}

/** `feed()` + `join()`: results collected for the next `join()`, in sequence order. */
export class FeedOutput implements BatchOutput {
  readonly wantsFailures = false;
  readonly done: Promise<void>;
  #collect: boolean;
  #results: () => PipelineResult[];
  #onSettle: () => void;
  #resolve!: () => void;

  /**
   * @param collect Whether results are kept at all.
   * @param results Where results go as they come (the pipeline's list for the next `join()`).
   * @param onSettle Called once, synchronously, when the batch settles.
   */
  constructor(collect: boolean, results: () => PipelineResult[], onSettle: () => void) {
    this.#collect = collect;
    this.#results = results;
    this.#onSettle = onSettle;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  deliver(envelope: Envelope, value: unknown): void {
    if (this.#collect) {
      this.#results().push(new PipelineResult(envelope.id, value, envelope.sequenceId));
    }
  }

  settle(): void {
    this.#onSettle();
    this.#resolve();
  }
}
