/**
 * Submitting a list of items and reading their futures in input order, for `map()` and
 * `mapIter()`.
 *
 * @module
 */
import { describeValue } from "../utils/validate.ts";
import { type AsyncFuture, futureControl } from "./future.ts";

/** Throws a TypeError unless `items` is an iterable or an async iterable object. */
export function checkItems(owner: string, items: unknown): void {
  if (
    items === null || typeof items !== "object" ||
    !(Symbol.iterator in items || Symbol.asyncIterator in items)
  ) {
    throw new TypeError(
      `${owner}: items must be an iterable or async iterable, got ${describeValue(items)}`,
    );
  }
}

/** Calls `submit` for each item, in order; an async input is read to its end. */
export async function submitEach<T, F>(
  items: Iterable<T> | AsyncIterable<T>,
  submit: (item: T) => F,
): Promise<F[]> {
  const futures: F[] = [];
  if (Symbol.iterator in items) {
    for (const item of items) futures.push(submit(item));
  } else {
    for await (const item of items) futures.push(submit(item));
  }
  return futures;
}

/**
 * The values of `futures` in order. Rejects with the error of the earliest failed future in input
 * order, once that future has settled.
 */
export async function resultsInOrder<T>(futures: AsyncFuture<T>[]): Promise<T[]> {
  const results: T[] = new Array(futures.length);
  for (let i = 0; i < futures.length; i++) {
    const future = futures[i];
    if (!future.done()) {
      results[i] = await future.result();
      continue;
    }
    // A settled future is read directly: no promise per item once the work has caught up.
    const error = future.exception();
    if (error !== undefined) throw error;
    results[i] = futureControl.valueOf(future) as T;
  }
  return results;
}

/** Yields the values of `futures` in order; throws at the first failed one. */
export async function* resultsOneByOne<T>(
  futures: AsyncFuture<T>[],
): AsyncGenerator<T, void, undefined> {
  for (const future of futures) yield await future.result();
}
