/**
 * Resolves on a later turn of the event loop (a macrotask), so that timers, I/O and other
 * requests get to run. A `MessageChannel` message has no minimum delay (unlike `setTimeout`, which
 * waits at least 1 ms on several runtimes); its ports are closed at once, so nothing is left to
 * keep a process alive.
 *
 * @internal
 */
export function macrotask(): Promise<void> {
  if (typeof MessageChannel !== "function") return new Promise((r) => setTimeout(r, 0));
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
