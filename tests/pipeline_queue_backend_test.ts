/**
 * The queue-backend contract (the JSDoc of `QueueBackend`), checked on the in-memory queue. The
 * checks take a factory, so a durable backend can be held to the same contract. How the engine
 * uses a backend is in pipeline_queue_backend_option_test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  memoryQueue,
  type QueueBackend,
  type QueueBackendFactory,
  type QueuedItem,
} from "../mod.ts";

interface Item extends QueuedItem {
  id: number;
  priority: number;
  done: boolean;
}

const item = (id: number, priority = 100): Item => ({
  id,
  priority,
  value: `v${id}`,
  attempt: 1,
  done: false,
});

/** Every item `tryTake` gives now, by id. */
function drain(queue: QueueBackend<Item>): number[] {
  const ids: number[] = [];
  for (let next = queue.tryTake(); next !== undefined; next = queue.tryTake()) ids.push(next.id);
  return ids;
}

const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function contract(name: string, factory: QueueBackendFactory<Item>): void {
  const create = (capacity: number): QueueBackend<Item> =>
    factory(
      { stage: "S", capacity, workers: 2, maxDeliveries: 3 },
      { adopt: () => undefined },
    );

  describe(`${name} keeps the queue-backend contract`, () => {
    it("hands items out by priority, lower first, first in first out within one", () => {
      const queue = create(Infinity);
      for (const [id, priority] of [[1, 5], [2, 1], [3, 5], [4, 1], [5, 3]]) {
        assert.equal(queue.put(item(id, priority)), undefined);
      }
      assert.equal(queue.size, 5);
      assert.deepEqual(drain(queue), [2, 4, 5, 1, 3]);
      assert.equal(queue.size, 0);
    });

    it("makes a producer wait while full, and calls onEnter when its item enters", async () => {
      const queue = create(2);
      queue.put(item(1));
      queue.put(item(2));
      assert.equal(queue.full, true);
      const entered: number[] = [];
      const onEnter = (entering: Item): void => void entered.push(entering.id);
      let resolved = false;
      const waiting = queue.put(item(3), onEnter);
      assert.ok(waiting instanceof Promise);
      void waiting.then(() => (resolved = true));
      await turn();
      assert.equal(resolved, false);
      assert.deepEqual(entered, []);
      assert.equal(queue.tryTake()?.id, 1);
      // Entered inside that take, before anyone could take it.
      assert.deepEqual(entered, [3]);
      await waiting;
      assert.deepEqual(drain(queue), [2, 3]);
    });

    it("lets waiting producers in in the order they started waiting", async () => {
      const queue = create(1);
      queue.put(item(1));
      const puts = [queue.put(item(2)), queue.put(item(3)), queue.put(item(4))];
      const taken: number[] = [];
      while (taken.length < 4) {
        const next = queue.tryTake();
        assert.ok(next !== undefined);
        taken.push(next.id);
      }
      await Promise.all(puts);
      assert.deepEqual(taken, [1, 2, 3, 4]);
    });

    it("gives a waiting taker the next item put, takers first come first served", async () => {
      const queue = create(4);
      const first = queue.take();
      const second = queue.take();
      assert.equal(queue.full, false);
      queue.put(item(1));
      queue.put(item(2));
      assert.equal((await first)?.id, 1);
      assert.equal((await second)?.id, 2);
    });

    it("never hands out an item whose done is set, and purge drops them", async () => {
      const queue = create(2);
      const a = item(1);
      const b = item(2);
      queue.put(a);
      queue.put(b);
      const blocked = item(3);
      const waiting = queue.put(blocked);
      a.done = true;
      blocked.done = true;
      queue.purge();
      await waiting; // its put resolves once the item is dropped
      assert.deepEqual(drain(queue), [2]);
      b.done = true;
      queue.put(item(4));
      assert.deepEqual(drain(queue), [4]);
    });

    it("is a rendezvous at capacity 0: a put completes only when a taker takes the item", async () => {
      const queue = create(0);
      assert.equal(queue.full, true);
      const waiting = queue.put(item(1));
      assert.ok(waiting instanceof Promise);
      assert.equal(queue.tryTake()?.id, 1);
      await waiting;
      const taker = queue.take();
      assert.equal(queue.put(item(2)), undefined);
      assert.equal((await taker)?.id, 2);
    });

    it("resolves space() once about half the capacity is free", async () => {
      const queue = create(4);
      for (let id = 1; id <= 4; id++) queue.put(item(id));
      let room = false;
      void queue.space().then(() => (room = true));
      queue.tryTake();
      await turn();
      assert.equal(room, false);
      queue.tryTake();
      await turn();
      assert.equal(room, true);
      assert.equal(queue.full, false);
    });

    it("retry() gives an item back without waiting for room, after its delay", async () => {
      const queue = create(1);
      queue.put(item(1));
      const again = item(2);
      queue.retry(again, 0);
      assert.deepEqual(drain(queue), [1, 2]);
      queue.retry(again, 30);
      assert.equal(queue.tryTake(), undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(drain(queue), [2]);
    });

    it("ack() ends a pending retry, and a retry due for a done item drops it", async () => {
      const queue = create(Infinity);
      const acked = item(1);
      const cancelled = item(2);
      queue.retry(acked, 20);
      queue.retry(cancelled, 20);
      queue.ack(acked);
      cancelled.done = true;
      queue.ack(item(3)); // never held: ignored
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(drain(queue), []);
    });

    it("close() wakes waiting takers with undefined and waiting producers; nothing waits after", async () => {
      const queue = create(1);
      queue.put(item(1));
      const producer = queue.put(item(2));
      const other = create(1);
      const taker = other.take();
      queue.close();
      other.close();
      await producer;
      assert.equal(await taker, undefined);
      assert.equal(await other.take(), undefined);
      assert.equal(queue.full, false);
      await queue.space();
    });
  });
}

contract("the in-memory queue", memoryQueue);
