/**
 * The host name and process id of the running process, feature-detected (Deno, then Node and
 * Bun); `null` where the runtime has none (edge workers, browsers). Used to label a process in
 * the cluster view of `@antflow/antflow/nats`; it lives here, with the other runtime probes,
 * so that no module outside `./terminal` reaches for a runtime.
 *
 * @module
 */

interface RuntimeLike {
  Deno?: { hostname?: () => string; pid?: number };
  process?: { pid?: number; getBuiltinModule?: (id: string) => unknown };
}

/** This process's host name and pid where the runtime tells them. Never throws. */
export function hostAndPid(): { host: string | null; pid: number | null } {
  const g = globalThis as RuntimeLike;
  let host: string | null = null;
  try {
    host = g.Deno?.hostname?.() ??
      (g.process?.getBuiltinModule?.("node:os") as { hostname(): string } | undefined)
        ?.hostname() ??
      null;
  } catch {
    host = null;
  }
  const pid = g.process?.pid ?? g.Deno?.pid;
  return { host, pid: typeof pid === "number" ? pid : null };
}
