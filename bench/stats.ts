/** Small numeric helpers: medians, the 1-2-5 series, number formatting. */

/**
 * The median of `values` (the mean of the two middle values for an even count).
 *
 * @param values Any numbers; not modified.
 * @returns The median, or `NaN` for an empty list.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The largest number of the 1-2-5 series (1 000, 2 000, 5 000, 10 000...) that is <= `n`.
 *
 * @param n A positive number.
 * @returns A "round" count, at least 1.
 */
export function floorToSeries(n: number): number {
  if (!(n >= 1)) return 1;
  const decade = 10 ** Math.floor(Math.log10(n));
  for (const step of [5, 2, 1]) {
    if (step * decade <= n) return step * decade;
  }
  return decade;
}

/**
 * Formats an integer with thin groups: `1234567` → `"1 234 567"`.
 *
 * @param n The number (rounded to an integer).
 * @returns The grouped digits.
 */
export function grouped(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

/**
 * Formats a ratio as `"1.53×"`.
 *
 * @param r The ratio.
 * @returns Two decimals and a multiplication sign, or `"–"` when undefined.
 */
export function times(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? "–" : `${r.toFixed(2)}×`;
}

/**
 * A seeded PRNG (mulberry32): the same seed yields the same sequence on every runtime.
 *
 * @param seed Any 32-bit integer.
 * @returns A function returning floats in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
