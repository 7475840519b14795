/**
 * Drives one generated case: `run()`, `stream()` or `start()/feed()/join()`, with the case's abort
 * (a signal or `shutdown()`, after some milliseconds or synchronously inside the n-th status event)
 * and, for streams, a slow or early-cancelling consumer. Everything is raced against a watchdog.
 */
import type { ItemId, Pipeline, PipelineResult, PipelineStats } from "../../../mod.ts";
import { PipelineError } from "../../../mod.ts";
import { keyOf } from "./reliability_model.ts";
import type { CaseSpec } from "./reliability_model.ts";
import { sleep } from "./reliability_build.ts";
import type { Observation } from "./reliability_observe.ts";

/** What happened when a case was driven. */
export interface Outcome {
  /** Every key offered as input, and the stage it entered at. */
  entryOf: Map<number, number>;
  /** The item id of a key, when the case chose it (idOf) or it is the sequence number. */
  idOfKey: Map<number, ItemId>;
  /** Items handed out by the inputs, when every input was a generator (arrays are not counted). */
  yielded: number;
  /** Whether an array was fed (then `yielded` is not a count of everything taken). */
  arrayFed: boolean;
  /** How many generator inputs were fed. */
  generators: number;
  /** An abort or shutdown was triggered (it may have come after everything finished). */
  abortTriggered: boolean;
  /** Intake was stopped by a feed's own signal (items already fed carry on). */
  intakeStopped: boolean;
  /** The stream consumer broke out early. */
  streamCancelled: boolean;
  abortReason: unknown;
  runResults: PipelineResult[] | undefined;
  rejection: { reason: unknown } | undefined;
  streamResults: PipelineResult[] | undefined;
  /** What each join() returned. */
  joinResults: PipelineResult[][] | undefined;
  statsAtSettle: PipelineStats | undefined;
}

type Input = Iterable<number> | AsyncIterable<number>;

function makeInput(
  kind: CaseSpec["input"],
  values: number[],
  outcome: Outcome,
  beforeYield?: (index: number) => void,
): Input {
  if (kind === "array" && beforeYield === undefined) {
    outcome.arrayFed = true;
    return values;
  }
  outcome.generators++;
  if (kind === "async") {
    return (async function* () {
      for (let i = 0; i < values.length; i++) {
        await null;
        beforeYield?.(i);
        outcome.yielded++;
        yield values[i];
      }
    })();
  }
  return (function* () {
    for (let i = 0; i < values.length; i++) {
      beforeYield?.(i);
      outcome.yielded++;
      yield values[i];
    }
  })();
}

function idFor(c: CaseSpec, key: number): ItemId {
  return c.customIds ? `k${key}` : 1_000_000 + key;
}

/** Drives the case to its end (not including the quiet period after it). */
export async function drive(
  c: CaseSpec,
  pipeline: Pipeline,
  observation: Observation,
): Promise<Outcome> {
  const outcome: Outcome = {
    entryOf: new Map(),
    idOfKey: new Map(),
    yielded: 0,
    arrayFed: false,
    generators: 0,
    abortTriggered: false,
    intakeStopped: false,
    streamCancelled: false,
    abortReason: undefined,
    runResults: undefined,
    rejection: undefined,
    streamResults: undefined,
    joinResults: undefined,
    statsAtSettle: undefined,
  };
  const controller = new AbortController();
  const shutdowns: Promise<void>[] = [];
  const trigger = (): void => {
    if (outcome.abortTriggered) return;
    outcome.abortTriggered = true;
    if (c.abort.kind === "signal") {
      outcome.abortReason = new Error("reliability abort");
      controller.abort(outcome.abortReason);
    } else if (c.abort.kind === "shutdown") {
      shutdowns.push(pipeline.shutdown());
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (c.abort.kind !== "none") {
    if ("afterMs" in c.abort) timer = setTimeout(trigger, c.abort.afterMs);
    else {
      const { afterEvents, timing } = c.abort;
      observation.onStatus = (count) => {
        if (count !== afterEvents) return;
        if (timing === "sync") trigger();
        else if (timing === "microtask") queueMicrotask(trigger);
        else timer = setTimeout(trigger, 0);
      };
    }
  }
  const useSignal = c.abort.kind === "signal";
  try {
    if (c.mode === "run") await driveRun(c, pipeline, outcome, useSignal ? controller : undefined);
    else if (c.mode === "stream") {
      await driveStream(c, pipeline, outcome, useSignal ? controller : undefined);
    } else await driveFeed(c, pipeline, outcome, useSignal ? controller : undefined);
    outcome.statsAtSettle ??= pipeline.getStats();
  } finally {
    clearTimeout(timer);
    observation.onStatus = undefined;
  }
  await Promise.all(shutdowns);
  return outcome;
}

function runKeys(c: CaseSpec, outcome: Outcome): number[] {
  const keys = Array.from({ length: c.items }, (_, i) => i);
  for (const key of keys) {
    outcome.entryOf.set(key, 0);
    outcome.idOfKey.set(key, c.customIds ? idFor(c, key) : key);
  }
  return keys;
}

const idOfValue = (c: CaseSpec) => (value: number) => idFor(c, keyOf(value));

async function driveRun(
  c: CaseSpec,
  pipeline: Pipeline,
  outcome: Outcome,
  controller: AbortController | undefined,
): Promise<void> {
  const values = runKeys(c, outcome).map((k) => k * 1000);
  try {
    outcome.runResults = await pipeline.run(makeInput(c.input, values, outcome), {
      signal: controller?.signal,
      priority: c.priority,
      idOf: c.customIds ? idOfValue(c) : undefined,
    });
  } catch (reason) {
    outcome.rejection = { reason };
  }
  outcome.statsAtSettle = pipeline.getStats();
}

async function driveStream(
  c: CaseSpec,
  pipeline: Pipeline,
  outcome: Outcome,
  controller: AbortController | undefined,
): Promise<void> {
  const values = runKeys(c, outcome).map((k) => k * 1000);
  const results: PipelineResult[] = [];
  outcome.streamResults = results;
  const stream = pipeline.stream(makeInput(c.input, values, outcome), {
    signal: controller?.signal,
    priority: c.priority,
    idOf: c.customIds ? idOfValue(c) : undefined,
    highWaterMark: c.highWaterMark,
  });
  try {
    for await (const result of stream) {
      results.push(result);
      if (results.length === c.cancelAfter) {
        if (c.cancelTiming === "macrotask") await sleep(0);
        outcome.streamCancelled = true;
        break;
      }
      if (c.consumerDelayMs > 0) await sleep(c.consumerDelayMs);
    }
  } catch (reason) {
    outcome.rejection = { reason };
  }
  outcome.statsAtSettle = pipeline.getStats();
}

async function driveFeed(
  c: CaseSpec,
  pipeline: Pipeline,
  outcome: Outcome,
  controller: AbortController | undefined,
): Promise<void> {
  const joined: PipelineResult[][] = [];
  outcome.joinResults = joined;
  if (c.startFirst) await pipeline.start();
  let nextKey = 0;
  const stageNames = c.stages.map((_, s) => `S${s}`);
  for (const round of c.rounds) {
    const feeds = round.map((feed) => {
      const keys = Array.from({ length: feed.count }, () => nextKey++);
      for (const key of keys) {
        outcome.entryOf.set(key, feed.target);
        outcome.idOfKey.set(key, idFor(c, key));
      }
      const own = new AbortController();
      const stop = feed.stopAfter < 0 ? undefined : (index: number) => {
        if (index !== feed.stopAfter) return;
        outcome.intakeStopped = true;
        own.abort(new Error("feed intake stopped"));
      };
      const signal = controller === undefined
        ? own.signal
        : AbortSignal.any([own.signal, controller.signal]);
      const input = makeInput(c.input, keys.map((k) => k * 1000), outcome, stop);
      return pipeline.feed(input, {
        targetStage: stageNames[feed.target],
        priority: feed.priority,
        idOf: idOfValue(c),
        signal,
      }).catch((reason) => {
        // Only a feed started after its signal aborted may reject, with the signal's reason, or
        // a feed called after a shutdown(), with a PipelineError (start() was not called again).
        const afterShutdown = c.abort.kind === "shutdown" && outcome.abortTriggered &&
          reason instanceof PipelineError;
        if (afterShutdown) return;
        if (!signal.aborted || reason !== signal.reason) throw reason;
      });
    });
    joined.push(await pipeline.join());
    await Promise.all(feeds);
  }
  // Feeds that were still queueing when the last join() returned are joined here.
  joined.push(await pipeline.join());
  if (controller?.signal.aborted) outcome.intakeStopped = true;
}
