import { Deque } from "../utils/deque.ts";
import type { BatchOutput } from "./batch.ts";
import type { Envelope } from "./envelope.ts";
import { PipelineResult, type StreamResult } from "./types.ts";

type Next<O> = StreamResult<O> | Promise<StreamResult<O> | undefined> | undefined;

/**
 * `stream()`'s output: results in completion order, in a buffer of `highWaterMark` that the
 * delivering workers wait on when it is full (backpressure through the whole pipeline).
 *
 * It is a real `ReadableStream` (readers, `pipeTo`, `tee` all work), with one shortcut: iterating
 * it with `for await` reads straight from the buffer instead of through the stream's own queue and
 * read requests, which costs a fraction per item. Both paths lock the stream and cancel the run
 * when abandoned, exactly as a `ReadableStream`'s own iterator does.
 *
 * @internal
 */
export class ResultStreamOutput<O = unknown> implements BatchOutput {
  readonly wantsFailures = true;
  readonly stream: ReadableStream<StreamResult<O>>;
  #buffer = new Deque<StreamResult<O>>();
  #capacity: number;
  #resumeAt: number;
  /** Workers waiting for room. */
  #producers: (() => void)[] = [];
  /** A `for await` (or stream pull) waiting for the next result. */
  #consumer: ((result: StreamResult<O> | undefined) => void) | undefined;
  #ended = false;
  #failed = false;
  #reason: unknown;
  #open = true;
  #controller!: ReadableStreamDefaultController<StreamResult<O>>;
  #onSettle: () => void;

  /**
   * @param highWaterMark Results that may wait for the consumer (0: hand over one at a time).
   * @param cancel Stops the run when the consumer goes away.
   * @param onSettle Called once when the run settles.
   */
  constructor(
    highWaterMark: number,
    cancel: (reason: unknown) => Promise<void>,
    onSettle: () => void,
  ) {
    this.#capacity = Math.max(highWaterMark, 1);
    this.#resumeAt = Math.ceil(this.#capacity / 2);
    this.#onSettle = onSettle;
    // The stream's own queue stays empty (highWaterMark 0): it pulls from the buffer only when a
    // reader asks, so the buffer is the single place results wait.
    this.stream = new ReadableStream<StreamResult<O>>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: (controller) => this.#pull(controller),
      cancel: (reason) => {
        this.#detach();
        return cancel(reason ?? new DOMException("The result stream was cancelled", "AbortError"));
      },
    }, new CountQueuingStrategy({ highWaterMark: 0 }));
    const stream = this.stream as ReadableStream<StreamResult<O>> & AsyncIterable<StreamResult<O>>;
    Object.defineProperty(stream, Symbol.asyncIterator, {
      value: () => this.#iterate(stream),
      configurable: true,
      writable: true,
    });
  }

  deliver(envelope: Envelope, value: unknown, error: Error | undefined): void | Promise<void> {
    // Nobody reads any more, or the run already settled (a late result of an aborted run).
    if (!this.#open || this.#ended) return;
    const result = new PipelineResult(
      envelope.id,
      value,
      envelope.sequenceId,
      error,
    ) as StreamResult<O>;
    const consumer = this.#consumer;
    if (consumer !== undefined) {
      this.#consumer = undefined;
      consumer(result);
      return;
    }
    this.#buffer.push(result);
    if (this.#buffer.length >= this.#capacity) {
      return new Promise<void>((resolve) => this.#producers.push(resolve));
    }
  }

  settle(reason?: unknown, aborted = false): void {
    this.#ended = true;
    this.#failed = aborted;
    this.#reason = reason;
    this.#onSettle();
    this.#wakeProducers();
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (aborted) this.#buffer.clear();
    consumer?.(undefined);
    if (this.#open && aborted) {
      try {
        this.#controller.error(reason);
      } catch {
        // already cancelled
      }
    }
  }

  /** The next result, or `undefined` at the end; rejects with the abort reason. */
  #next(): Next<O> {
    if (this.#failed) throw this.#reason;
    const result = this.#buffer.shift();
    if (result !== undefined) {
      if (this.#producers.length > 0 && this.#buffer.length <= this.#resumeAt) {
        this.#wakeProducers();
      }
      return result;
    }
    if (this.#ended) return undefined;
    return new Promise<StreamResult<O> | undefined>((resolve) => (this.#consumer = resolve)).then(
      (value) => {
        if (value === undefined && this.#failed) throw this.#reason;
        return value;
      },
    );
  }

  #pull(controller: ReadableStreamDefaultController<StreamResult<O>>): void | Promise<void> {
    const deliverTo = (result: StreamResult<O> | undefined): void => {
      if (result !== undefined) controller.enqueue(result);
      else if (!this.#failed) controller.close();
    };
    let next: Next<O>;
    try {
      next = this.#next();
    } catch {
      return; // errored: settle() already errored the stream
    }
    if (next instanceof Promise) return next.then(deliverTo, () => {});
    deliverTo(next);
  }

  #iterate(stream: ReadableStream<StreamResult<O>>): AsyncIterableIterator<StreamResult<O>> {
    // Lock the stream as its own iterator would; reads go straight to the buffer.
    const reader = stream.getReader();
    let finished = false;
    const done = (): IteratorResult<StreamResult<O>> => {
      finished = true;
      reader.releaseLock();
      return { value: undefined, done: true };
    };
    const iterator: AsyncIterableIterator<StreamResult<O>> = {
      next: (): Promise<IteratorResult<StreamResult<O>>> => {
        if (finished) return Promise.resolve({ value: undefined, done: true });
        let next: Next<O>;
        try {
          next = this.#next();
        } catch (error) {
          finished = true;
          return Promise.reject(error);
        }
        if (next instanceof Promise) {
          return next.then(
            (result) => result === undefined ? done() : { value: result, done: false },
            (error) => {
              finished = true;
              throw error;
            },
          );
        }
        return Promise.resolve(next === undefined ? done() : { value: next, done: false });
      },
      return: async (value?: unknown): Promise<IteratorResult<StreamResult<O>>> => {
        if (!finished) {
          finished = true;
          await reader.cancel(value);
        }
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  #wakeProducers(): void {
    const producers = this.#producers;
    this.#producers = [];
    for (const resolve of producers) resolve();
  }

  #detach(): void {
    this.#open = false;
    this.#buffer.clear();
    this.#wakeProducers();
  }
}
