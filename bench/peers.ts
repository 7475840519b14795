/**
 * The peer libraries as contenders, each in its idiomatic best use for "run this async function
 * over N items with a concurrency of C":
 * - p-map: `pMap(items, task, { concurrency })` over the array (results collected in order).
 * - p-queue: `queue.add(() => task(x))` per item, then `await queue.onIdle()` (measured a little
 *   faster than `addAll`, which also builds a results array; results are not collected).
 * - fastq: `fastq.promise(task, concurrency)`, `push(x)` per item and `await Promise.all(...)` of
 *   the pushed promises (faster than `drained()` plus a `.catch` per push). Its callback API is
 *   measured too, as a reference: the worker calls `task(x).then(r => cb(null, r))`, `drain` ends.
 */
import pMap, { pMapIterable } from "p-map";
import PQueue from "p-queue";
import fastq from "fastq";

/** A contender body: processes the items 0..n-1. */
export type Body = (input: number[]) => Promise<unknown>;

/**
 * `pMap(input, task, { concurrency })`.
 *
 * @param concurrency p-map's concurrency.
 * @param task The async task.
 * @returns A contender body.
 */
export function pMapOnce(concurrency: number, task: (x: number) => Promise<number>): Body {
  return (input) => pMap(input, task, { concurrency });
}

/**
 * Three chained `pMap` calls: each maps the previous call's results (three stages, batch by batch).
 *
 * @param concurrency Concurrency of each call.
 * @param task The async task of every stage.
 * @returns A contender body.
 */
export function pMapChained(concurrency: number, task: (x: number) => Promise<number>): Body {
  return async (input) => {
    const first = await pMap(input, task, { concurrency });
    const second = await pMap(first, task, { concurrency });
    return pMap(second, task, { concurrency });
  };
}

/**
 * Three chained `pMapIterable` calls, read with `for await` (three streaming stages).
 *
 * @param concurrency Concurrency of each stage.
 * @param task The async task of every stage.
 * @returns A contender body.
 */
export function pMapIterableChained(
  concurrency: number,
  task: (x: number) => Promise<number>,
): Body {
  return async (input) => {
    const first = pMapIterable(input, task, { concurrency });
    const second = pMapIterable(first, task, { concurrency });
    let count = 0;
    for await (const _ of pMapIterable(second, task, { concurrency })) count++;
    return count;
  };
}

/**
 * `queue.add(() => task(x))` per item, then `await queue.onIdle()`.
 *
 * @param concurrency p-queue's concurrency.
 * @param task The async task.
 * @returns A contender body.
 */
export function pQueueAdd(concurrency: number, task: (x: number) => Promise<number>): Body {
  return async (input) => {
    const queue = new PQueue({ concurrency });
    for (const x of input) queue.add(() => task(x));
    await queue.onIdle();
  };
}

/**
 * `fastq.promise(task, concurrency)`, `push` per item, `await Promise.all` of the pushes.
 *
 * @param concurrency fastq's concurrency.
 * @param task The async task.
 * @returns A contender body.
 */
export function fastqPromise(concurrency: number, task: (x: number) => Promise<number>): Body {
  return (input) => {
    const queue = fastq.promise(task, concurrency);
    return Promise.all(input.map((x) => queue.push(x)));
  };
}

/**
 * fastq's callback API: the worker calls `task(x).then(r => cb(null, r))`; `drain` resolves.
 *
 * @param concurrency fastq's concurrency.
 * @param task The async task.
 * @returns A contender body.
 */
export function fastqCallback(concurrency: number, task: (x: number) => Promise<number>): Body {
  return (input) =>
    new Promise<void>((resolve, reject) => {
      if (input.length === 0) return resolve();
      const queue = fastq<unknown, number, number>((x, cb) => {
        task(x).then((r) => cb(null, r), reject);
      }, concurrency);
      queue.drain = resolve;
      for (const x of input) queue.push(x);
    });
}
