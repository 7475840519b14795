import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { StatusEvent, TaskEvent } from "../mod.ts";

describe("event constructors take one init object", () => {
  it("StatusEvent fills worker, timestamp and metadata by default and parses workerId", () => {
    const before = Date.now();
    const event = new StatusEvent({ itemId: "a", stage: "S", status: "queued" });
    assert.equal(event.worker, null);
    assert.equal(event.workerId, null);
    assert.ok(event.timestamp >= before && event.timestamp <= Date.now());
    assert.deepEqual(event.metadata, {});
    const full = new StatusEvent({
      itemId: 1,
      stage: "S",
      status: "failed",
      worker: "S-W4",
      timestamp: 5,
      metadata: { error: "boom", errorType: "Error", attempt: 2 },
    });
    assert.deepEqual(
      [full.itemId, full.stage, full.status, full.worker, full.workerId, full.timestamp],
      [1, "S", "failed", "S-W4", 4, 5],
    );
    assert.equal(full.metadata.attempt, 2);
  });

  it("TaskEvent keeps every field it is given, worker defaulting to null", () => {
    const error = new Error("503");
    const event = new TaskEvent({
      itemId: 2,
      stage: "S",
      taskName: "fetch",
      eventType: "retry",
      attempt: 1,
      timestamp: 9,
      error,
      duration: 12,
    });
    assert.deepEqual(
      [event.itemId, event.stage, event.taskName, event.worker, event.eventType, event.attempt],
      [2, "S", "fetch", null, "retry", 1],
    );
    assert.equal(event.timestamp, 9);
    assert.equal(event.error, error);
    assert.equal(event.duration, 12);
  });

  it("the positional form is a TypeError that shows the expected shape and the value", () => {
    const Status = StatusEvent as unknown as new (...args: unknown[]) => StatusEvent;
    const Task = TaskEvent as unknown as new (...args: unknown[]) => TaskEvent;
    assert.throws(
      () => new Status(1, "S", "queued"),
      (e: unknown) =>
        e instanceof TypeError && /^StatusEvent: the constructor takes one object \{ itemId/.test(
          e.message,
        ) && e.message.endsWith("got 1"),
    );
    assert.throws(
      () => new Task(null),
      (e: unknown) => e instanceof TypeError && /^TaskEvent: .* got null$/.test(e.message),
    );
  });
});
