import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pipeline, Stage, StatusEvent, StatusTracker, TaskEvent } from "../mod.ts";
import { sleep } from "./support/helpers.ts";

function inc(x: number): number {
  return x + 1;
}

/** Runs `items` through one stage of one worker with `tracker`. */
async function runOne(tracker: StatusTracker, items: number[] = [1]): Promise<void> {
  await new Pipeline({
    stages: [new Stage({ name: "A", workers: 1, tasks: [inc] })],
    statusTracker: tracker,
  }).run(items);
}

/** A status event as a user would build one to dispatch on the tracker. */
function userStatus(itemId: number): StatusEvent {
  return new StatusEvent({ itemId, stage: "A", status: "queued", worker: null, timestamp: 1 });
}

describe("tracker listeners get DOM events (the tracker's own events)", () => {
  it("a status listener gets a CustomEvent whose target and currentTarget are the tracker, at target phase", async () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    let kept: Event | undefined;
    tracker.addEventListener("status", function (this: unknown, e) {
      kept = e;
      seen.push(
        [
          e instanceof CustomEvent,
          e instanceof Event,
          e.type,
          e.detail instanceof StatusEvent,
          e.target === tracker,
          e.currentTarget === tracker,
          this === tracker,
          e.eventPhase === Event.AT_TARGET,
          e.composedPath().length === 1 && e.composedPath()[0] === tracker,
          e.bubbles,
          e.cancelable,
          e.isTrusted,
        ].join(","),
      );
    });
    await runOne(tracker);
    assert.equal(seen.length, 3);
    for (const line of seen) {
      assert.equal(line, "true,true,status,true,true,true,true,true,true,false,false,false");
    }
    // After its dispatch an event keeps its target and has no current target, phase or path.
    assert.equal(kept!.target, tracker);
    assert.equal(kept!.currentTarget, null);
    assert.equal(kept!.eventPhase, Event.NONE);
    assert.deepEqual(kept!.composedPath(), []);
  });

  it("task and run listeners get CustomEvents with their detail (TaskEvent, run event)", async () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    for (const type of ["taskstart", "taskcomplete", "runstart", "runend"] as const) {
      tracker.addEventListener(type, (e) => {
        const detail = e.detail as unknown;
        const kind = detail instanceof TaskEvent ? "task" : typeof detail;
        seen.push(`${e.type}:${e instanceof CustomEvent}:${e.target === tracker}:${kind}`);
      });
    }
    await runOne(tracker);
    assert.deepEqual(seen, [
      "runstart:true:true:object",
      "taskstart:true:true:task",
      "taskcomplete:true:true:task",
      "runend:true:true:object",
    ]);
  });

  it("listeners run in registration order, functions and handleEvent objects alike (the object as this)", async () => {
    const tracker = new StatusTracker();
    const order: string[] = [];
    const object = {
      handleEvent(this: unknown, e: CustomEvent<StatusEvent>) {
        order.push(`object:${this === object}:${e.detail.status}`);
      },
    };
    tracker.addEventListener("status", (e) => order.push(`first:${e.detail.status}`));
    tracker.addEventListener("status", object);
    tracker.addEventListener("status", (e) => order.push(`third:${e.detail.status}`));
    await runOne(tracker);
    assert.deepEqual(order, [
      "first:queued",
      "object:true:queued",
      "third:queued",
      "first:in_progress",
      "object:true:in_progress",
      "third:in_progress",
      "first:completed",
      "object:true:completed",
      "third:completed",
    ]);
  });

  it("capture and non-capture listeners run in the order a plain EventTarget of this runtime uses", async () => {
    const order = (target: EventTarget, log: string[]) => {
      target.addEventListener("status", () => log.push("bubble1"));
      target.addEventListener("status", () => log.push("capture1"), { capture: true });
      target.addEventListener("status", () => log.push("bubble2"));
      target.addEventListener("status", () => log.push("capture2"), true);
    };
    const plain: string[] = [];
    const plainTarget = new EventTarget();
    order(plainTarget, plain);
    plainTarget.dispatchEvent(new CustomEvent("status"));
    const tracked: string[] = [];
    const tracker = new StatusTracker();
    order(tracker, tracked);
    await runOne(tracker);
    assert.equal(plain.length, 4);
    assert.deepEqual(tracked, [...plain, ...plain, ...plain]);
  });

  it("the same listener added twice is called once; with capture true and false it is two listeners", async () => {
    const tracker = new StatusTracker();
    let calls = 0;
    const listener = () => calls++;
    tracker.addEventListener("status", listener);
    tracker.addEventListener("status", listener);
    tracker.addEventListener("status", listener, { capture: false });
    assert.equal(tracker.listenerCount("status"), 1);
    await runOne(tracker);
    assert.equal(calls, 3);
    tracker.addEventListener("status", listener, true);
    assert.equal(tracker.listenerCount("status"), 2);
    await runOne(tracker);
    assert.equal(calls, 3 + 6);
    tracker.removeEventListener("status", listener, { capture: true });
    tracker.removeEventListener("status", listener);
    assert.equal(tracker.listenerCount("status"), 0);
    await runOne(tracker);
    assert.equal(calls, 9);
  });

  it("once: the listener is removed before it runs and gets one event", async () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    tracker.addEventListener("status", (e) => {
      seen.push(`${e.detail.status}:${tracker.listenerCount("status")}`);
    }, { once: true });
    await runOne(tracker);
    assert.deepEqual(seen, ["queued:0"]);
    assert.equal(tracker.listenerCount("status"), 0);
  });

  it("signal: an aborted signal removes the listener, also when an earlier listener aborts it mid-dispatch", async () => {
    const tracker = new StatusTracker();
    const before = new AbortController();
    before.abort();
    const seen: string[] = [];
    tracker.addEventListener("status", () => seen.push("never"), { signal: before.signal });
    assert.equal(tracker.listenerCount("status"), 0);
    const during = new AbortController();
    tracker.addEventListener("status", (e) => {
      seen.push(`first:${e.detail.status}`);
      during.abort();
    });
    tracker.addEventListener("status", (e) => seen.push(`second:${e.detail.status}`), {
      signal: during.signal,
    });
    await runOne(tracker);
    assert.deepEqual(seen, ["first:queued", "first:in_progress", "first:completed"]);
    assert.equal(tracker.listenerCount("status"), 1);
  });

  it("a listener removed during a dispatch is not called for it; one added is called from the next event on", async () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    const later = (e: CustomEvent<StatusEvent>) => seen.push(`later:${e.detail.status}`);
    const added = (e: CustomEvent<StatusEvent>) => seen.push(`added:${e.detail.status}`);
    tracker.addEventListener("status", (e) => {
      seen.push(`first:${e.detail.status}`);
      if (e.detail.status === "queued") {
        tracker.removeEventListener("status", later);
        tracker.addEventListener("status", added);
      }
    });
    tracker.addEventListener("status", later);
    await runOne(tracker);
    assert.deepEqual(seen, [
      "first:queued",
      "first:in_progress",
      "added:in_progress",
      "first:completed",
      "added:completed",
    ]);
  });

  it("a listener removed and added again during a dispatch is not called for that event", async () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    const again = (e: CustomEvent<StatusEvent>) => seen.push(`again:${e.detail.status}`);
    tracker.addEventListener("status", (e) => {
      if (e.detail.status === "queued") {
        tracker.removeEventListener("status", again);
        tracker.addEventListener("status", again);
      }
    });
    tracker.addEventListener("status", again);
    await runOne(tracker);
    assert.deepEqual(seen, ["again:in_progress", "again:completed"]);
  });

  it("stopImmediatePropagation skips the later listeners for that event only; stopPropagation does not", async () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    tracker.addEventListener("status", (e) => {
      seen.push(`first:${e.detail.status}`);
      if (e.detail.status === "queued") e.stopImmediatePropagation();
      else e.stopPropagation();
      assert.equal(e.cancelBubble, true);
    });
    tracker.addEventListener("status", (e) => seen.push(`second:${e.detail.status}`));
    await runOne(tracker);
    assert.deepEqual(seen, [
      "first:queued",
      "first:in_progress",
      "second:in_progress",
      "first:completed",
      "second:completed",
    ]);
  });

  it("a throwing or rejecting listener is reported as listener:<type> with the event's detail; the others still run", async () => {
    const tracker = new StatusTracker();
    const errors: string[] = [];
    const seen: string[] = [];
    tracker.addEventListener("status", (e) => {
      if (e.detail.status === "queued") throw new Error("sync bug");
    });
    tracker.addEventListener("status", (e) => {
      if (e.detail.status === "completed") return Promise.reject(new Error("async bug"));
    });
    tracker.addEventListener("status", (e) => seen.push(e.detail.status));
    tracker.addEventListener("error", (e) => {
      const event = e.detail.event as StatusEvent;
      errors.push(`${e.detail.callback}:${(e.detail.error as Error).message}:${event.status}`);
      assert.equal(e.target, tracker);
    });
    await runOne(tracker);
    await sleep(5);
    assert.deepEqual(seen, ["queued", "in_progress", "completed"]);
    assert.deepEqual(errors, [
      "listener:status:sync bug:queued",
      "listener:status:async bug:completed",
    ]);
  });

  it("an event's listener that makes the tracker dispatch another event sees it nested, in order", async () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    tracker.addEventListener("status", (e) => {
      seen.push(`status:${e.detail.status}:start`);
      if (e.detail.status === "queued") throw new Error("x");
      seen.push(`status:${e.detail.status}:end`);
    });
    tracker.addEventListener("error", (e) => {
      seen.push(`error:${e.currentTarget === tracker}:${e.eventPhase}`);
    });
    await runOne(tracker);
    assert.deepEqual(seen, [
      "status:queued:start",
      `error:true:${Event.AT_TARGET}`,
      "status:in_progress:start",
      "status:in_progress:end",
      "status:completed:start",
      "status:completed:end",
    ]);
  });
});

describe("tracker listeners and events dispatched on the tracker from outside", () => {
  it("a CustomEvent dispatched with dispatchEvent reaches the tracker's listeners, in order, with the real event", () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    const event = new CustomEvent("status", { detail: userStatus(42) });
    tracker.addEventListener("status", function (this: unknown, e) {
      seen.push(
        `first:${e === event}:${e.detail.itemId}:${e.target === tracker}:${this === tracker}`,
      );
    });
    tracker.addEventListener("status", {
      handleEvent: (e: CustomEvent<StatusEvent>) => seen.push(`second:${e.detail.itemId}`),
    });
    assert.equal(tracker.dispatchEvent(event), true);
    assert.deepEqual(seen, ["first:true:42:true:true", "second:42"]);
  });

  it("stopImmediatePropagation and once work for events dispatched from outside", () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    tracker.addEventListener("status", (e) => {
      seen.push(`once:${e.detail.itemId}`);
    }, { once: true });
    tracker.addEventListener("status", (e) => {
      seen.push(`stopper:${e.detail.itemId}`);
      if (e.detail.itemId === 1) e.stopImmediatePropagation();
    });
    tracker.addEventListener("status", (e) => seen.push(`last:${e.detail.itemId}`));
    tracker.dispatchEvent(new CustomEvent("status", { detail: userStatus(1) }));
    tracker.dispatchEvent(new CustomEvent("status", { detail: userStatus(2) }));
    assert.deepEqual(seen, ["once:1", "stopper:1", "stopper:2", "last:2"]);
  });

  it("a listener that throws on an event dispatched from outside is reported, and dispatchEvent does not throw", () => {
    const tracker = new StatusTracker();
    const errors: string[] = [];
    tracker.addEventListener("taskstart", () => {
      throw new Error("bad");
    });
    tracker.addEventListener("error", (e) => errors.push(e.detail.callback));
    const detail = new TaskEvent({
      itemId: 1,
      stage: "A",
      taskName: "t",
      eventType: "start",
      attempt: 1,
    });
    tracker.dispatchEvent(new CustomEvent("taskstart", { detail }));
    assert.deepEqual(errors, ["listener:taskstart"]);
  });

  it("listeners of other event types are plain EventTarget listeners", () => {
    const tracker = new StatusTracker();
    const seen: unknown[] = [];
    tracker.addEventListener("custom", (e) => seen.push(e.type, e.target === tracker));
    tracker.dispatchEvent(new Event("custom"));
    assert.deepEqual(seen, ["custom", true]);
  });

  it("an error event dispatched from outside reaches the error listeners", () => {
    const tracker = new StatusTracker();
    const seen: string[] = [];
    tracker.addEventListener("error", (e) => seen.push(String(e.detail.callback)));
    tracker.dispatchEvent(
      new CustomEvent("error", {
        detail: { error: new Error("x"), callback: "mine", event: undefined },
      }),
    );
    assert.deepEqual(seen, ["mine"]);
  });
});
