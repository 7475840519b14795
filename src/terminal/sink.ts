/**
 * Where the display writes: the runtime's stderr, feature-detected (Deno, then Node and Bun, then
 * `console.error` on runtimes without a stderr, e.g. edge workers).
 */
export interface Sink {
  write(text: string): void;
  isTTY: boolean;
  /** The terminal's size now (it may change between frames); 0 when unknown. */
  size(): { columns: number; rows: number };
  /** Runs `fn` if the process exits while the display is active; returns the undo function. */
  onExit(fn: () => void): () => void;
}

interface DenoLike {
  stderr: { writeSync(bytes: Uint8Array): number; isTerminal?(): boolean };
  consoleSize?(): { columns: number; rows: number };
}

interface StreamLike {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

type ExitEvent = "exit" | "SIGINT" | "SIGTERM";

interface ProcessLike {
  stderr?: StreamLike;
  pid?: number;
  on?(event: ExitEvent, fn: () => void): unknown;
  removeListener?(event: ExitEvent, fn: () => void): unknown;
  listenerCount?(event: ExitEvent): number;
  kill?(pid: number, signal: string): unknown;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

const NO_SIZE = { columns: 0, rows: 0 };

function denoSink(deno: DenoLike): Sink {
  const encoder = new TextEncoder();
  const global = globalThis as unknown as EventTarget;
  return {
    write(text) {
      const bytes = encoder.encode(text);
      let offset = 0;
      while (offset < bytes.length) offset += deno.stderr.writeSync(bytes.subarray(offset));
    },
    isTTY: deno.stderr.isTerminal?.() ?? false,
    size() {
      try {
        return deno.consoleSize?.() ?? NO_SIZE;
      } catch {
        return NO_SIZE;
      }
    },
    onExit(fn) {
      global.addEventListener("unload", fn);
      return () => global.removeEventListener("unload", fn);
    },
  };
}

function processSink(proc: ProcessLike, stderr: StreamLike): Sink {
  return {
    write: (text) => void stderr.write(text),
    isTTY: stderr.isTTY === true,
    size: () => ({ columns: stderr.columns ?? 0, rows: stderr.rows ?? 0 }),
    onExit: (fn) => onProcessExit(proc, fn),
  };
}

/**
 * Runs `fn` on exit, and on SIGINT/SIGTERM when nobody else listens for them: then the signal is
 * raised again once `fn` has run, so the process still dies of it (as without a listener). When the
 * program handles the signal itself (say, by aborting the run), it is left alone: the run's end
 * restores the terminal.
 */
function onProcessExit(proc: ProcessLike, fn: () => void): () => void {
  if (typeof proc.on !== "function" || typeof proc.removeListener !== "function") return () => {};
  const handlers = SIGNALS.map((signal) => {
    const handler = (): void => {
      if ((proc.listenerCount?.(signal) ?? 1) > 1) return;
      undo();
      fn();
      if (proc.pid !== undefined) proc.kill?.(proc.pid, signal);
    };
    return [signal, handler] as const;
  });
  const undo = (): void => {
    proc.removeListener!("exit", fn);
    for (const [signal, handler] of handlers) proc.removeListener!(signal, handler);
  };
  proc.on("exit", fn);
  for (const [signal, handler] of handlers) proc.on(signal, handler);
  return undo;
}

function consoleSink(): Sink {
  return {
    write: (text) => console.error(text.endsWith("\n") ? text.slice(0, -1) : text),
    isTTY: false,
    size: () => NO_SIZE,
    onExit: () => () => {},
  };
}

/** The runtime's stderr. */
export function stderrSink(): Sink {
  const global = globalThis as { Deno?: DenoLike; process?: ProcessLike };
  if (typeof global.Deno?.stderr?.writeSync === "function") return denoSink(global.Deno);
  const stderr = global.process?.stderr;
  if (typeof stderr?.write === "function") return processSink(global.process!, stderr);
  return consoleSink();
}

/** A caller's `write` function: no terminal behind it unless the caller says so. */
export function customSink(write: (text: string) => void, isTTY: boolean): Sink {
  return { write, isTTY, size: () => NO_SIZE, onExit: () => () => {} };
}
