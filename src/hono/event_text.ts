import { parseWorkerId, type TaskEvent } from "../tracker/events.ts";
import { errorToJSON } from "../tracker/json.ts";
import type { NameRef } from "../tracker/names.ts";
import { type ItemId, STATUS_TYPES, type StatusMetadata } from "../tracker/types.ts";
import type { EventJSON } from "./event_json.ts";
import type { StreamedType } from "./filters.ts";

const TASK_EVENT_TYPES = ["start", "complete", "retry", "fail"];

/** A worker's task-event middles, for the stage and task it last ran. */
interface TaskMiddles {
  stage: string | null;
  taskName: string | null;
  /** `,"stage":…,"taskName":…,"worker":…,"eventType":…,"attempt":` by event type. */
  parts: string[];
}
/** Names (stages, workers, tasks) repeat: their JSON is kept, up to this many of them. */
const NAME_CACHE_LIMIT = 4096;

/**
 * Writes tracker events as whole SSE messages — `event: <type>\nid: <id>\ndata: <JSON>\n\n` —
 * with the JSON byte for byte what `JSON.stringify` gives for the event as served, but without
 * building the JSON object: a status change is written from what the tracker recorded (its
 * stage and worker references), with the constant middle of the message (stage, status, worker)
 * and its end (metadata, worker number) kept per stage, worker and status; names' JSON and the
 * last timestamp's digits are kept too.
 *
 * @internal
 */
export class EventText {
  #json: EventJSON;
  #names = new Map<string, string>();
  /** `,"stage":…,"status":…,"worker":…,"timestamp":` by stage id, then worker id × 8 + status. */
  #middles: (string | undefined)[][] = [];
  /** `,"metadata":{},"workerId":…}\n\n` by worker id. */
  #ends: (string | undefined)[] = [];
  #taskMiddles = new Map<string | null, TaskMiddles>();
  #lastTimestamp = NaN;
  #lastTimestampText = "null";

  constructor(json: EventJSON) {
    this.#json = json;
  }

  /** A status change as the tracker recorded it (`status` is the index in `STATUS_TYPES`). */
  status(
    id: number,
    itemId: ItemId,
    stage: NameRef,
    status: number,
    worker: NameRef,
    timestamp: number,
    metadata: StatusMetadata | undefined,
  ): string {
    const middle = this.#middles[stage.id]?.[worker.id * 8 + status] ??
      this.#middle(stage, status, worker);
    const end = metadata === undefined
      ? this.#ends[worker.id] ?? this.#end(worker)
      : `,"metadata":${this.#json.metadata(metadata)},"workerId":${
        numberText(parseWorkerId(worker.name))
      }}\n\n`;
    return "event: status\nid: " + id + '\ndata: {"itemId":' + idText(itemId) + middle +
      this.#timestamp(timestamp) + end;
  }

  /** A task event (one the fixed-shape writer handles: see `EventJSON.canDefer`). */
  task(type: StreamedType, id: number, event: TaskEvent): string {
    let out = "event: " + type + "\nid: " + id + '\ndata: {"itemId":' + idText(event.itemId) +
      this.#taskMiddle(event) + numberText(event.attempt) + ',"timestamp":' +
      this.#timestamp(event.timestamp);
    if (event.error !== undefined) out += ',"error":' + JSON.stringify(errorToJSON(event.error));
    if (event.duration !== undefined) out += ',"duration":' + numberText(event.duration);
    return out + "}\n\n";
  }

  /** Any event whose JSON is already written. */
  data(type: StreamedType, id: number, data: string): string {
    return "event: " + type + "\nid: " + id + "\ndata: " + data + "\n\n";
  }

  #middle(stage: NameRef, status: number, worker: NameRef): string {
    const middle = ',"stage":' + this.#name(stage.name) + ',"status":"' + STATUS_TYPES[status] +
      '","worker":' + this.#name(worker.name) + ',"timestamp":';
    (this.#middles[stage.id] ??= [])[worker.id * 8 + status] = middle;
    return middle;
  }

  /** One lookup by worker (a worker runs one stage, mostly one task at a time). */
  #taskMiddle(event: TaskEvent): string {
    const { stage, taskName, worker, eventType } = event;
    const index = TASK_EVENT_TYPES.indexOf(eventType);
    let middles = this.#taskMiddles.get(worker);
    if (middles === undefined || middles.stage !== stage || middles.taskName !== taskName) {
      if (this.#taskMiddles.size >= NAME_CACHE_LIMIT) this.#taskMiddles.clear();
      const head = ',"stage":' + this.#name(stage) + ',"taskName":' + this.#name(taskName) +
        ',"worker":' + this.#name(worker) + ',"eventType":';
      const parts = TASK_EVENT_TYPES.map((type) => head + '"' + type + '","attempt":');
      middles = { stage, taskName, parts };
      this.#taskMiddles.set(worker, middles);
    }
    return index >= 0
      ? middles.parts[index]
      : ',"stage":' + this.#name(stage) + ',"taskName":' + this.#name(taskName) + ',"worker":' +
        this.#name(worker) + ',"eventType":' + JSON.stringify(eventType) + ',"attempt":';
  }

  #end(worker: NameRef): string {
    const end = ',"metadata":{},"workerId":' + numberText(parseWorkerId(worker.name)) + "}\n\n";
    this.#ends[worker.id] = end;
    return end;
  }

  /** Events written together mostly share a clock reading: its digits are kept. */
  #timestamp(timestamp: number): string {
    if (timestamp !== this.#lastTimestamp) {
      this.#lastTimestamp = timestamp;
      this.#lastTimestampText = numberText(timestamp);
    }
    return this.#lastTimestampText;
  }

  #name(name: string | null): string {
    if (name === null) return "null";
    let json = this.#names.get(name);
    if (json === undefined) {
      if (this.#names.size >= NAME_CACHE_LIMIT) this.#names.clear();
      json = JSON.stringify(name);
      this.#names.set(name, json);
    }
    return json;
  }
}

/** An item id the writer accepts (anything else takes the generic path). */
export function isPlainId(itemId: unknown): itemId is ItemId {
  return typeof itemId === "number" || typeof itemId === "string";
}

function idText(itemId: ItemId): string {
  return typeof itemId === "number" ? numberText(itemId) : JSON.stringify(itemId);
}

/** A number (or `null`) as JSON writes it: `null` for NaN and the infinities, `-0` as `0`. */
function numberText(value: number | null): string {
  return value !== null && Number.isFinite(value) ? "" + value : "null";
}
