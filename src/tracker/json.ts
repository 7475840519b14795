import type { ErrorJSON } from "./types.ts";

/**
 * `{ name, message }` of any thrown value, without a stack, never throwing (getters that throw,
 * proxies and exotic objects are tolerated).
 */
export function errorToJSON(error: unknown): ErrorJSON {
  let isError = false;
  try {
    isError = error instanceof Error;
  } catch {
    // a proxy whose traps throw: treat it as a plain value below
  }
  if (isError) {
    const error2 = error as Error;
    return {
      name: safeString(() => error2.name, "Error"),
      message: safeString(() => error2.message, ""),
    };
  }
  if (error !== null && (typeof error === "object" || typeof error === "function")) {
    const name = safeString(() => (error as { name?: unknown }).name, "Error");
    const message = safeString(() => (error as { message?: unknown }).message, "");
    return { name, message };
  }
  return { name: "Error", message: safeString(() => String(error), "") };
}

/** A JSON-safe copy of event metadata: always a plain object, whatever the input holds. */
export function metadataToJSON(metadata: unknown): Record<string, unknown> {
  const safe = toJSONSafe(metadata);
  return safe !== null && typeof safe === "object" && !Array.isArray(safe)
    ? safe as Record<string, unknown>
    : {};
}

function safeString(read: () => unknown, fallback: string): string {
  try {
    const value = read();
    if (typeof value === "string") return value;
    if (value === undefined || value === null) return fallback;
    return String(value);
  } catch {
    return fallback;
  }
}

/**
 * A JSON-safe copy of `value`: errors become `{ name, message }`, cycles become `"[Circular]"`,
 * bigints become strings, functions and symbols are dropped, and nothing here throws.
 */
export function toJSONSafe(value: unknown, seen: Set<object> = new Set()): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  let isError = false;
  try {
    isError = object instanceof Error;
  } catch {
    return "[Unserializable]";
  }
  if (isError) return errorToJSON(object);
  if (seen.has(object)) return "[Circular]";
  seen.add(object);
  try {
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return toJSONSafe(toJSON.call(object), seen);
    if (Array.isArray(object)) return object.map((item) => toJSONSafe(item, seen) ?? null);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      let item: unknown;
      try {
        item = (object as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      const safe = toJSONSafe(item, seen);
      // defineProperty, so that a "__proto__" key is kept as data instead of setting a prototype.
      if (safe !== undefined) {
        Object.defineProperty(out, key, {
          value: safe,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return out;
  } catch {
    return "[Unserializable]";
  } finally {
    seen.delete(object);
  }
}
