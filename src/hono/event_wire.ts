import type { StatusEvent, TaskEvent } from "../tracker/events.ts";
import { errorToJSON } from "../tracker/json.ts";
import { STATUS_TYPES } from "../tracker/types.ts";
import { ByteBuffer, utf8 } from "./byte_buffer.ts";
import { type EventJSON, NO_METADATA } from "./event_json.ts";
import { STREAMED_TYPES, type StreamedEvent, type StreamedType } from "./filters.ts";

/** An event to write as one SSE message: its type, id and the event (or its JSON, if written). */
export interface WireEntry {
  id: number;
  type: StreamedType;
  event: StreamedEvent;
  /** The `data:` JSON, for events the fixed-shape writer does not handle (written at once). */
  data: string | undefined;
}

const PREFIX = new Map<string, Uint8Array>(
  STREAMED_TYPES.map((type) => [type, utf8(`event: ${type}\nid: `)]),
);
const DATA = utf8("\ndata: ");
const END = utf8("\n\n");
const ITEM_ID = utf8(`\ndata: {"itemId":`);
const STAGE = utf8(`,"stage":`);
const STATUS = new Map<string, Uint8Array>(
  STATUS_TYPES.map((status) => [status, utf8(`,"status":"${status}","worker":`)]),
);
const TIMESTAMP = utf8(`,"timestamp":`);
const NO_METADATA_WORKER_ID = utf8(`,"metadata":{},"workerId":`);
const METADATA = utf8(`,"metadata":`);
const WORKER_ID = utf8(`,"workerId":`);
const STATUS_END = utf8("}\n\n");
const TASK_NAME = utf8(`,"taskName":`);
const WORKER = utf8(`,"worker":`);
const EVENT_TYPE = new Map<string, Uint8Array>(
  ["start", "complete", "retry", "fail"].map((t) => [t, utf8(`,"eventType":"${t}","attempt":`)]),
);
const ERROR = utf8(`,"error":`);
const DURATION = utf8(`,"duration":`);
const NULL = utf8("null");
/** Names (stages, workers, tasks) repeat: their JSON is kept, up to this many of them. */
const NAME_CACHE_LIMIT = 4096;

/**
 * Writes tracker events as whole SSE messages straight into a {@linkcode ByteBuffer}: the text is
 * byte for byte `event: <type>\nid: <id>\ndata: <JSON.stringify(event as served)>\n\n`, but for the
 * tracker's own event classes without building the JSON object or any string for the constant
 * parts: names' JSON and the last timestamp are kept as bytes. Events that the hub could not defer
 * carry their JSON already (`entry.data`).
 *
 * @internal
 */
export class EventWire {
  #json: EventJSON;
  #names = new Map<string, Uint8Array>();
  #lastTimestamp = NaN;
  #lastTimestampBytes: Uint8Array = NULL;

  constructor(json: EventJSON) {
    this.#json = json;
  }

  /** Appends the entry's SSE message to `out`. */
  write(out: ByteBuffer, entry: WireEntry): void {
    const { type, data } = entry;
    out.raw(PREFIX.get(type)!);
    out.uint(entry.id);
    if (data !== undefined) {
      out.raw(DATA);
      out.utf8(data);
      out.raw(END);
    } else if (type === "status") this.#status(out, entry.event as StatusEvent);
    else this.#task(out, entry.event as TaskEvent);
  }

  /** The entry's SSE message as text (for tests and one-off use). */
  text(entry: WireEntry): string {
    const out = new ByteBuffer(256);
    this.write(out, entry);
    return new TextDecoder().decode(out.take());
  }

  #status(out: ByteBuffer, event: StatusEvent): void {
    out.raw(ITEM_ID);
    itemId(out, event.itemId);
    out.raw(STAGE);
    this.#name(out, event.stage);
    const status = STATUS.get(event.status);
    if (status !== undefined) out.raw(status);
    else out.utf8(`,"status":${JSON.stringify(event.status)},"worker":`);
    this.#name(out, event.worker);
    out.raw(TIMESTAMP);
    this.#timestamp(out, event.timestamp);
    const metadata = event.metadata;
    if (metadata === NO_METADATA) out.raw(NO_METADATA_WORKER_ID);
    else {
      out.raw(METADATA);
      out.utf8(this.#json.metadata(metadata));
      out.raw(WORKER_ID);
    }
    const workerId = event.workerId;
    if (workerId === null) out.raw(NULL);
    else number(out, workerId);
    out.raw(STATUS_END);
  }

  #task(out: ByteBuffer, event: TaskEvent): void {
    out.raw(ITEM_ID);
    itemId(out, event.itemId);
    out.raw(STAGE);
    this.#name(out, event.stage);
    out.raw(TASK_NAME);
    this.#name(out, event.taskName);
    out.raw(WORKER);
    this.#name(out, event.worker);
    const eventType = EVENT_TYPE.get(event.eventType);
    if (eventType !== undefined) out.raw(eventType);
    else out.utf8(`,"eventType":${JSON.stringify(event.eventType)},"attempt":`);
    number(out, event.attempt);
    out.raw(TIMESTAMP);
    this.#timestamp(out, event.timestamp);
    if (event.error !== undefined) {
      out.raw(ERROR);
      out.utf8(JSON.stringify(errorToJSON(event.error)));
    }
    if (event.duration !== undefined) {
      out.raw(DURATION);
      number(out, event.duration);
    }
    out.raw(STATUS_END);
  }

  /** Events written together mostly share a clock reading: its digits are kept. */
  #timestamp(out: ByteBuffer, timestamp: number): void {
    if (timestamp !== this.#lastTimestamp) {
      this.#lastTimestamp = timestamp;
      this.#lastTimestampBytes = utf8(numberText(timestamp));
    }
    out.raw(this.#lastTimestampBytes);
  }

  #name(out: ByteBuffer, name: string | null): void {
    if (name === null) {
      out.raw(NULL);
      return;
    }
    let json = this.#names.get(name);
    if (json === undefined) {
      if (this.#names.size >= NAME_CACHE_LIMIT) this.#names.clear();
      json = utf8(JSON.stringify(name));
      this.#names.set(name, json);
    }
    out.raw(json);
  }
}

function itemId(out: ByteBuffer, id: string | number): void {
  if (typeof id === "number") number(out, id);
  else out.utf8(JSON.stringify(id));
}

/** A number as JSON writes it. */
function number(out: ByteBuffer, value: number): void {
  if (Number.isSafeInteger(value) && value >= 0) out.uint(value);
  else out.ascii(numberText(value));
}

/** A number's JSON text (`null` for NaN and the infinities; `-0` is `0`). */
function numberText(value: number): string {
  return Number.isFinite(value) ? JSON.stringify(value) : "null";
}
