/**
 * The invariants every generated case must satisfy. `checkCase` returns a list of violations (empty
 * when the case is fine); the property turns a non-empty list into a failure with all of them.
 */
import type { ItemId, Pipeline, StatusEvent, StatusTracker } from "../../../mod.ts";
import type { Probe } from "./reliability_build.ts";
import { taskName } from "./reliability_build.ts";
import type { Outcome } from "./reliability_drive.ts";
import type { CaseSpec } from "./reliability_model.ts";
import type { Observation } from "./reliability_observe.ts";
import { inputOf, predict, predictable } from "./reliability_predict.ts";
import { checkResults } from "./reliability_check_results.ts";

export type Terminal = "processed" | "failed" | "cancelled";

/** Facts derived from the tracker's histories, shared by the checks. */
export interface Ledger {
  terminal: Map<ItemId, Terminal>;
  keyOfId: Map<ItemId, number>;
  failedStage: Map<ItemId, number>;
  /** The stage each key was fed into. */
  entryOf: Map<number, number>;
  /** Whether items could have been cut short (abort, shutdown, stream cancel). */
  cutShort: boolean;
}

const stageIndex = (name: string | null): number => name === null ? -1 : Number(name.slice(1));

function terminalOf(event: StatusEvent, last: number): Terminal | undefined {
  if (event.status === "failed") return "failed";
  if (event.status === "cancelled") return "cancelled";
  if ((event.status === "completed" || event.status === "skipped") && event.stage === `S${last}`) {
    return "processed";
  }
  return undefined;
}

function describeHistory(history: StatusEvent[]): string {
  return history.map((e) => `${e.status}@${e.stage}`).join(" > ");
}

/** Checks one item's history; records its terminal state in the ledger. */
function checkHistory(
  c: CaseSpec,
  id: ItemId,
  history: StatusEvent[],
  ledger: Ledger,
  out: string[],
): void {
  const last = c.stages.length - 1;
  const terminals = history.map((e) => terminalOf(e, last)).filter((t) => t !== undefined);
  const trace = `item ${JSON.stringify(id)}: ${describeHistory(history)}`;
  if (terminals.length !== 1 || terminalOf(history[history.length - 1], last) === undefined) {
    out.push(`${trace}: expected exactly one terminal event, and last (got ${terminals.length})`);
    return;
  }
  const terminal = terminals[0]!;
  ledger.terminal.set(id, terminal);
  const key = ledger.keyOfId.get(id);
  // Every item starts queued, except one taken from the input just as intake stopped: it never
  // reached a queue, and its only event is its cancellation.
  const takenAsIntakeStopped = history.length === 1 && history[0].status === "cancelled";
  if (history[0].status !== "queued" && !takenAsIntakeStopped) {
    out.push(`${trace}: the first event is not queued`);
  }
  for (let i = 1; i < history.length; i++) {
    if (stageIndex(history[i].stage) < stageIndex(history[i - 1].stage)) {
      out.push(`${trace}: went back to an earlier stage`);
    }
    // Entering a stage is announced by `queued` (or the item is cancelled on its way in).
    const entered = history[i].stage !== history[i - 1].stage;
    if (entered && history[i].status !== "queued" && history[i].status !== "cancelled") {
      out.push(`${trace}: reached ${history[i].stage} without a queued event`);
    }
  }
  const final = history[history.length - 1];
  if (terminal === "failed") {
    ledger.failedStage.set(id, stageIndex(final.stage));
    const { error, errorType, attempt } = final.metadata;
    if (typeof error !== "string" || typeof errorType !== "string" || typeof attempt !== "number") {
      out.push(`${trace}: failed metadata is ${JSON.stringify(final.metadata)}`);
    }
  }
  if (terminal === "cancelled" && !ledger.cutShort) out.push(`${trace}: cancelled without abort`);
  for (const e of history) {
    if (e.status !== "retrying") continue;
    const stage = c.stages[stageIndex(e.stage)];
    const attempt = e.metadata.attempt;
    if (typeof attempt !== "number" || attempt < 2 || attempt > stage.attempts) {
      out.push(`${trace}: retrying with attempt ${attempt} (attempts: ${stage.attempts})`);
    }
  }
  if (key === undefined) return;
  const entry = ledger.entryOf.get(key)!;
  if (history[0].stage !== `S${entry}`) out.push(`${trace}: fed into S${entry}`);
  if (ledger.cutShort) return;
  if (!predictable(c, entry)) return;
  const p = predict(c, key, entry);
  const want = p.failedAt === -1 ? "processed" : "failed";
  if (terminal !== want) out.push(`${trace}: ended ${terminal}, predicted ${want}`);
  if (p.failedAt !== -1 && terminal === "failed") {
    if (stageIndex(final.stage) !== p.failedAt) {
      out.push(`${trace}: predicted failure at S${p.failedAt}`);
    }
    if (final.metadata.attempt !== p.failedAttempt) {
      out.push(
        `${trace}: failed at attempt ${final.metadata.attempt}, predicted ${p.failedAttempt}`,
      );
    }
  }
  for (let s = entry; s < c.stages.length; s++) {
    const retries = history.filter((e) => e.status === "retrying" && e.stage === `S${s}`).length;
    if (retries !== p.retries[s]) {
      out.push(`${trace}: ${retries} retries at S${s}, predicted ${p.retries[s]}`);
    }
    const skipped = history.some((e) => e.status === "skipped" && e.stage === `S${s}`);
    const reached = p.failedAt === -1 || s <= p.failedAt;
    if (reached && skipped !== p.skipped[s]) out.push(`${trace}: skip at S${s} is ${skipped}`);
  }
}

function sameHistory(a: StatusEvent[], b: StatusEvent[]): boolean {
  return a.length === b.length &&
    a.every((e, i) =>
      e.status === b[i].status && e.stage === b[i].stage && e.worker === b[i].worker
    );
}

/** Every invariant of one case, after it settled and went quiet. */
export function checkCase(
  c: CaseSpec,
  outcome: Outcome,
  pipeline: Pipeline,
  tracker: StatusTracker,
  probe: Probe,
  observation: Observation,
): string[] {
  const out: string[] = [...observation.problems];
  const cutShort = outcome.streamCancelled ||
    (outcome.abortTriggered && (c.mode !== "feed" || c.abort.kind === "shutdown"));
  const keyOfId = new Map<ItemId, number>();
  for (const [key, id] of outcome.idOfKey) keyOfId.set(id, key);
  const ledger: Ledger = {
    terminal: new Map(),
    keyOfId,
    failedStage: new Map(),
    entryOf: outcome.entryOf,
    cutShort,
  };

  // Ids: tracked exactly once, known, and (when nothing was cut short) all of them.
  const ids = tracker.getTrackedIds();
  if (new Set(ids).size !== ids.length) out.push(`tracked ids repeat: ${ids}`);
  for (const id of ids) if (!keyOfId.has(id)) out.push(`unknown item id ${JSON.stringify(id)}`);
  const everything = !cutShort && !outcome.intakeStopped;
  if (everything && ids.length !== outcome.idOfKey.size) {
    out.push(`${ids.length} items tracked, ${outcome.idOfKey.size} fed`);
  }
  if (!outcome.arrayFed) {
    // Every item a generator handed out was fed: it has an id and a terminal state, even when
    // intake stopped right after taking it.
    const dropped = outcome.yielded - ids.length;
    if (dropped !== 0) {
      out.push(`${outcome.yielded} items taken from the inputs, ${ids.length} tracked`);
    }
  }
  const listened = [...observation.events.keys()];
  if (listened.length !== ids.length) {
    out.push(`${listened.length} items seen by listeners, ${ids.length} tracked`);
  }

  // Histories: the tracker's record equals what listeners saw; one terminal state, last.
  for (const id of ids) {
    const history = tracker.getHistory(id);
    const seen = observation.events.get(id) ?? [];
    if (!sameHistory(history, seen)) {
      out.push(
        `item ${id}: history ${describeHistory(history)} != dispatched ${describeHistory(seen)}`,
      );
    }
    checkHistory(c, id, history, ledger, out);
  }

  // Counters: pipeline, tracker and histories agree.
  const count = (t: Terminal) => [...ledger.terminal.values()].filter((v) => v === t).length;
  const [processed, failed, cancelled] = [count("processed"), count("failed"), count("cancelled")];
  const settled = outcome.statsAtSettle!;
  if (settled.itemsInFlight !== 0) out.push(`itemsInFlight ${settled.itemsInFlight} at settle`);
  const stats = pipeline.getStats();
  const want = { itemsProcessed: processed, itemsFailed: failed, itemsCancelled: cancelled };
  for (const [field, value] of Object.entries(want)) {
    const got = stats[field as keyof typeof want];
    if (got !== value) out.push(`stats.${field} ${got}, histories say ${value}`);
  }
  if (stats.itemsProcessed + stats.itemsFailed + stats.itemsCancelled !== ids.length) {
    out.push(`processed + failed + cancelled != fed (${ids.length}): ${JSON.stringify(stats)}`);
  }
  const ts = tracker.getStats();
  if (ts.completed + ts.skipped !== processed) {
    out.push(`tracker completed+skipped != ${processed}`);
  }
  if (ts.failed !== failed || ts.cancelled !== cancelled) {
    out.push(`tracker stats ${JSON.stringify(ts)}`);
  }
  if (ts.queued + ts.in_progress + ts.retrying !== 0) out.push(`tracker has unfinished items`);
  if (tracker.getErrorSummary().totalFailed !== failed) {
    out.push(`error summary total != ${failed}`);
  }
  const last = stats.stageStats[`S${c.stages.length - 1}`];
  if (last.completedItems !== processed) out.push(`last stage completed ${last.completedItems}`);
  const stageFailed = Object.values(stats.stageStats).reduce((n, s) => n + s.failedItems, 0);
  if (stageFailed !== failed) out.push(`stage failedItems sum ${stageFailed} != ${failed}`);
  for (const s of Object.values(stats.stageStats)) {
    if (s.pendingItems !== 0 || s.inProgressItems !== 0) {
      out.push(
        `stage ${s.stageName} still has ${s.pendingItems} pending, ${s.inProgressItems} busy`,
      );
    }
  }
  for (const w of Object.values(pipeline.getWorkerStates())) {
    if (w.status !== "idle") out.push(`worker ${w.workerName} is ${w.status} after the run`);
  }

  // Limits: workers, task limits, call concurrency, rate windows.
  c.stages.forEach((stage, s) => {
    if (probe.stagePeak[s] > stage.workers) {
      out.push(`S${s}: ${probe.stagePeak[s]} attempts at once, workers ${stage.workers}`);
    }
    stage.taskLimits.forEach((limit, t) => {
      const peak = probe.taskPeak.get(taskName(s, t)) ?? 0;
      if (limit > 0 && peak > limit) out.push(`${taskName(s, t)}: ${peak} at once, limit ${limit}`);
    });
    if (stage.callConcurrency !== undefined && probe.callPeak[s] > stage.callConcurrency) {
      out.push(`S${s}: ${probe.callPeak[s]} limited calls at once, limit ${stage.callConcurrency}`);
    }
    if (stage.callRate !== undefined) {
      const starts = probe.rateStarts[s].toSorted((a, b) => a - b);
      for (let i = 0; i + stage.callRate < starts.length; i++) {
        const gap = starts[i + stage.callRate] - starts[i];
        if (gap < stage.callRatePeriodMs) {
          out.push(
            `S${s}: ${stage.callRate + 1} calls started within ${gap.toFixed(2)} ms ` +
              `(callRate ${stage.callRate} per ${stage.callRatePeriodMs} ms)`,
          );
          break;
        }
      }
    }
  });

  // Errors from callbacks and listeners: each reported once, through the tracker.
  if (observation.errors.length !== probe.thrown) {
    out.push(`${probe.thrown} callbacks threw, ${observation.errors.length} error events`);
  }
  checkResults(c, outcome, ledger, out);
  return out;
}

export { inputOf };
