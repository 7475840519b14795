import {
  StatusEvent,
  type StatusEventJSON,
  TaskEvent,
  type TaskEventJSON,
} from "../tracker/events.ts";
import { metadataToJSON } from "../tracker/json.ts";
import { copyRun, type RunEvent } from "../tracker/run_event.ts";
import { type ItemId, STATUS_TYPES, type StatusMetadata } from "../tracker/types.ts";
import type { StreamedEvent, StreamedType } from "./filters.ts";

/** The metadata keys the engine sets; others are sent only with `exposeValues`. */
const SAFE_METADATA = ["error", "errorType", "attempt"];
const TASK_TO_JSON = TaskEvent.prototype.toJSON;

/** A `StatusEvent` for a recorded status change the fixed-shape writer does not handle. */
export function statusEvent(
  itemId: ItemId,
  stage: string | null,
  status: number,
  worker: string | null,
  timestamp: number,
  metadata: StatusMetadata | undefined,
): StatusEvent {
  return new StatusEvent({
    itemId,
    stage,
    status: STATUS_TYPES[status],
    worker,
    timestamp,
    metadata,
  });
}

/**
 * The JSON of tracker events as the SSE stream and the JSON routes serve them:
 * `event.toJSON()`, with metadata beyond the engine's keys dropped unless `exposeValues`. The
 * tracker's own event classes are written by {@linkcode EventWire} straight into bytes (the same
 * text); this is the generic path for anything else and for the routes.
 *
 * @internal
 */
export class EventJSON {
  #exposeValues: boolean;

  constructor(exposeValues: boolean) {
    this.#exposeValues = exposeValues;
  }

  /**
   * Whether the event is one of the tracker's own task events with fields of the expected types,
   * which the fixed-shape writer handles and which cannot fail to write (so writing it may wait
   * until a client needs it). Status changes reach the hub as the tracker recorded them, and
   * anything dispatched from outside is written at once: both are `false` here.
   */
  canDefer(type: StreamedType, event: StreamedEvent): boolean {
    if (event === null || typeof event !== "object" || !type.startsWith("task")) return false;
    const task = event as TaskEvent;
    return task.toJSON === TASK_TO_JSON && isPlainTask(task);
  }

  /**
   * The event's `data:` JSON, or `undefined` for a detail that is not a tracker event (ignored).
   *
   * @throws What `JSON.stringify` throws for a value it cannot write (a bigint item id).
   */
  write(type: StreamedType, event: StreamedEvent): string | undefined {
    if (event === null || typeof event !== "object") return undefined;
    if (type === "runstart" || type === "runend") {
      const run = event as RunEvent;
      if (typeof run.runId !== "string") return undefined;
      return JSON.stringify(copyRun(run)); // the documented fields only
    }
    const item = event as StatusEvent | TaskEvent;
    if (typeof item.toJSON !== "function") return undefined;
    return JSON.stringify(this.toJSON(item));
  }

  /** An item event's JSON object as served. */
  toJSON(event: StatusEvent | TaskEvent): StatusEventJSON | TaskEventJSON {
    const json = event.toJSON();
    if (this.#exposeValues || !("metadata" in json)) return json;
    return { ...json, metadata: this.#safe(json.metadata) };
  }

  /** The JSON text of a status event's metadata (not the shared empty one), as served. */
  metadata(metadata: StatusMetadata): string {
    const json = metadataToJSON(metadata);
    return JSON.stringify(this.#exposeValues ? json : this.#safe(json));
  }

  /** The metadata itself when it has only the engine's keys, else a copy with only those. */
  #safe(metadata: Record<string, unknown>): Record<string, unknown> {
    for (const key in metadata) {
      if (SAFE_METADATA.includes(key)) continue;
      const safe: Record<string, unknown> = {};
      for (const name of SAFE_METADATA) if (name in metadata) safe[name] = metadata[name];
      return safe;
    }
    return metadata;
  }
}

/** Fields of the types the fixed-shape writer handles (anything odd takes the generic path). */
function isPlainTask(e: TaskEvent): boolean {
  return isId(e.itemId) && isName(e.stage) && isName(e.taskName) && isName(e.worker) &&
    typeof e.eventType === "string" && typeof e.attempt === "number" &&
    typeof e.timestamp === "number" && (e.duration === undefined || typeof e.duration === "number");
}

function isId(value: unknown): boolean {
  return typeof value === "number" || typeof value === "string";
}

function isName(value: unknown): boolean {
  return value === null || typeof value === "string";
}
