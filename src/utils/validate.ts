import type { z } from "zod";

/**
 * One option: its zod schema and the rule, in words, that the message states. A rule table lists
 * every key its owner accepts: a key missing from it is an unknown option.
 */
export interface FieldRule {
  /** The value's schema; without one the key is accepted here and checked by the owner's code. */
  schema?: z.ZodType;
  /** The rule the schema enforces, as the message states it ("must be an integer >= 1"). */
  rule: string;
  /**
   * For an option that may be an object: the keys that object may have. Any other key is an
   * unknown option named `<field>.<key>`. Applies only when the value is an object (not to a
   * function or an array the same option may also take).
   */
  keys?: readonly string[];
}

/** A rule table entry for a key the owner accepts and validates in its own code. */
export const CHECKED_BY_OWNER: FieldRule = { rule: "is checked by its owner" };

/**
 * Well-known option names of peer libraries, mapped to this owner's key they stand for
 * (`{ concurrency: "workers" }`): an unknown key found here is suggested as its target.
 */
export type OptionAliases = Readonly<Record<string, string>>;

/** Which error class to throw for a bad value, given whether the value had the right type. */
export type ErrorFactory = (message: string, wrongType: boolean) => Error;

/** TypeError for a wrong type, RangeError for a number out of range. */
export const typeOrRangeError: ErrorFactory = (message, wrongType) =>
  wrongType ? new TypeError(message) : new RangeError(message);

/**
 * Validates `options` field by field and throws one error naming the owner, the field, the rule and
 * the value received, e.g. `Stage "Fetch": workers must be an integer >= 1, got 0`. A key that is
 * not in `rules` is an unknown option (`makeError(message, true)`), even when its value is
 * `undefined`: `Stage "A": unknown option taskAtempts (did you mean taskAttempts?)`. Only own
 * enumerable string keys count; symbol keys are ignored.
 */
export function validateOptions(
  owner: string,
  options: unknown,
  rules: Readonly<Record<string, FieldRule>>,
  makeError: ErrorFactory,
  aliases?: OptionAliases,
): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw makeError(`${owner}: options must be an object, got ${describeValue(options)}`, true);
  }
  const unknown = unknownOptionError(owner, options, rules, makeError, aliases);
  if (unknown !== undefined) throw unknown;
  const record = options as Record<string, unknown>;
  for (const key in rules) {
    const field = rules[key];
    const value = record[key];
    if (field.keys !== undefined && isObject(value)) {
      const nested = unknownOptionError(owner, value, field.keys, makeError, undefined, `${key}.`);
      if (nested !== undefined) throw nested;
    }
    if (field.schema === undefined || field.schema.safeParse(value).success) continue;
    // A number is "out of range" only for a field that takes numbers; anywhere else it is the
    // wrong type (a number given for a function, say).
    const wrongType = typeof value !== "number" || !takesNumbers(field.schema);
    throw makeError(`${owner}: ${key} ${field.rule}, got ${describeValue(value)}`, wrongType);
  }
}

/**
 * The error for the first own enumerable string key of `options` that `known` does not list, or
 * `undefined` when there is none. `known` is a rule table (its keys) or a list of names. A plain
 * `for...in`: cheap enough for a per-call check, and it allocates nothing unless a key is unknown.
 *
 * @param prefix Prepended to the key and the suggestion (`"backoff."` for a nested object).
 */
export function unknownOptionError(
  owner: string,
  options: object,
  known: Readonly<Record<string, unknown>> | readonly string[],
  makeError: ErrorFactory,
  aliases?: OptionAliases,
  prefix = "",
): Error | undefined {
  const list = Array.isArray(known);
  for (const key in options) {
    if (list ? known.includes(key) : Object.hasOwn(known, key)) continue;
    if (!Object.hasOwn(options, key)) continue; // inherited: not the caller's option
    const names = list ? known : Object.keys(known);
    const suggestion = suggestOption(key, names, aliases);
    const hint = suggestion === undefined ? "" : ` (did you mean ${prefix}${suggestion}?)`;
    return makeError(`${owner}: unknown option ${prefix}${key}${hint}`, true);
  }
  return undefined;
}

/**
 * The known option a misspelt `key` most likely meant, or `undefined` when none is close. In order:
 * an alias (`concurrency` → `workers`); the known name at the smallest edit distance (Damerau-
 * Levenshtein, ignoring case) when that distance is at most `max(2, floor(key.length / 3))` and
 * less than `key.length`; else the shortest known name containing `key`, or the longest one `key`
 * contains (ignoring case, 4 characters or more: `timeout` → `taskTimeoutMs`).
 *
 * @param key The unknown key.
 * @param known The keys the owner accepts.
 * @param aliases Well-known names of peers, mapped to a key in `known`.
 * @returns The suggestion, or `undefined`.
 */
export function suggestOption(
  key: string,
  known: readonly string[],
  aliases?: OptionAliases,
): string | undefined {
  const lower = key.toLowerCase();
  if (aliases !== undefined) {
    for (const alias in aliases) if (alias.toLowerCase() === lower) return aliases[alias];
  }
  const limit = Math.min(Math.max(2, Math.floor(key.length / 3)), key.length - 1);
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best ?? containing(lower, known);
}

/** The shortest known name containing `lower`, else the longest one `lower` contains (4+ chars). */
function containing(lower: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  if (lower.length >= 4) {
    for (const name of known) {
      if (name.toLowerCase().includes(lower) && (best === undefined || name.length < best.length)) {
        best = name;
      }
    }
    if (best !== undefined) return best;
  }
  for (const name of known) {
    if (name.length < 4 || !lower.includes(name.toLowerCase())) continue;
    if (best === undefined || name.length > best.length) best = name;
  }
  return best;
}

/**
 * The Damerau-Levenshtein distance (optimal string alignment): insertions, deletions,
 * substitutions and transpositions of two adjacent characters each count 1.
 */
export function editDistance(a: string, b: string): number {
  // Three rolling rows: the one before last (for transpositions), the last, the current.
  let before: number[] = [];
  let last = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(last[j] + 1, row[j - 1] + 1, last[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, before[j - 2] + 1);
      }
      row.push(value);
    }
    [before, last] = [last, row];
  }
  return last[b.length];
}

/** Whether `value` is an object that is neither null, an array nor a function. */
function isObject(value: unknown): value is object {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const numericSchemas = new WeakMap<z.ZodType, boolean>();

/** Whether a schema accepts some number (so a bad number is a range error, not a type error). */
function takesNumbers(schema: z.ZodType): boolean {
  let known = numericSchemas.get(schema);
  if (known === undefined) {
    known = [0, 1, 2, 50, 100, 1000, 60_000, Infinity].some((n) => schema.safeParse(n).success);
    numericSchemas.set(schema, known);
  }
  return known;
}

/** A short, safe rendering of any value for an error message. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "boolean":
    case "undefined":
    case "symbol":
      return String(value);
    case "function":
      return value.name ? `function ${value.name}` : "an anonymous function";
  }
  if (value === null) return "null";
  try {
    // Non-finite numbers would print as null in JSON: show them as they are.
    const json = JSON.stringify(
      value,
      (_key, item) => typeof item === "number" && !Number.isFinite(item) ? String(item) : item,
    );
    if (json !== undefined) return json.length > 60 ? json.slice(0, 57) + "..." : json;
  } catch {
    // fall through: circular or exotic
  }
  return Array.isArray(value) ? `an array of length ${value.length}` : "an object";
}
