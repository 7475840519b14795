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
  readonly results: PipelineResult[] = [];
  readonly done: Promise<void>;
  #collect: boolean;
  #resolve!: () => void;

  constructor(collect: boolean) {
    this.#collect = collect;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  deliver(envelope: Envelope, value: unknown): void {
    if (this.#collect) {
      this.results.push(new PipelineResult(envelope.id, value, envelope.sequenceId));
    }
  }

  settle(): void {
    this.#resolve();
  }
}

/**
 * `stream()`: every result, in completion order, into a ReadableStream. When the stream's queue
 * is full, the delivering worker waits for the consumer (backpressure through the pipeline).
 */
export class StreamOutput implements BatchOutput {
  readonly wantsFailures = true;
  #controller: ReadableStreamDefaultController<PipelineResult>;
  #waiters: (() => void)[] = [];
  #open = true;
  #onSettle: () => void;

  constructor(controller: ReadableStreamDefaultController<PipelineResult>, onSettle: () => void) {
    this.#controller = controller;
    this.#onSettle = onSettle;
  }

  deliver(envelope: Envelope, value: unknown, error: Error | undefined): void | Promise<void> {
    if (!this.#open) return;
    this.#controller.enqueue(new PipelineResult(envelope.id, value, envelope.sequenceId, error));
    if ((this.#controller.desiredSize ?? 1) <= 0) {
      return new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** The consumer wants more: let waiting workers go on. */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The consumer went away: stop enqueueing and release every waiting worker. */
  detach(): void {
    this.#open = false;
    this.wake();
  }

  settle(reason?: unknown, aborted = false): void {
    const open = this.#open;
    this.detach();
    this.#onSettle();
    if (!open) return;
    try {
      if (aborted) this.#controller.error(reason);
      else this.#controller.close();
    } catch {
      // the stream was cancelled meanwhile
    }
  }
}
