import { PipelineError } from "../errors.ts";
import type { ItemId } from "../tracker/types.ts";
import { untilAborted } from "../utils/abort.ts";
import { describeValue } from "../utils/validate.ts";
import type { Batch } from "./batch.ts";
import { type Clock, FRESH, StretchClock } from "./clock.ts";
import type { Engine } from "./engine.ts";
import type { Envelope } from "./envelope.ts";

/** How items enter the pipeline. */
export interface FeedSpec {
  // deno-lint-ignore no-explicit-any
  idOf: ((item: any, index: number) => ItemId) | undefined;
  priority: number;
  stageIndex: number;
  /** Who is feeding, for error messages (`Pipeline.run`, `Pipeline.feed`…). */
  owner: string;
}

/**
 * Takes items from the input one at a time and puts them into the target stage's queue, waiting
 * while that queue is full. Stops taking items as soon as the batch is aborted or `stop` aborts
 * (also while waiting for room): items never taken get no id and no events. Resolves to `true`
 * when the input was used up, `false` when it stopped early. Rejects if the input, `idOf` or an
 * id clash fails.
 *
 * @internal
 */
export async function feedItems(
  engine: Engine,
  batch: Batch,
  items: Iterable<unknown> | AsyncIterable<unknown>,
  spec: FeedSpec,
  stop?: AbortSignal,
): Promise<boolean> {
  const signal = batch.signal;
  const stopped = (): boolean => signal.aborted || stop?.aborted === true;
  const queue = engine.stages[spec.stageIndex].queue;
  // A bounded push queue: wait for room before taking the next item, so no item is held while
  // waiting and the feeder wakes once per half-queue rather than once per item.
  const roomy = queue.capacity > 0 && queue.capacity !== Infinity;
  const ready = async (): Promise<void> => {
    if (engine.pause !== undefined) await engine.pause;
    if (roomy && queue.full) {
      // A batch abort makes room by itself (its items leave the queue). A feed's own signal must
      // stop the wait too; run() and stream() pass none, and their hot path stays a bare wait.
      await (stop === undefined ? queue.space() : untilAborted(queue.space(), stop).catch(noop));
    }
  };
  if (Array.isArray(items)) {
    // Without idOf, no user code runs between two items of an array (a `queued` listener is
    // user code: the clock knows), so the items fed in one stretch share a clock reading; the
    // stretch ends at every await and after STRETCH_ITEMS items (an unbounded queue takes a
    // large array in one go).
    const clock = spec.idOf === undefined && engine.sink !== undefined
      ? new StretchClock(engine.sink.quiet)
      : undefined;
    for (let index = 0; index < items.length; index++) {
      // Let the event loop turn when the engine asks, and wait for room in a bounded queue.
      if (engine.pause !== undefined || (roomy && queue.full)) {
        await ready();
        clock?.forget();
      }
      if (stopped()) return false;
      if (clock !== undefined && (index & (STRETCH_ITEMS - 1)) === 0) clock.forget();
      const pending = admit(engine, batch, items[index], index, spec, true, clock ?? FRESH);
      if (pending !== undefined) {
        await pending;
        clock?.forget();
      }
    }
    return true;
  }
  let index = 0;
  const isAsync = typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
  const iterator: Iterator<unknown> | AsyncIterator<unknown> = isAsync
    ? (items as AsyncIterable<unknown>)[Symbol.asyncIterator]()
    : (items as Iterable<unknown>)[Symbol.iterator]();
  let finished = false;
  try {
    for (;;) {
      // Let the event loop turn when the engine asks, and wait for room in a bounded queue.
      if (engine.pause !== undefined || (roomy && queue.full)) await ready();
      if (stopped()) return false;
      let step = iterator.next();
      if (isAsync) step = await step;
      const { done, value } = step as IteratorResult<unknown>;
      if (done) {
        finished = true;
        return true;
      }
      if (stopped()) {
        // Taken from the input as intake stopped: it was fed, so it never just vanishes. If the
        // run was aborted it is cancelled at once; if only this feed stopped, it carries on.
        if (signal.aborted) engine.cancelItem(admit(engine, batch, value, index++, spec, false));
        else {
          const pending = admit(engine, batch, value, index++, spec);
          if (pending !== undefined) await pending;
        }
        return false;
      }
      const pending = admit(engine, batch, value, index++, spec);
      if (pending !== undefined) await pending;
    }
  } finally {
    // Let a generator clean up when we stop early (abort, error).
    if (!finished) await iterator.return?.();
  }
}

/** Gives a taken item its id and envelope, then queues it (or, with `queue` false, returns it). */
function admit(
  engine: Engine,
  batch: Batch,
  item: unknown,
  index: number,
  spec: FeedSpec,
  queue?: true,
  clock?: Clock,
): Promise<void> | undefined;
function admit(
  engine: Engine,
  batch: Batch,
  item: unknown,
  index: number,
  spec: FeedSpec,
  queue: false,
): Envelope;
function admit(
  engine: Engine,
  batch: Batch,
  item: unknown,
  index: number,
  spec: FeedSpec,
  queue = true,
  clock: Clock = FRESH,
): Promise<void> | Envelope | undefined {
  let id: ItemId | undefined;
  if (spec.idOf !== undefined) {
    id = spec.idOf(item, index);
    if (typeof id !== "string" && (typeof id !== "number" || !Number.isFinite(id))) {
      throw new TypeError(
        `${spec.owner}: idOf must return a string or a finite number, got ${
          describeValue(id)
        } for the item at index ${index}`,
      );
    }
    if (engine.customIds.has(id)) {
      throw new PipelineError(
        `${spec.owner}: idOf returned ${
          describeValue(id)
        } for the item at index ${index}, but an item with that id is still in flight; ids must be unique among items in flight`,
      );
    }
  }
  const envelope = engine.admit(batch, item, index, id, spec.priority, spec.stageIndex);
  // An item that comes between user code (idOf, an input's generator) gets a fresh reading.
  return queue ? engine.enqueue(envelope, clock) : envelope;
}

/** Items fed in a row that may share a clock reading (a power of two). */
const STRETCH_ITEMS = 32;

function noop(): void {}
