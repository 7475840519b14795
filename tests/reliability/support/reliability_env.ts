/** Environment switches of the reliability suite, read the same way on Deno, Node and Bun. */

/** Reads an environment variable (undefined when unset or not allowed). */
export function env(name: string): string | undefined {
  const g = globalThis as {
    Deno?: { env: { get(name: string): string | undefined } };
    process?: { env: Record<string, string | undefined> };
  };
  try {
    return g.Deno !== undefined ? g.Deno.env.get(name) : g.process?.env[name];
  } catch {
    return undefined;
  }
}
