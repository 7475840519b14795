/**
 * Bookkeeping for a tracker's listeners: counts per event type (so emitting can be skipped when
 * nobody listens) and wrappers that keep a throwing listener from escaping `dispatchEvent`.
 *
 * @internal
 */
import { isThenable } from "../utils/thenable.ts";

type Listener = EventListenerOrEventListenerObject;

interface Entry {
  listener: Listener;
  capture: boolean;
  wrapper: (event: Event) => void;
}

export type ListenerErrorHandler = (error: unknown, type: string, event: Event) => void;

export class ListenerRegistry {
  #entries = new Map<string, Entry[]>();
  #onError: ListenerErrorHandler;
  #onChange: () => void;

  constructor(onError: ListenerErrorHandler, onChange: () => void) {
    this.#onError = onError;
    this.#onChange = onChange;
  }

  count(type: string): number {
    return this.#entries.get(type)?.length ?? 0;
  }

  /** Registers a listener; returns the wrapper to hand to EventTarget, or undefined if it is a duplicate. */
  add(
    type: string,
    listener: Listener,
    options: boolean | AddEventListenerOptions | undefined,
  ): ((event: Event) => void) | undefined {
    const capture = captureOf(options);
    const list = this.#entries.get(type) ?? [];
    if (list.some((e) => e.listener === listener && e.capture === capture)) return undefined;
    const signal = typeof options === "object" ? options.signal : undefined;
    if (signal?.aborted) return undefined;
    const once = typeof options === "object" && options.once === true;
    const onError = this.#onError;
    const wrapper = (event: Event): void => {
      if (once) this.remove(type, listener, capture);
      try {
        const result = typeof listener === "function"
          ? (listener as (this: unknown, e: Event) => unknown).call(event.currentTarget, event)
          : listener.handleEvent(event);
        if (isThenable(result)) result.then(undefined, (error) => onError(error, type, event));
      } catch (error) {
        onError(error, type, event);
      }
    };
    list.push({ listener, capture, wrapper });
    this.#entries.set(type, list);
    signal?.addEventListener("abort", () => this.remove(type, listener, capture), { once: true });
    this.#onChange();
    return wrapper;
  }

  /** Forgets a listener; returns its wrapper so it can be removed from the EventTarget too. */
  remove(
    type: string,
    listener: Listener,
    options: boolean | EventListenerOptions | undefined,
  ): ((event: Event) => void) | undefined {
    const capture = captureOf(options);
    const list = this.#entries.get(type);
    if (list === undefined) return undefined;
    const index = list.findIndex((e) => e.listener === listener && e.capture === capture);
    if (index === -1) return undefined;
    const [entry] = list.splice(index, 1);
    if (list.length === 0) this.#entries.delete(type);
    this.#onChange();
    return entry.wrapper;
  }
}

function captureOf(options: boolean | EventListenerOptions | undefined): boolean {
  return typeof options === "boolean" ? options : options?.capture === true;
}
