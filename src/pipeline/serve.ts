/**
 * The serve batch: a run that is fed by the stages' queue backends rather than by an input. While
 * it is open, an item a backend delivers but this process did not feed (`QueueBackendHooks.adopt`)
 * becomes one of its items; its results stream out in completion order. It never settles while
 * open; once closed, it settles when its last item is done. `@antflow/antflow/nats` runs each
 * stage worked in a process this way.
 *
 * @module
 * @internal
 */
import { PipelineError } from "../errors.ts";
import { Batch } from "./batch.ts";
import type { Engine } from "./engine.ts";
import type { Pipeline } from "./pipeline.ts";
import { ResultStreamOutput } from "./result_stream.ts";
import type { StreamResult } from "./types.ts";

/**
 * An open serve batch of a pipeline.
 *
 * @typeParam O The pipeline's output.
 * @internal
 */
export interface Serving<O = unknown> {
  /**
   * Every adopted item's result (failures with `error`), in completion order; ends once the
   * batch is closed and its last item is done. Errors with the reason if the pipeline is shut
   * down meanwhile (its items are then `cancelled`, and have no result).
   */
  readonly results: ReadableStream<StreamResult<O>>;
  /**
   * Resolves once items are adopted (after the run's `runstart`, awaited when its callback is
   * async); until then, `adopt` returns `undefined`.
   */
  readonly ready: Promise<void>;
  /** Adopts no more items: the batch settles (and `results` ends) once its items are done. */
  close(): void;
}

let engineOf: ((pipeline: Pipeline) => Engine) | undefined;

/**
 * Lets this module reach a pipeline's engine (called once, by `Pipeline`'s static block).
 *
 * @internal
 */
export function provideEngine(of: (pipeline: Pipeline) => Engine): void {
  engineOf = of;
}

/**
 * Opens the serve batch of `pipeline` (starting its workers): from `ready` on, the items its
 * queue backends adopt are run as this batch's items. One at a time per pipeline.
 *
 * @param highWaterMark Results that may wait for the reader before workers wait.
 * @throws {PipelineError} When the pipeline already has an open serve batch.
 * @internal
 */
// deno-lint-ignore no-explicit-any
export function serve<O>(pipeline: Pipeline<any, O>, highWaterMark = 16): Serving<O> {
  const engine = engineOf!(pipeline as Pipeline);
  if (engine.serving !== undefined) {
    throw new PipelineError("serve: the pipeline already has an open serve batch");
  }
  let closed = false;
  const stopAdopting = (): void => {
    closed = true;
    if (engine.serving === batch) engine.serving = undefined;
  };
  const output: ResultStreamOutput<O> = new ResultStreamOutput(
    highWaterMark,
    (reason) => engine.abortBatch(batch, reason),
    () => {
      stopAdopting();
      engine.batches.delete(batch);
    },
  );
  const batch = new Batch(output);
  engine.instrumentRun(batch, "stream");
  engine.batches.add(batch);
  engine.start();
  // Open while "fed": it settles only once closed and empty.
  batch.feeders = 1;
  const open = (): void => {
    if (!closed) engine.serving = batch;
  };
  const started = engine.beginRun(batch);
  return {
    results: output.stream,
    ready: started === undefined ? Promise.resolve(open()) : started.then(open),
    close() {
      if (closed) return;
      stopAdopting();
      batch.feeders = 0;
      batch.check();
    },
  };
}
