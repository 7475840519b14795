/**
 * A deterministic multi-stage run for the Hono adapter tests: random-looking delays, retries in
 * both modes, and permanent failures, with a record of every tracker event in dispatch order.
 */
import { Pipeline, Stage, StatusTracker } from "../../mod.ts";

/** The item event types the tracker dispatches (status and task events). */
export const ITEM_EVENT_TYPES = [
  "status",
  "taskstart",
  "taskcomplete",
  "taskretry",
  "taskfail",
] as const;

/** The streamed tracker event types: the item events and the run lifecycle events. */
export const EVENT_TYPES = [...ITEM_EVENT_TYPES, "runstart", "runend"] as const;

/** Items whose id % 7 === 3 fail once in Fetch (retried, per_task). */
export function failsOnceInFetch(n: number): boolean {
  return n % 7 === 3;
}
/** Items whose id % 50 === 13 fail every attempt in Fetch (3 attempts, then failed). */
export function alwaysFailsInFetch(n: number): boolean {
  return n % 50 === 13;
}
/** Items whose id % 11 === 5 fail their first stage attempt in Parse (per_stage retry). */
export function failsOnceInParse(n: number): boolean {
  return n % 11 === 5;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small pseudo-random delay from the item, so completion order differs from input order. */
function jitter(n: number, attempt: number): number {
  return (n * 7919 + attempt * 104729) % 4;
}

export interface Fixture {
  tracker: StatusTracker;
  pipeline: Pipeline;
  /**
   * `JSON.stringify(event)` of every streamed tracker event (run events included), with its type,
   * in dispatch order.
   */
  record: { type: string; data: string }[];
  /** Stops recording. */
  stopRecording(): void;
}

/**
 * Builds the tracker and a 3-stage pipeline (Fetch per_task retries, Parse per_stage retries,
 * Save) and starts recording every event. With `gate`, item `gate.item` waits in Fetch until
 * `gate.open` resolves (so a test can act mid-run).
 */
export function makeFixture(
  options: { delays?: boolean; gate?: { item: number; open: Promise<void> } } = {},
): Fixture {
  const delays = options.delays ?? true;
  const gate = options.gate;
  const tracker = new StatusTracker();
  const record: { type: string; data: string }[] = [];
  const listener = (e: Event): void => {
    record.push({ type: e.type, data: JSON.stringify((e as CustomEvent).detail) });
  };
  for (const type of EVENT_TYPES) tracker.addEventListener(type, listener);
  const pipeline = new Pipeline({
    statusTracker: tracker,
    stages: [
      new Stage({
        name: "Fetch",
        workers: 4,
        taskAttempts: 3,
        taskWaitMs: 1,
        tasks: [async function download(n: number, ctx) {
          if (delays) await pause(jitter(n, ctx.attempt));
          if (gate !== undefined && n === gate.item) await gate.open;
          if (alwaysFailsInFetch(n)) throw new TypeError(`item ${n}: gone for good`);
          if (failsOnceInFetch(n) && ctx.attempt === 1) throw new Error(`item ${n}: 503\r\nretry`);
          return n;
        }],
      }),
      new Stage({
        name: "Parse",
        workers: 3,
        retry: "per_stage",
        stageAttempts: 2,
        taskWaitMs: 1,
        tasks: [async function parse(n: number, ctx) {
          if (delays) await pause(jitter(n, ctx.attempt + 1));
          if (failsOnceInParse(n) && ctx.attempt === 1) throw new RangeError(`item ${n}: bad`);
          return n * 2;
        }, function check(n: number) {
          return n;
        }],
      }),
      new Stage({
        name: "Save",
        workers: 2,
        tasks: [function save(n: number) {
          return `saved ${n}`;
        }],
      }),
    ],
  });
  return {
    tracker,
    pipeline,
    record,
    stopRecording: () => {
      for (const type of EVENT_TYPES) tracker.removeEventListener(type, listener);
    },
  };
}

/** How many of `0..n-1` end `failed`. */
export function expectedFailures(n: number): number {
  let failed = 0;
  for (let i = 0; i < n; i++) if (alwaysFailsInFetch(i)) failed++;
  return failed;
}

/** `[0, 1, …, n-1]`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
