/**
 * Helpers of the fault-injection tests: a tracker that checks the JSON of every event it
 * dispatches and collects `error` events, a console.error tap, a watchdog for every await, and the
 * terminal-state and counter assertions every faulty run must still pass.
 */
import assert from "node:assert/strict";
import {
  type ItemId,
  type Pipeline,
  type PipelineResult,
  StatusEventSchema,
  StatusTracker,
  type StatusTrackerOptions,
  TaskEventSchema,
  type TrackerErrorDetail,
} from "../../../mod.ts";
import { within } from "./reliability_observe.ts";

/** A tracker whose every dispatched event must survive `JSON.stringify` and match its schema. */
export interface WatchedTracker {
  tracker: StatusTracker;
  errors: TrackerErrorDetail[];
  jsonProblems: string[];
  /** Events whose JSON was checked. */
  checked: { count: number };
}

const TYPES = ["status", "taskstart", "taskcomplete", "taskretry", "taskfail"] as const;

export function watchedTracker(
  options: StatusTrackerOptions = {},
  listenToErrors = true,
): WatchedTracker {
  const tracker = new StatusTracker(options);
  const errors: TrackerErrorDetail[] = [];
  const jsonProblems: string[] = [];
  const checked = { count: 0 };
  for (const type of TYPES) {
    tracker.addEventListener(type, (e: CustomEvent) => {
      checked.count++;
      try {
        const json = JSON.parse(JSON.stringify(e.detail));
        const schema = type === "status" ? StatusEventSchema : TaskEventSchema;
        const result = schema.safeParse(json);
        if (!result.success) jsonProblems.push(`${type}: ${result.error.message}`);
      } catch (error) {
        jsonProblems.push(`${type}: JSON.stringify threw ${String(error)}`);
      }
    });
  }
  if (listenToErrors) tracker.addEventListener("error", (e) => void errors.push(e.detail));
  return { tracker, errors, jsonProblems, checked };
}

/** Captures console.error until `restore()`. */
export function tapConsoleError(): { lines: string[]; restore: () => void } {
  const original = console.error;
  const lines: string[] = [];
  console.error = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  return { lines, restore: () => void (console.error = original) };
}

/** Awaits `promise`, failing the test (instead of hanging the suite) after `ms`. */
export function settles<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  return within(ms, what, promise);
}

/** Reads a whole result stream under a watchdog. */
export function collect(
  stream: ReadableStream<PipelineResult>,
  ms = 5000,
): Promise<PipelineResult[]> {
  return settles(
    (async () => {
      const out: PipelineResult[] = [];
      for await (const result of stream) out.push(result);
      return out;
    })(),
    "the result stream",
    ms,
  );
}

/** Every id has exactly one terminal event, and it is its last. */
export function assertTerminalOnce(tracker: StatusTracker, lastStage: string): void {
  for (const id of tracker.getTrackedIds()) {
    const history = tracker.getHistory(id);
    const terminal = (i: number): boolean => {
      const e = history[i];
      return e.status === "failed" || e.status === "cancelled" ||
        ((e.status === "completed" || e.status === "skipped") && e.stage === lastStage);
    };
    const count = history.filter((_, i) => terminal(i)).length;
    const trace = history.map((e) => `${e.status}@${e.stage}`).join(" > ");
    assert.equal(count, 1, `item ${JSON.stringify(id)}: ${trace}`);
    assert.ok(terminal(history.length - 1), `item ${JSON.stringify(id)}: ${trace}`);
  }
}

/** The pipeline's counters, and that they add up to the items tracked. */
export function assertCounts(
  pipeline: Pipeline,
  tracker: StatusTracker | undefined,
  want: { processed: number; failed: number; cancelled?: number },
): void {
  const stats = pipeline.getStats();
  const got = {
    processed: stats.itemsProcessed,
    failed: stats.itemsFailed,
    cancelled: stats.itemsCancelled,
  };
  assert.deepEqual(got, { cancelled: 0, ...want });
  assert.equal(stats.itemsInFlight, 0);
  if (tracker !== undefined) {
    const ts = tracker.getStats();
    assert.equal(ts.completed + ts.skipped, want.processed);
    assert.equal(ts.failed, want.failed);
    assert.equal(
      tracker.getTrackedIds().length,
      want.processed + want.failed + (want.cancelled ?? 0),
    );
  }
}

/** The ids of a run's results. */
export function ids(results: PipelineResult[]): ItemId[] {
  return results.map((r) => r.id);
}

/** Resolves after `ms` (plain timer). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
