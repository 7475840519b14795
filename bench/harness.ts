/**
 * The measuring loop: a warm-up round (not counted) that also sizes each contender's N to the time
 * cap, then several rounds in which every contender runs once, in an order shuffled afresh each
 * round (seeded, so a rerun uses the same orders) so that no contender always follows the same
 * one, all in this one process. Rows report the median items/s.
 */
import { collectGarbage } from "./runtime.ts";
import { floorToSeries, grouped, median, seededRandom } from "./stats.ts";
import type { BenchConfig, Contender, ThroughputRow } from "./types.ts";

/** How a scenario wants its contenders measured. */
export interface MeasureOptions {
  /** Short tag for progress lines, e.g. `"s1"`. */
  tag: string;
  /** Counted rounds (the config's `rounds` overrides it; quick mode uses 1). */
  rounds: number;
  /** Give every contender the same (smallest) capped N, so ratios compare equal work. */
  sameItems?: boolean;
  /** Skip the time cap (the scenario's N is the point of it). */
  noCap?: boolean;
}

const inputs = new Map<number, number[]>();

/** The integers 0..n-1, built once per size and outside every timed region. */
function inputOf(n: number): number[] {
  let input = inputs.get(n);
  if (input === undefined) {
    input = Array.from({ length: n }, (_, i) => i);
    inputs.set(n, input);
  }
  return input;
}

/**
 * Runs `c` on `n` items `reps` times; returns items/s and the elapsed ms. With `--gc`, a full
 * garbage collection first clears the previous contender's garbage — off by default because on V8
 * the runs right after a forced full GC are 2–4× slower for the next ~100 000 items (measured), which
 * penalises short runs far more than the garbage it removes.
 */
async function timeOnce(
  c: Contender,
  n: number,
  gc: boolean,
): Promise<{ rate: number; ms: number }> {
  const input = inputOf(n);
  const reps = c.reps ?? 1;
  if (gc) collectGarbage();
  const start = performance.now();
  for (let r = 0; r < reps; r++) await c.run(input);
  const ms = performance.now() - start;
  return { rate: (n * reps) / (ms / 1000), ms };
}

function progress(config: BenchConfig, head: string, c: Contender, n: number, t: {
  rate: number;
  ms: number;
}): void {
  const reps = (c.reps ?? 1) > 1 ? ` ×${c.reps}` : "";
  config.log(
    `  ${head} ${c.label.padEnd(44)} ${grouped(n).padStart(9)} items${reps} ` +
      `${grouped(t.ms).padStart(7)} ms ${grouped(t.rate).padStart(11)} items/s`,
  );
}

/** The N each contender runs with after the warm-up: nominal, or smaller to fit the time cap. */
function sizeItems(
  contenders: Contender[],
  warmRates: number[],
  config: BenchConfig,
  options: MeasureOptions,
): number[] {
  const sized = contenders.map((c, i) => {
    if (options.noCap || config.full || c.fixedItems) return c.items;
    const affordable = (warmRates[i] * config.maxRunSeconds) / (c.reps ?? 1);
    return Math.min(c.items, Math.max(warmupItems(c), floorToSeries(affordable)));
  });
  if (!options.sameItems) return sized;
  const smallest = Math.min(...sized);
  return sized.map(() => smallest);
}

/** 0..count-1 in a seeded random order (Fisher–Yates). */
function shuffledIndexes(count: number, seed: number): number[] {
  const random = seededRandom(0x5eed + seed);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function warmupItems(c: Contender): number {
  return Math.max(1, Math.round(c.items / 10));
}

/**
 * Measures `contenders` side by side.
 *
 * @param contenders What to time; each gets a warm-up run, then one run per round.
 * @param config The suite's configuration (quick, full, rounds, time cap, log).
 * @param options The scenario's tag, rounds and sizing rules.
 * @returns One row per contender, in the given order, with the median items/s.
 */
export async function measure(
  contenders: Contender[],
  config: BenchConfig,
  options: MeasureOptions,
): Promise<ThroughputRow[]> {
  const rounds = config.rounds ?? (config.quick ? 1 : options.rounds);
  const warmRates: number[] = [];
  for (const c of contenders) {
    const n = warmupItems(c);
    const t = await timeOnce(c, n, config.gc);
    progress(config, `${options.tag} warm-up`, c, n, t);
    warmRates.push(t.rate);
  }
  const items = sizeItems(contenders, warmRates, config, options);
  const samples: number[][] = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const i of shuffledIndexes(contenders.length, round)) {
      const t = await timeOnce(contenders[i], items[i], config.gc);
      progress(config, `${options.tag} ${round + 1}/${rounds}`, contenders[i], items[i], t);
      samples[i].push(t.rate);
    }
  }
  inputs.clear();
  return contenders.map((c, i) => ({
    label: c.label,
    items: items[i],
    ...(items[i] < c.items ? { cappedFrom: c.items } : {}),
    reps: c.reps ?? 1,
    rounds,
    samples: samples[i].map(Math.round),
    median: Math.round(median(samples[i])),
    min: Math.round(Math.min(...samples[i])),
    max: Math.round(Math.max(...samples[i])),
    ...(c.tags ? { tags: c.tags } : {}),
  }));
}

/**
 * Sets each row's `ratio` from the medians and `bestRatio` from the best runs (max items/s): noise
 * on a shared machine only ever slows a run down, so the best runs show the ratio with the least
 * noise in it, next to the median's.
 *
 * @param rows Rows from `measure()`.
 * @param ratioOf The scenario's ratio for `row`, reading rates through `rate`.
 */
export function setRatios(
  rows: ThroughputRow[],
  ratioOf: (row: ThroughputRow, rate: (r: ThroughputRow) => number) => number,
): void {
  for (const row of rows) {
    row.ratio = ratioOf(row, (r) => r.median);
    row.bestRatio = ratioOf(row, (r) => r.max);
  }
}

/**
 * The row labelled `label` (scenarios look their contenders up by label).
 *
 * @param rows Rows from `measure()`.
 * @param label The contender's label.
 * @returns The row.
 * @throws {Error} When no row has that label.
 */
export function rowOf(rows: ThroughputRow[], label: string): ThroughputRow {
  const row = rows.find((r) => r.label === label);
  if (row === undefined) throw new Error(`Benchmark: no row labelled "${label}"`);
  return row;
}

/** The base N of the suite: every nominal size is given relative to it. */
export const BASE_ITEMS = 1_000_000;

/**
 * Scales a nominal item count for quick mode (÷ 100) or an `--items` override (which replaces
 * `BASE_ITEMS`; every other size scales with it).
 *
 * @param nominal The full-size N of this contender.
 * @param config The suite's configuration.
 * @returns The N to use, at least 1.
 */
export function scaledItems(nominal: number, config: BenchConfig): number {
  const scale = config.items !== undefined ? config.items / BASE_ITEMS : config.quick ? 1 / 100 : 1;
  return Math.max(1, Math.round(nominal * scale));
}
