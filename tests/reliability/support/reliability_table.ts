/**
 * The bad-input table: for one option, a list of bad values with the exact error class and message
 * each must produce (`<Owner>: <field> <rule>, got <value>`), whether the call throws or rejects.
 */
import assert from "node:assert/strict";

// deno-lint-ignore no-explicit-any
export type ErrorClass = new (...args: any[]) => Error;

/** A bad value, the class of the error it must raise, and the exact message. */
export type BadValue = [value: unknown, error: ErrorClass, message: string];

/** Marks a value as "leave the option out". */
export const MISSING: unique symbol = Symbol("missing");

/** Options `base` with `field` set to `value` (or removed, for {@link MISSING}). */
export function withField(
  base: Record<string, unknown>,
  field: string,
  value: unknown,
): Record<string, unknown> {
  const out = { ...base };
  if (value === MISSING) delete out[field];
  else out[field] = value;
  return out;
}

/** How many bad values were checked in this process. */
export const checkedBadValues = { count: 0 };

/** Calls `call` and asserts it throws or rejects with exactly this class and message. */
export async function expectBad(
  call: () => unknown,
  error: ErrorClass,
  message: string,
  label: string,
): Promise<void> {
  checkedBadValues.count++;
  let thrown: unknown;
  let threw = false;
  try {
    await call();
  } catch (e) {
    thrown = e;
    threw = true;
  }
  assert.ok(threw, `${label}: expected ${error.name}, nothing was thrown`);
  assert.ok(
    thrown instanceof error,
    `${label}: expected ${error.name}, got ${(thrown as Error)?.name}: ${
      (thrown as Error)?.message
    }`,
  );
  assert.equal(thrown.constructor, error, `${label}: exactly ${error.name}`);
  assert.equal((thrown as Error).message, message, label);
}

/** Asserts `call` neither throws nor rejects. */
export async function expectGood(call: () => unknown, label: string): Promise<void> {
  try {
    await call();
  } catch (e) {
    assert.fail(`${label}: unexpected ${(e as Error).name}: ${(e as Error).message}`);
  }
}

/** A printable label for a bad value. */
export function label(value: unknown): string {
  if (value === MISSING) return "missing";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
