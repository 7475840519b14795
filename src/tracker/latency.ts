import type { NameRef } from "./names.ts";

/**
 * Duration histograms kept by the tracker: whole-stage durations per stage and attempt durations
 * per task, each in fixed memory, with percentiles since the tracker was created and over the
 * last minute.
 */

/** Percentiles of one set of durations, in milliseconds (`null` while `count` is 0). */
export interface LatencyStats {
  /** How many durations were recorded. */
  count: number;
  /** The mean (exact), or `null`. */
  mean: number | null;
  /** The median, or `null`. */
  p50: number | null;
  /** The 95th percentile, or `null`. */
  p95: number | null;
  /** The 99th percentile, or `null`. */
  p99: number | null;
  /** The longest duration (exact), or `null`. */
  max: number | null;
}

/** One series: every duration since the tracker was created, and the recent ones. */
export interface LatencySeries extends LatencyStats {
  /** The durations that ended within the last `windowMs` (50 to 60 s: six 10 s slices). */
  recent: LatencyStats;
}

/**
 * What `StatusTracker.getLatency()` returns: whole-stage durations per stage, attempt durations
 * per task (by stage, then task name). Percentiles come from a log-linear histogram, so they are
 * within about 3 % of the true value (exact below 32 µs); `mean` and `max` are exact.
 */
export interface LatencySnapshot {
  /** The span of `recent`, in ms (60 000). */
  windowMs: number;
  /**
   * Per stage: from the item's first `in_progress` at the stage to its `completed` or `failed`
   * there, retries and their waits included. Recorded for every item, listener or not.
   */
  stages: Record<string, LatencySeries>;
  /**
   * Per stage, per task: the duration of each attempt (`TaskEvent.duration` of `taskcomplete`,
   * `taskretry` and `taskfail`), recorded only when task events are built anyway: while someone
   * listens to them (a listener, a task callback, a full-mode SSE client of the Hono routes).
   */
  tasks: Record<string, Record<string, LatencySeries>>;
}

/**
 * Buckets: exact microseconds below 32 µs, then 16 per power of two (each 1/16 of its octave wide)
 * up to 2^32 µs (71 minutes); longer durations count in the last bucket (`max` stays exact).
 */
const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
const BUCKETS = (32 - SUB_BITS + 1) * SUB;
const SLICE_MS = 10_000;
const SLICES = 6;
const MAX_MICROS = 2 ** 32 - 1;

/** The bucket of a duration in ms. */
function bucketOf(ms: number): number {
  const us = ms * 1000;
  if (!(us >= 1)) return 0;
  const x = us >= MAX_MICROS ? MAX_MICROS : us >>> 0;
  if (x < SUB) return x;
  const e = 31 - Math.clz32(x);
  return ((e - SUB_BITS + 1) << SUB_BITS) + ((x >>> (e - SUB_BITS)) & (SUB - 1));
}

/** The middle of a bucket, in ms. */
function middleOf(bucket: number): number {
  if (bucket === 0) return 0; // below 1 µs: a whole-stage duration of 0 ms (timestamps are ms)
  if (bucket < SUB) return (bucket + 0.5) / 1000;
  const e = (bucket >>> SUB_BITS) + SUB_BITS - 1;
  const width = 2 ** (e - SUB_BITS);
  const lower = (SUB + (bucket & (SUB - 1))) * width;
  return (lower + width / 2) / 1000;
}

/** Percentiles of bucket counts, clamped to the exact extremes. */
function percentiles(
  counts: ArrayLike<number>,
  offset: number,
  count: number,
  min: number,
  max: number,
): [number, number, number] {
  const ranks = [Math.ceil(0.5 * count), Math.ceil(0.95 * count), Math.ceil(0.99 * count)];
  const out: [number, number, number] = [0, 0, 0];
  let seen = 0;
  let next = 0;
  for (let b = 0; b < BUCKETS && next < 3; b++) {
    seen += counts[offset + b];
    while (next < 3 && seen >= ranks[next]) {
      out[next++] = Math.min(max, Math.max(min, middleOf(b)));
    }
  }
  return out;
}

/**
 * One series: six rotating 10 s slices of bucket counts (the last minute), and the counts of the
 * slices that rotated out (so that all time is `#older` plus every slice). Recording a duration
 * touches one bucket.
 *
 * @internal
 */
export class LatencyHistogram {
  /** Counts of the slices that rotated out, and of durations that came too late for a slice. */
  readonly #older = new Float64Array(BUCKETS);
  readonly #slices = new Uint32Array(BUCKETS * SLICES);
  /** Which 10 s period (timestamp / SLICE_MS, floored) each slice holds; -1 = none. */
  readonly #sliceEpochs = new Float64Array(SLICES).fill(-1);
  readonly #sliceSums = new Float64Array(SLICES);
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;
  /** The newest slice: its time span [from, to) and its offset in #slices (doubles from the start). */
  #from = Infinity;
  #to = -Infinity;
  #offset = 0;

  /** Records a duration of `ms` that ended at `timestamp` (epoch ms). */
  add(ms: number, timestamp: number): void {
    if (!(ms >= 0)) return;
    const bucket = bucketOf(ms);
    this.#count++;
    this.#sum += ms;
    if (ms < this.#min) this.#min = ms;
    if (ms > this.#max) this.#max = ms;
    const offset = timestamp >= this.#from && timestamp < this.#to
      ? this.#offset
      : this.#sliceFor(timestamp);
    if (offset < 0) {
      this.#older[bucket]++; // older than the window: all time only
      return;
    }
    this.#slices[offset + bucket]++;
    this.#sliceSums[(offset / BUCKETS) | 0] += ms;
  }

  /** The offset of the slice for `timestamp` (its older period folded into #older), or -1. */
  #sliceFor(timestamp: number): number {
    const epoch = Math.floor(timestamp / SLICE_MS);
    const slice = epoch % SLICES;
    const offset = slice * BUCKETS;
    const held = this.#sliceEpochs[slice];
    if (epoch < held) return -1;
    if (epoch > held) {
      const slices = this.#slices;
      const older = this.#older;
      for (let b = 0; b < BUCKETS; b++) older[b] += slices[offset + b];
      slices.fill(0, offset, offset + BUCKETS);
      this.#sliceEpochs[slice] = epoch;
      this.#sliceSums[slice] = 0;
    }
    if (epoch * SLICE_MS >= this.#from || this.#to === -Infinity) {
      this.#from = epoch * SLICE_MS;
      this.#to = this.#from + SLICE_MS;
      this.#offset = offset;
    }
    return offset;
  }

  /** The series as of `now` (epoch ms). */
  snapshot(now: number): LatencySeries {
    const min = this.#min;
    const max = this.#max;
    const all = Float64Array.from(this.#older);
    const slices = this.#slices;
    for (let offset = 0; offset < slices.length; offset += BUCKETS) {
      for (let b = 0; b < BUCKETS; b++) all[b] += slices[offset + b];
    }
    const stats0 = stats(all, 0, this.#count, this.#sum, min, max);
    return { ...stats0, recent: this.#recent(now, min, max) };
  }

  #recent(now: number, min: number, max: number): LatencyStats {
    const oldest = Math.floor(now / SLICE_MS) - SLICES + 1;
    const merged = new Float64Array(BUCKETS);
    let count = 0;
    let sum = 0;
    let recentMax = -Infinity;
    for (let slice = 0; slice < SLICES; slice++) {
      if (this.#sliceEpochs[slice] < oldest) continue;
      sum += this.#sliceSums[slice];
      const offset = slice * BUCKETS;
      for (let b = 0; b < BUCKETS; b++) {
        const n = this.#slices[offset + b];
        if (n === 0) continue;
        count += n;
        merged[b] += n;
        recentMax = Math.max(recentMax, middleOf(b));
      }
    }
    return stats(merged, 0, count, sum, min, Math.min(max, recentMax));
  }
}

function stats(
  counts: ArrayLike<number>,
  offset: number,
  count: number,
  sum: number,
  min: number,
  max: number,
): LatencyStats {
  if (count === 0) return { count: 0, mean: null, p50: null, p95: null, p99: null, max: null };
  const [p50, p95, p99] = percentiles(counts, offset, count, min, max);
  return { count, mean: sum / count, p50, p95, p99, max };
}

/**
 * The tracker's latency histograms: one per stage (whole-stage durations, indexed by the stage's
 * name id so that recording one needs no lookup by name) and one per task.
 *
 * @internal
 */
export class LatencyRecorder {
  readonly #stages: (LatencyHistogram | undefined)[] = [];
  readonly #stageNames: string[] = [];
  readonly #tasks = new Map<string, Map<string, LatencyHistogram>>();

  /** Records a whole-stage duration of `stage` that ended at `timestamp`. */
  stage(stage: NameRef, ms: number, timestamp: number): void {
    let histogram = this.#stages[stage.id];
    if (histogram === undefined) {
      histogram = this.#stages[stage.id] = new LatencyHistogram();
      this.#stageNames[stage.id] = stage.name ?? "(none)";
    }
    histogram.add(ms, timestamp);
  }

  /** Records one task attempt's duration. */
  task(stage: string, task: string, ms: number, timestamp: number): void {
    let byTask = this.#tasks.get(stage);
    if (byTask === undefined) this.#tasks.set(stage, byTask = new Map());
    let histogram = byTask.get(task);
    if (histogram === undefined) byTask.set(task, histogram = new LatencyHistogram());
    histogram.add(ms, timestamp);
  }

  /** Every series as of `now` (epoch ms). */
  snapshot(now: number): LatencySnapshot {
    const stages: Record<string, LatencySeries> = {};
    this.#stages.forEach((histogram, id) => {
      if (histogram !== undefined) stages[this.#stageNames[id]] = histogram.snapshot(now);
    });
    const tasks: Record<string, Record<string, LatencySeries>> = {};
    for (const [stage, byTask] of this.#tasks) {
      const out: Record<string, LatencySeries> = (tasks[stage] = {});
      for (const [task, histogram] of byTask) out[task] = histogram.snapshot(now);
    }
    return { windowMs: SLICE_MS * SLICES, stages, tasks };
  }
}
