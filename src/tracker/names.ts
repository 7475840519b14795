import { parseWorkerId } from "./events.ts";

/**
 * A stage or worker name as the tracker stores it: the name itself (for events) and a small
 * integer (for the packed history). The engine asks for a reference once per stage and worker and
 * passes it with every event, so recording an event needs no name lookup.
 *
 * @internal
 */
export interface NameRef {
  readonly name: string | null;
  readonly id: number;
  /** The worker index parsed from the name (`"Fetch-W3"` → 3), or `null`. */
  readonly workerId: number | null;
}

/** The reference for "no name" (a `queued` event has no worker). */
export const NO_NAME: NameRef = Object.freeze({ name: null, id: 0, workerId: null });

/** Interns names: one reference per distinct name. @internal */
export class NameTable {
  readonly #refs: NameRef[] = [NO_NAME];
  readonly #byName = new Map<string, NameRef>();

  ref(name: string | null): NameRef {
    if (name === null) return NO_NAME;
    let ref = this.#byName.get(name);
    if (ref === undefined) {
      ref = Object.freeze({ name, id: this.#refs.length, workerId: parseWorkerId(name) });
      this.#refs.push(ref);
      this.#byName.set(name, ref);
    }
    return ref;
  }

  name(id: number): string | null {
    return this.#refs[id].name;
  }
}
