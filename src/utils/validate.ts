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
    const { schema, rule } = rules[key];
    const value = record[key];
    if (schema.safeParse(value).success) continue;
    throw makeError(`${owner}: ${key} ${rule}, got ${describeValue(value)}`, !isNumber(value));
  }
}

function isNumber(value: unknown): boolean {
  return typeof value === "number";
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
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 60 ? json.slice(0, 57) + "..." : json;
  } catch {
    // fall through: circular or exotic
  }
  return Array.isArray(value) ? `an array of length ${value.length}` : "an object";
}
