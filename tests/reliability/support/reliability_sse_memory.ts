/**
 * Memory sampling for the SSE reliability tests, on Deno, Node and Bun: a full garbage collection
 * first (Bun.gc, or V8's gc exposed at run time through node:v8 + node:vm), then
 * `process.memoryUsage()`: the JS heap plus `external`, where typed arrays (the encoded messages)
 * live.
 */
import process from "node:process";
import v8 from "node:v8";
import vm from "node:vm";

/** Megabytes in use after a full collection. */
export interface MemorySample {
  heap: number;
  external: number;
  /** `heap + external`. */
  total: number;
}

let collect: (() => void) | undefined;

function garbageCollector(): () => void {
  if (collect !== undefined) return collect;
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun !== undefined) return (collect = () => bun.gc(true));
  v8.setFlagsFromString("--expose-gc");
  return (collect = vm.runInNewContext("gc") as () => void);
}

/** Collects garbage (twice, a tick apart: Node frees array buffers after the first pass). */
export async function collectGarbage(): Promise<void> {
  const gc = garbageCollector();
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
}

/** Collects garbage, then samples the memory in use. */
export async function sampleMemory(): Promise<MemorySample> {
  await collectGarbage();
  const { heapUsed, external } = process.memoryUsage();
  const heap = Math.round(heapUsed / 1e6);
  const outside = Math.round(external / 1e6);
  return { heap, external: outside, total: heap + outside };
}
