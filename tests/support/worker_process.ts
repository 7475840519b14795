/**
 * What the worker process scripts of the NATS tests and benches need of their runtime (Deno, Node
 * or Bun): their arguments, a line on stdout, and a graceful stop on SIGTERM.
 */
const g = globalThis as unknown as {
  Deno?: { args: string[] };
  process: {
    argv: string[];
    stdout: { write(s: string): boolean };
    on(signal: string, f: () => void): void;
    exit(code: number): void;
  };
};

/** The script's arguments (after the script's own path). */
export function workerArgs(): string[] {
  return g.Deno?.args ?? g.process.argv.slice(2);
}

/** Writes `line` and a newline to stdout. */
export function printLine(line: string): void {
  g.process.stdout.write(`${line}\n`);
}

/** On SIGTERM: closes the member, then its connection, and exits with 0. */
export function closeOnSigterm(
  member: { close(): Promise<void> },
  connection: { close(): Promise<void> },
): void {
  g.process.on("SIGTERM", async () => {
    await member.close();
    await connection.close();
    g.process.exit(0);
  });
}
