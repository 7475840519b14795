/**
 * A fixed-capacity ring of items with consecutive ids: pushing past the capacity drops the oldest.
 *
 * @internal
 */
export class IdRing<T extends { id: number }> {
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#items = new Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds an item; returns the item it pushed out, if the ring was full. */
  push(item: T): T | undefined {
    const capacity = this.#items.length;
    if (this.#size < capacity) {
      this.#items[(this.#head + this.#size++) % capacity] = item;
      return undefined;
    }
    const dropped = this.#items[this.#head];
    this.#items[this.#head] = item;
    this.#head = (this.#head + 1) % capacity;
    return dropped;
  }

  /** The items whose id is greater than `id`, oldest first (ids in the ring are consecutive). */
  after(id: number): T[] {
    if (this.#size === 0) return [];
    const capacity = this.#items.length;
    const oldest = this.#items[this.#head]!.id;
    const skip = Math.max(0, Math.min(this.#size, id - oldest + 1));
    const out: T[] = [];
    for (let i = skip; i < this.#size; i++) out.push(this.#items[(this.#head + i) % capacity]!);
    return out;
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#head = 0;
    this.#size = 0;
  }
}
