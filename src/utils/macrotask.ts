/**
 * Turns of the event loop for a busy engine: `macrotask()` resolves on a later turn, so that
 * timers, I/O and other requests get to run.
 *
 * A `MessageChannel` message is the cheap way (no minimum delay; `setTimeout(0)` waits 1–2 ms on
 * several runtimes), but on some runtimes (Bun) a message turn does not run due timers. So each
 * channel turn leaves a zero-delay timer behind as a probe; if a later channel turn comes back and
 * that probe, though due, has not fired, channel turns do not serve timers here, and from then on
 * the turns use `setTimeout` (less often: see `yieldEveryMs`). Ports are closed at once and the
 * probes are one-shot, so nothing is left to keep a process alive.
 *
 * @internal
 */

let timersViaChannel = typeof MessageChannel === "function";
let probe: { fired: boolean; at: number } | undefined;

/** How long a busy engine may run between two turns, in ms. */
export function yieldEveryMs(): number {
  return timersViaChannel ? 10 : 25;
}

/** Resolves on a later turn of the event loop. */
export async function macrotask(): Promise<void> {
  if (!timersViaChannel) return new Promise((resolve) => setTimeout(resolve, 0));
  const previous = probe;
  await channelTurn();
  if (previous !== undefined && !previous.fired && performance.now() - previous.at > 4) {
    timersViaChannel = false; // a due timer did not run during a channel turn
    return;
  }
  const next = { fired: false, at: performance.now() };
  probe = next;
  setTimeout(() => (next.fired = true), 0);
}

function channelTurn(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      channel.port2.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
