/**
 * `value` has a `then` method (a promise or any other thenable), so it is awaited; anything else
 * is a plain value and is not (awaiting a value costs a turn).
 *
 * @internal
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value instanceof Promise) return true;
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}
