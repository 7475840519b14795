import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { StatusEvent, TaskEvent } from "../mod.ts";
import { EventJSON } from "../src/hono/event_json.ts";
import { EventText } from "../src/hono/event_text.ts";
import type { StreamedType } from "../src/hono/filters.ts";
import { PendingChunk } from "../src/hono/pending.ts";
import { NameTable } from "../src/tracker/names.ts";
import { STATUS_TYPES, type StatusMetadata } from "../src/tracker/types.ts";

const TASK_TYPES = {
  start: "taskstart",
  complete: "taskcomplete",
  retry: "taskretry",
  fail: "taskfail",
};

/** What the stream carried before the fixed-shape writer: one `JSON.stringify` per event. */
function expected(json: EventJSON, type: StreamedType, id: number, event: StatusEvent | TaskEvent) {
  return `event: ${type}\nid: ${id}\ndata: ${JSON.stringify(json.toJSON(event))}\n\n`;
}

const text = fc.oneof(
  fc.constantFrom("S1", "Fetch", "Fetch-W3", "", "é", "名前", 'a"b\\c', "line\nbreak", "\u2028"),
  fc.string({ unit: "binary", maxLength: 12 }),
);
const name = fc.oneof(fc.constant(null), text);
const number = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 53 }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double(),
  fc.constantFrom(0, -0, 1e21, 1.5e-7, Number.MAX_SAFE_INTEGER + 2),
);
const itemId = fc.oneof(number, text);
const metadata: fc.Arbitrary<StatusMetadata | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.record({ error: text, errorType: text, attempt: fc.integer() }, { requiredKeys: [] }),
  fc.record({ attempt: number, value: fc.anything(), error: fc.constant(new Error("boom")) }, {
    requiredKeys: [],
  }) as fc.Arbitrary<StatusMetadata>,
);
const error = fc.oneof(
  fc.constant(undefined),
  text.map((message) => new TypeError(message)),
  fc.anything(),
);

describe("SSE wire: the fixed-shape writer", () => {
  it("writes recorded status changes byte for byte as JSON.stringify of the served StatusEvent", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        itemId,
        name,
        fc.integer({ min: 0, max: STATUS_TYPES.length - 1 }),
        name,
        number,
        metadata,
        fc.boolean(),
        (id, item, stage, status, worker, timestamp, meta, exposeValues) => {
          const json = new EventJSON(exposeValues);
          const text = new EventText(json);
          const names = new NameTable();
          const event = new StatusEvent({
            itemId: item,
            stage,
            status: STATUS_TYPES[status],
            worker,
            timestamp,
            metadata: meta,
          });
          const want = expected(json, "status", id, event);
          // Twice: the second time from the kept pieces.
          for (let i = 0; i < 2; i++) {
            const got = text.status(
              id,
              item,
              names.ref(stage),
              status,
              names.ref(worker),
              timestamp,
              meta,
            );
            assert.equal(got, want);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("writes task events byte for byte as JSON.stringify of the served JSON", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        itemId,
        name,
        name,
        name,
        fc.constantFrom("start", "complete", "retry", "fail") as fc.Arbitrary<
          keyof typeof TASK_TYPES
        >,
        number,
        number,
        error,
        fc.oneof(fc.constant(undefined), number),
        (id, item, stage, taskName, worker, eventType, attempt, timestamp, err, duration) => {
          const json = new EventJSON(false);
          const text = new EventText(json);
          const event = new TaskEvent({
            itemId: item,
            stage: stage as string,
            taskName: taskName as string,
            worker,
            eventType,
            attempt,
            timestamp,
            error: err,
            duration,
          });
          const type = TASK_TYPES[eventType] as StreamedType;
          assert.equal(json.canDefer(type, event), true);
          assert.equal(text.task(type, id, event), expected(json, type, id, event));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("leaves task events with odd fields or their own toJSON, and every status object, to the generic path", () => {
    const json = new EventJSON(false);
    class Custom extends TaskEvent {
      override toJSON() {
        return { ...super.toJSON(), extra: 1 };
      }
    }
    const custom = (id: number) =>
      new Custom({
        itemId: id,
        stage: "S",
        taskName: "t",
        worker: null,
        eventType: "start",
        attempt: 1,
        timestamp: 1,
      });
    const task = (id: unknown, stage: unknown, timestamp: unknown) =>
      new TaskEvent({
        itemId: id as number,
        stage: stage as string,
        taskName: "t",
        worker: null,
        eventType: "start",
        attempt: 1,
        timestamp: timestamp as number,
      });
    const odd = [
      task(1n, "S", 1),
      task(1, 5, 1),
      task(1, "S", "now"),
      custom(1),
    ];
    for (const event of odd) assert.equal(json.canDefer("taskstart", event), false);
    assert.equal(json.canDefer("taskstart", task(1, "S", 1)), true);
    assert.equal(
      json.canDefer("status", new StatusEvent({ itemId: 1, stage: "S", status: "queued" })),
      false,
    );
    assert.equal(json.canDefer("taskstart", { itemId: 1 } as unknown as TaskEvent), false);
    const own = custom(2);
    assert.equal(json.write("taskstart", own), JSON.stringify(own));
  });

  it("a pending chunk holds many messages and take() empties it", () => {
    const json = new EventJSON(false);
    const text = new EventText(json);
    const names = new NameTable();
    const pending = new PendingChunk();
    let want = "";
    for (let id = 1; id <= 2000; id++) {
      const worker = `Stage-é-W${id % 7}`;
      const timestamp = 1_700_000_000_000 + (id >> 4);
      const event = new StatusEvent({
        itemId: id,
        stage: "Stage-é",
        status: "in_progress",
        worker,
        timestamp,
      });
      pending.add(
        text.status(id, id, names.ref("Stage-é"), 1, names.ref(worker), timestamp, undefined),
      );
      want += expected(json, "status", id, event);
    }
    assert.equal(pending.messages, 2000);
    assert.equal(new TextDecoder().decode(pending.take()), want);
    assert.equal(pending.messages, 0);
    pending.add(text.data("runend", 1, '{"runId":"r"}'));
    assert.equal(
      new TextDecoder().decode(pending.take()),
      'event: runend\nid: 1\ndata: {"runId":"r"}\n\n',
    );
  });

  it("a pending chunk keeps messages larger than its encoding step whole, and drops what it clears", () => {
    const pending = new PendingChunk();
    const big = `event: status\nid: 1\ndata: "${"名é".repeat(20_000)}"\n\n`;
    pending.add("event: ping\n\n");
    pending.add(big);
    pending.add("event: ping\n\n");
    assert.equal(
      new TextDecoder().decode(pending.take()),
      "event: ping\n\n" + big + "event: ping\n\n",
    );
    pending.add(big);
    pending.clear();
    assert.equal(pending.messages, 0);
    assert.equal(pending.take().length, 0);
    pending.add("x");
    assert.equal(new TextDecoder().decode(pending.take()), "x");
  });
});
