import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { StatusEvent, TaskEvent } from "../mod.ts";
import { ByteBuffer } from "../src/hono/byte_buffer.ts";
import { EventJSON } from "../src/hono/event_json.ts";
import { EventWire } from "../src/hono/event_wire.ts";
import type { StreamedType } from "../src/hono/filters.ts";
import { STATUS_TYPES } from "../src/tracker/types.ts";

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
const metadata = fc.oneof(
  fc.constant(undefined),
  fc.record({ error: text, errorType: text, attempt: fc.integer() }, { requiredKeys: [] }),
  fc.record({ attempt: number, value: fc.anything(), error: fc.constant(new Error("boom")) }, {
    requiredKeys: [],
  }),
);
const error = fc.oneof(
  fc.constant(undefined),
  text.map((message) => new TypeError(message)),
  fc.anything(),
);

describe("SSE wire: the fixed-shape writer", () => {
  it("writes status events byte for byte as JSON.stringify of the served JSON", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        itemId,
        name,
        fc.oneof(fc.constantFrom(...STATUS_TYPES), text),
        name,
        number,
        metadata,
        fc.boolean(),
        (id, item, stage, status, worker, timestamp, meta, exposeValues) => {
          const json = new EventJSON(exposeValues);
          const wire = new EventWire(json);
          const event = new StatusEvent(
            item,
            stage,
            status as StatusEvent["status"],
            worker,
            timestamp,
            meta,
          );
          assert.equal(json.canDefer("status", event), true);
          const entry = { id, type: "status" as const, event, data: undefined };
          assert.equal(wire.text(entry), expected(json, "status", id, event));
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
          const wire = new EventWire(json);
          const event = new TaskEvent(
            item,
            stage as string,
            taskName as string,
            worker,
            eventType,
            attempt,
            timestamp,
            err,
            duration,
          );
          const type = TASK_TYPES[eventType] as StreamedType;
          assert.equal(json.canDefer(type, event), true);
          const entry = { id, type, event, data: undefined };
          assert.equal(wire.text(entry), expected(json, type, id, event));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("leaves events with odd fields or their own toJSON to the generic path", () => {
    const json = new EventJSON(false);
    class Custom extends StatusEvent {
      override toJSON() {
        return { ...super.toJSON(), extra: 1 };
      }
    }
    const odd = [
      new StatusEvent(1n as unknown as number, "S", "queued"),
      new StatusEvent(1, 5 as unknown as string, "queued"),
      new StatusEvent(1, "S", "queued", null, "now" as unknown as number),
      new Custom(1, "S", "queued"),
    ];
    for (const event of odd) assert.equal(json.canDefer("status", event), false);
    assert.equal(json.canDefer("status", { itemId: 1 } as unknown as StatusEvent), false);
    assert.equal(
      json.write("status", new Custom(2, "S", "queued")),
      JSON.stringify(new Custom(2, "S", "queued")),
    );
  });

  it("appends many messages to one buffer, growing it, and take() empties it", () => {
    const json = new EventJSON(false);
    const wire = new EventWire(json);
    const out = new ByteBuffer(16);
    let want = "";
    for (let id = 1; id <= 2000; id++) {
      const event = new StatusEvent(
        id,
        "Stage-é",
        "in_progress",
        `Stage-é-W${id % 7}`,
        1_700_000_000_000 + (id >> 4),
      );
      wire.write(out, { id, type: "status", event, data: undefined });
      want += expected(json, "status", id, event);
    }
    assert.equal(new TextDecoder().decode(out.take()), want);
    assert.equal(out.length, 0);
    wire.write(out, {
      id: 1,
      type: "runend",
      event: { runId: "r" } as never,
      data: '{"runId":"r"}',
    });
    assert.equal(
      new TextDecoder().decode(out.take()),
      'event: runend\nid: 1\ndata: {"runId":"r"}\n\n',
    );
  });
});
