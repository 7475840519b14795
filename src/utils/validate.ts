import type { z } from "zod";

/** One option: its zod schema and the rule, in words, that the message states. */
export interface FieldRule {
  schema: z.ZodType;
  rule: string;
}

/** Which error class to throw for a bad value, given whether the value had the right type. */
export type ErrorFactory = (message: string, wrongType: boolean) => Error;

/** TypeError for a wrong type, RangeError for a number out of range. */
export const typeOrRangeError: ErrorFactory = (message, wrongType) =>
  wrongType ? new TypeError(message) : new RangeError(message);

/**
 * Validates `options` field by field and throws one error naming the owner, the field, the rule and
 * the value received, e.g. `Stage "Fetch": workers must be an integer >= 1, got 0`.
 */
export function validateOptions(
  owner: string,
  options: unknown,
  rules: Record<string, FieldRule>,
  makeError: ErrorFactory,
): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw makeError(`${owner}: options must be an object, got ${describeValue(options)}`, true);
  }
  const record = options as Record<string, unknown>;
  for (const key in rules) {
    const field = rules[key];
    const value = record[key];
    if (field.schema.safeParse(value).success) continue;
    // A number is "out of range" only for a field that takes numbers; anywhere else it is the
    // wrong type (a number given for a function, say).
    const wrongType = typeof value !== "number" || !takesNumbers(field.schema);
    throw makeError(`${owner}: ${key} ${field.rule}, got ${describeValue(value)}`, wrongType);
  }
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
