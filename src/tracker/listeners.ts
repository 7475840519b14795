/**
 * Bookkeeping for a tracker's listeners: counts per event type (so emitting can be skipped when
 * nobody listens), the listeners in dispatch order, and wrappers that keep a throwing listener from
 * escaping a dispatch.
 *
 * @internal
 */
import { isThenable } from "../utils/thenable.ts";

type Listener = EventListenerOrEventListenerObject;

/** One registered listener. */
export interface ListenerEntry {
  readonly listener: Listener;
  readonly capture: boolean;
  /** Calls the listener (removing it first if `once`), reporting what it throws or rejects. */
  readonly call: (event: Event) => void;
  /** Set when the listener is removed: a dispatch under way skips it (DOM's "removed" flag). */
  removed: boolean;
}

export type ListenerErrorHandler = (error: unknown, type: string, event: Event) => void;

const NO_ENTRIES: readonly ListenerEntry[] = Object.freeze([]);

/**
 * Whether this runtime's `EventTarget` calls capturing listeners before the others at the target
 * (the DOM standard since 2021, Bun) or all of them in registration order (Deno, Node): the
 * registry keeps its lists in the order the runtime would call them.
 */
const CAPTURE_FIRST: boolean = (() => {
  const probe = new EventTarget();
  let first = "";
  probe.addEventListener("probe", () => first ||= "bubble");
  try {
    probe.addEventListener("probe", () => first ||= "capture", true);
  } catch {
    return false; // workerd: no capturing listeners at all
  }
  probe.dispatchEvent(new Event("probe"));
  return first === "capture";
})();

export class ListenerRegistry {
  /** Per type, the listeners in call order. Replaced on every change, never changed in place. */
  #lists = new Map<string, readonly ListenerEntry[]>();
  #onError: ListenerErrorHandler;
  #onChange: () => void;
  #target: EventTarget | undefined;

  /**
   * @param target The target the listeners are added to, when known: listeners are called with
   * it as `this` (what `event.currentTarget` would give, without reading it per event).
   */
  constructor(onError: ListenerErrorHandler, onChange: () => void, target?: EventTarget) {
    this.#onError = onError;
    this.#onChange = onChange;
    this.#target = target;
  }

  count(type: string): number {
    return this.#lists.get(type)?.length ?? 0;
  }

  /**
   * The listeners of `type` in call order. The array is never changed (a change replaces it), so
   * a dispatch iterates the one it got: a listener added meanwhile is not in it, one removed
   * meanwhile has `removed` set.
   */
  list(type: string): readonly ListenerEntry[] {
    return this.#lists.get(type) ?? NO_ENTRIES;
  }

  /** Registers a listener; returns the wrapper to hand to EventTarget, or undefined if it is a duplicate. */
  add(
    type: string,
    listener: Listener,
    options: boolean | AddEventListenerOptions | undefined,
  ): ((event: Event) => void) | undefined {
    const capture = captureOf(options);
    const list = this.list(type);
    if (list.some((e) => e.listener === listener && e.capture === capture)) return undefined;
    const signal = typeof options === "object" ? options.signal : undefined;
    if (signal?.aborted) return undefined;
    const once = typeof options === "object" && options.once === true;
    const entry: { -readonly [K in keyof ListenerEntry]: ListenerEntry[K] } = {
      listener,
      capture,
      call: skip,
      removed: false,
    };
    entry.call = this.#caller(type, entry, once);
    const at = CAPTURE_FIRST && capture ? list.findLastIndex((e) => e.capture) + 1 : list.length;
    this.#lists.set(type, [...list.slice(0, at), entry, ...list.slice(at)]);
    signal?.addEventListener("abort", () => this.remove(type, listener, capture), { once: true });
    this.#onChange();
    return entry.call;
  }

  /** Forgets a listener; returns its wrapper so it can be removed from the EventTarget too. */
  remove(
    type: string,
    listener: Listener,
    options: boolean | EventListenerOptions | undefined,
  ): ((event: Event) => void) | undefined {
    const capture = captureOf(options);
    const list = this.list(type);
    const index = list.findIndex((e) => e.listener === listener && e.capture === capture);
    if (index === -1) return undefined;
    const entry = list[index];
    entry.removed = true;
    if (list.length === 1) this.#lists.delete(type);
    else this.#lists.set(type, list.filter((e) => e !== entry));
    this.#onChange();
    return entry.call;
  }

  /**
   * The function that calls an entry's listener. It does nothing once the entry was removed: where
   * it is also registered with an `EventTarget` (a `RemoteTracker`'s connection events), a removal
   * that reached only the registry (an aborted `signal`) must still stop it.
   */
  #caller(type: string, entry: ListenerEntry, once: boolean): (e: Event) => void {
    const onError = this.#onError;
    const target = this.#target;
    const { listener, capture } = entry;
    const fn = typeof listener === "function"
      ? listener as (this: unknown, event: Event) => unknown
      : undefined;
    return (event: Event): void => {
      if (entry.removed) return;
      if (once) this.remove(type, listener, capture);
      try {
        const result = fn !== undefined
          ? fn.call(target ?? event.currentTarget, event)
          : (listener as EventListenerObject).handleEvent(event);
        if (isThenable(result)) result.then(undefined, (error) => onError(error, type, event));
      } catch (error) {
        onError(error, type, event);
      }
    };
  }
}

function skip(): void {}

function captureOf(options: boolean | EventListenerOptions | undefined): boolean {
  return typeof options === "boolean" ? options : options?.capture === true;
}
