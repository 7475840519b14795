import { describeValue } from "../utils/validate.ts";
import { errorToJSON, metadataToJSON } from "./json.ts";
import type { ErrorJSON, ItemId, StatusMetadata, StatusType, TaskEventType } from "./types.ts";

const NO_METADATA: StatusMetadata = Object.freeze({});

/** The JSON shape of a {@linkcode StatusEvent} (what `toJSON()` returns and SSE sends). */
export interface StatusEventJSON {
  /** The item's id. */
  itemId: ItemId;
  /** The stage the status refers to. */
  stage: string | null;
  /** The new status. */
  status: StatusType;
  /** The worker that emitted it (`null` for `queued`). */
  worker: string | null;
  /** Epoch milliseconds. */
  timestamp: number;
  /** `error`, `errorType` and `attempt` where they apply. */
  metadata: Record<string, unknown>;
  /** The index parsed from the worker name (`"Fetch-W3"` → 3), or `null`. */
  workerId: number | null;
}

/** The JSON shape of a {@linkcode TaskEvent}. */
export interface TaskEventJSON {
  /** The item's id. */
  itemId: ItemId;
  /** The stage the task belongs to. */
  stage: string;
  /** The task's name (the function's `name`). */
  taskName: string;
  /** The worker running the attempt. */
  worker: string | null;
  /** `start | complete | retry | fail`. */
  eventType: TaskEventType;
  /** The attempt number (per task in per_task mode, the stage attempt in per_stage mode). */
  attempt: number;
  /** Epoch milliseconds. */
  timestamp: number;
  /** The attempt's error as `{ name, message }` (retry, fail). */
  error?: ErrorJSON;
  /** Milliseconds since the attempt started (complete, retry, fail). */
  duration?: number;
}

/** The fields of a new {@linkcode StatusEvent} (what its constructor takes). */
export interface StatusEventInit {
  /** The item's id. */
  itemId: ItemId;
  /** The stage the status refers to. */
  stage: string | null;
  /** The new status. */
  status: StatusType;
  /**
   * The worker that emitted it.
   * @default {null}
   */
  worker?: string | null;
  /**
   * Epoch milliseconds.
   * @default {Date.now()}
   */
  timestamp?: number;
  /**
   * `error` (message), `errorType` (name) and `attempt` where they apply.
   * @default {{}}
   */
  metadata?: StatusMetadata;
}

/** The fields of a new {@linkcode TaskEvent} (what its constructor takes). */
export interface TaskEventInit {
  /** The item's id. */
  itemId: ItemId;
  /** The stage the task belongs to. */
  stage: string;
  /** The task's name. */
  taskName: string;
  /**
   * The worker running the attempt.
   * @default {null}
   */
  worker?: string | null;
  /** `start | complete | retry | fail`. */
  eventType: TaskEventType;
  /** The attempt number, 1-based. */
  attempt: number;
  /**
   * Epoch milliseconds.
   * @default {Date.now()}
   */
  timestamp?: number;
  /** The attempt's error, as thrown (retry, fail). */
  error?: unknown;
  /** Milliseconds since the attempt started (complete, retry, fail). */
  duration?: number;
}

/**
 * Parses the worker index from a worker name: the digits after the last `-W`.
 *
 * @param worker A worker name such as `"Fetch-W3"`.
 * @returns The index, or `null` when the name has no `-W<digits>` suffix.
 *
 * @example
 * ```ts
 * import { parseWorkerId } from "@antflow/antflow";
 * console.log(parseWorkerId("Fetch-W3"), parseWorkerId("Fetch")); // 3 null
 * ```
 */
export function parseWorkerId(worker: string | null | undefined): number | null {
  if (typeof worker !== "string") return null;
  const at = worker.lastIndexOf("-W");
  if (at === -1 || at + 2 === worker.length) return null;
  let id = 0;
  for (let i = at + 2; i < worker.length; i++) {
    const digit = worker.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return null;
    id = id * 10 + digit;
  }
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * One change of an item's status, as recorded by a `StatusTracker` and carried by its `status`
 * events (`event.detail`).
 *
 * @example
 * ```ts
 * import { StatusEvent } from "@antflow/antflow";
 * const event = new StatusEvent({
 *   itemId: 7,
 *   stage: "Fetch",
 *   status: "in_progress",
 *   worker: "Fetch-W3",
 * });
 * console.log(event.workerId); // 3
 * console.log(JSON.stringify(event));
 * ```
 */
export class StatusEvent {
  /** The item's id. */
  readonly itemId: ItemId;
  /** The stage the status refers to. */
  readonly stage: string | null;
  /** The new status. */
  readonly status: StatusType;
  /** The worker that emitted it (`null` for `queued` and for cancellations outside a worker). */
  readonly worker: string | null;
  /** Epoch milliseconds (`Date.now()`). */
  readonly timestamp: number;
  /** `error` (message), `errorType` (name) and `attempt` where they apply. */
  readonly metadata: StatusMetadata;
  /** The index parsed from `worker` (`"Fetch-W3"` → 3), or `null`. */
  readonly workerId: number | null;

  /**
   * Creates an event.
   *
   * @param init Its fields; `worker` defaults to `null`, `timestamp` to now, `metadata` to an
   *   empty (frozen) object. `workerId` is parsed from `worker`.
   * @throws {TypeError} If `init` is not an object (the constructor takes no positional form).
   */
  constructor(init: StatusEventInit) {
    const workerId = knownWorkerId;
    knownWorkerId = UNKNOWN;
    checkInit("StatusEvent", "{ itemId, stage, status, worker?, timestamp?, metadata? }", init);
    this.itemId = init.itemId;
    this.stage = init.stage;
    this.status = init.status;
    const worker = init.worker ?? null;
    this.worker = worker;
    this.timestamp = init.timestamp ?? Date.now();
    this.metadata = init.metadata ?? NO_METADATA;
    this.workerId = workerId === UNKNOWN ? parseWorkerId(worker) : workerId;
  }

  /**
   * The JSON shape ({@linkcode StatusEventJSON}); errors in metadata become `{ name, message }`.
   *
   * @returns Plain data that `JSON.stringify` always accepts.
   */
  toJSON(): StatusEventJSON {
    return {
      itemId: this.itemId,
      stage: this.stage,
      status: this.status,
      worker: this.worker,
      timestamp: this.timestamp,
      metadata: this.metadata === NO_METADATA ? {} : metadataToJSON(this.metadata),
      workerId: this.workerId,
    };
  }
}

/**
 * One task attempt event (`taskstart`, `taskcomplete`, `taskretry`, `taskfail` on a tracker).
 *
 * @example
 * ```ts
 * import { TaskEvent } from "@antflow/antflow";
 * const event = new TaskEvent({
 *   itemId: 1,
 *   stage: "Fetch",
 *   taskName: "download",
 *   worker: "Fetch-W0",
 *   eventType: "retry",
 *   attempt: 1,
 *   error: new Error("503"),
 *   duration: 12,
 * });
 * console.log(JSON.stringify(event.toJSON().error)); // {"name":"Error","message":"503"}
 * ```
 */
export class TaskEvent {
  /** The item's id. */
  readonly itemId: ItemId;
  /** The stage the task belongs to. */
  readonly stage: string;
  /** The task's name. */
  readonly taskName: string;
  /** The worker running the attempt. */
  readonly worker: string | null;
  /** `start | complete | retry | fail`. */
  readonly eventType: TaskEventType;
  /** The attempt number, 1-based. */
  readonly attempt: number;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /** The attempt's error, as thrown (retry, fail). */
  readonly error: unknown;
  /** Milliseconds since the attempt started (complete, retry, fail). */
  readonly duration: number | undefined;

  /**
   * Creates an event.
   *
   * @param init Its fields; `worker` defaults to `null` and `timestamp` to now.
   * @throws {TypeError} If `init` is not an object (the constructor takes no positional form).
   */
  constructor(init: TaskEventInit) {
    checkInit("TaskEvent", "{ itemId, stage, taskName, eventType, attempt, … }", init);
    this.itemId = init.itemId;
    this.stage = init.stage;
    this.taskName = init.taskName;
    this.worker = init.worker ?? null;
    this.eventType = init.eventType;
    this.attempt = init.attempt;
    this.timestamp = init.timestamp ?? Date.now();
    this.error = init.error;
    this.duration = init.duration;
  }

  /** The index parsed from `worker`, or `null`. */
  get workerId(): number | null {
    return parseWorkerId(this.worker);
  }

  /**
   * The JSON shape ({@linkcode TaskEventJSON}); the error becomes `{ name, message }`.
   *
   * @returns Plain data that `JSON.stringify` always accepts.
   */
  toJSON(): TaskEventJSON {
    const json: TaskEventJSON = {
      itemId: this.itemId,
      stage: this.stage,
      taskName: this.taskName,
      worker: this.worker,
      eventType: this.eventType,
      attempt: this.attempt,
      timestamp: this.timestamp,
    };
    if (this.error !== undefined) json.error = errorToJSON(this.error);
    if (this.duration !== undefined) json.duration = this.duration;
    return json;
  }
}

/** `knownWorkerId` when no worker id was parsed in advance. */
const UNKNOWN = -1;
/** The worker id for the next `StatusEvent` built (by `recordedStatusEvent`), parsed already. */
let knownWorkerId: number | null = UNKNOWN;

/**
 * @internal A `StatusEvent` whose worker id is known already (the tracker parses each worker
 * name once), so that building one does not parse the name again.
 */
export function recordedStatusEvent(init: StatusEventInit, workerId: number | null): StatusEvent {
  knownWorkerId = workerId;
  return new StatusEvent(init);
}

/** Rejects the positional form `new StatusEvent(1, "S", …)` (a number where the init goes). */
function checkInit(owner: string, shape: string, init: unknown): void {
  if (typeof init !== "object" || init === null) {
    throw new TypeError(
      `${owner}: the constructor takes one object ${shape}, got ${describeValue(init)}`,
    );
  }
}
