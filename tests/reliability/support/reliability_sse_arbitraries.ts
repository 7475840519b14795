/**
 * fast-check arbitraries for the SSE reliability tests: hostile strings (line breaks of every
 * kind, NUL, BOM, emoji, lone surrogates, any UTF-16 code unit, any code point, graphemes) and
 * tracker events built from them.
 */
import fc from "fast-check";
import { STATUS_TYPES, StatusEvent, TASK_EVENT_TYPES, TaskEvent } from "../../../mod.ts";

/** Pieces that break naive SSE and JSON handling. */
const NASTY = [
  "\r",
  "\n",
  "\r\n",
  "\n\r",
  "\n\n",
  "\r\r",
  "\0",
  "\uFEFF",
  "\u2028",
  "\u2029",
  "\u0085",
  "\uD83D", // a lone high surrogate
  "\uDE00", // a lone low surrogate
  "\uDE00\uD83D", // a reversed pair
  "😀",
  "👩‍👩‍👧",
  "é",
  "e\u0301",
  "€",
  ":",
  " ",
  ": ",
  "data: x",
  "id: 1",
  "event: reset",
  "retry: 1",
  '"',
  "\\",
  "\\u0000",
  "\t",
  "\x1b[2J",
];

const piece: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) },
  {
    weight: 2,
    // Any UTF-16 code unit, lone surrogates included.
    arbitrary: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 3 }) },
);

/** Any string, biased towards CR, LF, CRLF, NUL, BOM, emoji, lone surrogates and SSE syntax. */
export const hostileString: fc.Arbitrary<string> = fc.array(piece, { maxLength: 10 }).map((
  pieces,
) => pieces.join(""));

/** An item id: a hostile string or a safe integer (as `ItemId` allows). */
export const itemId: fc.Arbitrary<string | number> = fc.oneof(
  hostileString,
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);

/** A worker name: `null`, hostile, or `<hostile>-W<n>` (so `workerId` is set). */
const worker: fc.Arbitrary<string | null> = fc.oneof(
  fc.constant(null),
  hostileString,
  fc.tuple(hostileString, fc.nat({ max: 999 })).map(([name, n]) => `${name}-W${n}`),
);

const timestamp = fc.integer({ min: 0, max: 4_102_444_800_000 });

/** A `StatusEvent` whose stage, worker, item id and metadata (keys and values) are hostile. */
export const statusEvent: fc.Arbitrary<StatusEvent> = fc.record({
  itemId,
  stage: fc.option(hostileString, { nil: null }),
  status: fc.constantFrom(...STATUS_TYPES),
  worker,
  timestamp,
  metadata: fc.record({
    error: hostileString,
    errorType: hostileString,
    attempt: fc.integer({ min: 1, max: 1000 }),
    extra: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
  }, { requiredKeys: [] }),
}).map(({ itemId, stage, status, worker, timestamp, metadata }) => {
  const { extra, ...engine } = metadata;
  return new StatusEvent({
    itemId,
    stage,
    status,
    worker,
    timestamp,
    metadata: { ...extra, ...engine },
  });
});

/** A `TaskEvent` whose stage, task name, worker, item id and error are hostile. */
export const taskEvent: fc.Arbitrary<TaskEvent> = fc.record({
  itemId,
  stage: hostileString,
  taskName: hostileString,
  worker,
  eventType: fc.constantFrom(...TASK_EVENT_TYPES),
  attempt: fc.integer({ min: 1, max: 1000 }),
  timestamp,
  error: fc.option(
    fc.tuple(hostileString, hostileString).map(([name, message]) => {
      const error = new Error(message);
      error.name = name;
      return error;
    }),
    { nil: undefined },
  ),
  duration: fc.option(fc.nat({ max: 1_000_000 }), { nil: undefined }),
}).map((e) =>
  new TaskEvent({
    itemId: e.itemId,
    stage: e.stage,
    taskName: e.taskName,
    worker: e.worker,
    eventType: e.eventType,
    attempt: e.attempt,
    timestamp: e.timestamp,
    error: e.error,
    duration: e.duration,
  })
);

/** The SSE event type the adapter sends a task event as. */
export function taskType(
  event: TaskEvent,
): "taskstart" | "taskcomplete" | "taskretry" | "taskfail" {
  return `task${event.eventType}` as "taskstart" | "taskcomplete" | "taskretry" | "taskfail";
}

/** A tracker event with the SSE type it travels as. */
export const trackerEvent: fc.Arbitrary<{ type: string; event: StatusEvent | TaskEvent }> = fc
  .oneof(
    statusEvent.map((event) => ({ type: "status", event })),
    taskEvent.map((event) => ({ type: taskType(event), event })),
  );

/** Cuts `bytes` at the given points (taken modulo its length + 1): empty chunks included. */
export function cutAt(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = points.map((p) => p % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const at of sorted) {
    chunks.push(bytes.subarray(from, at));
    from = at;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}
