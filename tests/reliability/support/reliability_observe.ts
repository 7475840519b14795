/**
 * Listens to a tracker for one case: every status event per item (in dispatch order), the `error`
 * events, and a JSON round trip plus schema check of every dispatched event's detail.
 */
import {
  type ItemId,
  type StatusEvent,
  StatusEventSchema,
  type StatusTracker,
  type TaskEvent,
  TaskEventSchema,
  type TrackerErrorDetail,
} from "../../../mod.ts";
import type { Probe } from "./reliability_build.ts";

const TASK_TYPES = ["taskstart", "taskcomplete", "taskretry", "taskfail"] as const;

export class Observation {
  /** Status events per item, as dispatched. */
  readonly events = new Map<ItemId, StatusEvent[]>();
  readonly errors: TrackerErrorDetail[] = [];
  readonly problems: string[] = [];
  statusEvents = 0;
  taskEvents = 0;
  /** Called after each status event is recorded (abort triggers hook in here). */
  onStatus: ((count: number) => void) | undefined;
  readonly #tracker: StatusTracker;
  readonly #detach: (() => void)[] = [];

  constructor(tracker: StatusTracker, probe: Probe, throwingListener: boolean) {
    this.#tracker = tracker;
    this.#listen("status", (e: CustomEvent<StatusEvent>) => {
      const event = e.detail;
      let list = this.events.get(event.itemId);
      if (list === undefined) this.events.set(event.itemId, list = []);
      list.push(event);
      this.statusEvents++;
      this.#checkJson(event, "status");
      this.onStatus?.(this.statusEvents);
    });
    for (const type of TASK_TYPES) {
      this.#listen(type, (e: CustomEvent<TaskEvent>) => {
        this.taskEvents++;
        this.#checkJson(e.detail, type);
      });
    }
    this.#listen("error", (e: CustomEvent<TrackerErrorDetail>) => void this.errors.push(e.detail));
    if (throwingListener) {
      this.#listen("status", () => {
        probe.thrown++;
        throw new Error("listener threw");
      });
    }
  }

  /** How many listeners of each type this observation added. */
  expectedListeners(type: string, throwingListener: boolean): number {
    if (type === "status") return throwingListener ? 2 : 1;
    return 1;
  }

  detach(): void {
    for (const undo of this.#detach.splice(0)) undo();
  }

  // deno-lint-ignore no-explicit-any
  #listen(type: string, listener: (e: any) => void): void {
    const tracker = this.#tracker as unknown as EventTarget;
    tracker.addEventListener(type, listener);
    this.#detach.push(() => tracker.removeEventListener(type, listener));
  }

  #checkJson(detail: StatusEvent | TaskEvent, type: string): void {
    try {
      const parsed = JSON.parse(JSON.stringify(detail));
      const schema = type === "status" ? StatusEventSchema : TaskEventSchema;
      const result = schema.safeParse(parsed);
      if (!result.success) {
        this.problems.push(`${type} event JSON fails its schema: ${result.error.message}`);
      }
    } catch (error) {
      this.problems.push(`JSON.stringify of a ${type} event threw: ${String(error)}`);
    }
  }
}

/** How often the stall detector looks at the progress counter. */
const STALL_TICK_MS = 250;

/**
 * Races `promise` against a watchdog; the error names what hung and describes the state. With a
 * `progress` counter, it also fails once the counter has not moved for `stallMs` (counted in
 * consecutive ticks, so one long pause of the whole process does not count as a stall).
 */
export async function within<T>(
  ms: number,
  what: string,
  promise: Promise<T>,
  describe: () => string = () => "",
  progress?: { read: () => number; stallMs: number },
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`watchdog: ${what} did not settle within ${ms} ms. ${describe()}`)),
      ms,
    );
    if (progress === undefined) return;
    let last = progress.read();
    let idle = 0;
    ticker = setInterval(() => {
      const now = progress.read();
      idle = now === last ? idle + 1 : 0;
      last = now;
      if (idle * STALL_TICK_MS >= progress.stallMs) {
        reject(
          new Error(
            `watchdog: ${what} stalled (no progress for ${progress.stallMs} ms). ${describe()}`,
          ),
        );
      }
    }, STALL_TICK_MS);
  });
  try {
    return await Promise.race([promise, watchdog]);
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
  }
}
