/**
 * A cheap epoch-millisecond clock for event timestamps. Reading the system clock costs 50–100 ns on
 * some machines, which adds up at millions of events; this reuses one reading for a few calls within
 * the same turn of the event loop. A reading is reused at most `REUSE` times and never across a
 * macrotask (a zero-delay, unref'd timer expires it), so a timestamp is off by far less than its
 * millisecond resolution.
 *
 * @internal
 */

const REUSE = 16;
let cached = 0;
let uses = 0;
let expiry: ReturnType<typeof setTimeout> | undefined;

function expire(): void {
  expiry = undefined;
  uses = 0;
}

/** `Date.now()`, reused for a few calls within one turn. */
export function epochNow(): number {
  if (uses > 0) {
    uses--;
    return cached;
  }
  cached = Date.now();
  uses = REUSE - 1;
  if (expiry === undefined) {
    expiry = setTimeout(expire, 0);
    // Never keep a process alive for this (Node and Bun timers have unref; elsewhere it is moot).
    (expiry as { unref?: () => void }).unref?.();
  }
  return cached;
}
