/**
 * The result side of the invariants: what `run()` resolves or rejects with, what `stream()`
 * yields, and what `join()` returns, checked against the items' terminal states.
 */
import type { ItemId, PipelineResult } from "../../../mod.ts";
import type { Ledger } from "./reliability_check.ts";
import type { Outcome } from "./reliability_drive.ts";
import type { CaseSpec } from "./reliability_model.ts";
import { inputOf } from "./reliability_predict.ts";

function checkRejection(c: CaseSpec, outcome: Outcome, out: string[]): void {
  const rejection = outcome.rejection;
  if (rejection === undefined) return;
  const reason = rejection.reason as { name?: unknown };
  if (!outcome.abortTriggered) {
    out.push(`${c.mode}() failed without an abort: ${String(reason)}`);
  } else if (c.abort.kind === "signal" && reason !== outcome.abortReason) {
    out.push(`${c.mode}() rejected with ${String(reason)}, not the signal's reason`);
  } else if (c.abort.kind === "shutdown" && reason?.name !== "AbortError") {
    out.push(`${c.mode}() rejected with ${String(reason)} after shutdown(), not an AbortError`);
  }
}

/** One result agrees with its item's terminal state, id and value. */
function checkResult(
  c: CaseSpec,
  r: PipelineResult,
  ledger: Ledger,
  out: string[],
): void {
  const where = `result ${JSON.stringify(r.id)}`;
  const terminal = ledger.terminal.get(r.id);
  const key = ledger.keyOfId.get(r.id);
  if (key === undefined) {
    out.push(`${where}: unknown id`);
    return;
  }
  const entry = ledger.entryOf.get(key)!;
  if (r.isSuccess !== (r.error === undefined)) out.push(`${where}: isSuccess disagrees with error`);
  if (r.isSuccess) {
    if (terminal !== "processed") out.push(`${where}: success, but the item ended ${terminal}`);
    const want = inputOf(c, key, entry, c.stages.length);
    if (r.value !== want) out.push(`${where}: value ${r.value}, expected ${want}`);
    return;
  }
  if (terminal !== "failed") out.push(`${where}: failure, but the item ended ${terminal}`);
  if (!(r.error instanceof Error)) out.push(`${where}: error is not an Error`);
  const stage = ledger.failedStage.get(r.id);
  if (stage !== undefined && r.value !== inputOf(c, key, entry, stage)) {
    out.push(`${where}: failure value ${r.value}, expected S${stage}'s input`);
  }
}

function unique(results: PipelineResult[], what: string, out: string[]): void {
  const ids = new Set<ItemId>(results.map((r) => r.id));
  if (ids.size !== results.length) out.push(`${what}: an item's result came twice`);
}

function idsOf(ledger: Ledger, terminal: string): ItemId[] {
  return [...ledger.terminal].filter(([, t]) => t === terminal).map(([id]) => id);
}

/** Checks run/stream/join results. */
export function checkResults(c: CaseSpec, outcome: Outcome, ledger: Ledger, out: string[]): void {
  checkRejection(c, outcome, out);
  const processed = idsOf(ledger, "processed");
  if (c.mode === "run" && outcome.runResults !== undefined) {
    const holes = outcome.runResults.filter((r) => !(r instanceof Object)).length;
    if (holes > 0) out.push(`run() resolved with ${holes} holes (non-results) in its array`);
    const results = outcome.runResults.filter((r) => r instanceof Object);
    if (ledger.terminal.size > 0 && idsOf(ledger, "cancelled").length > 0) {
      out.push(`run() resolved although items were cancelled`);
    }
    unique(results, "run()", out);
    if (results.length !== processed.length) {
      out.push(`run() resolved ${results.length} results for ${processed.length} processed items`);
    }
    const keys = results.map((r) => ledger.keyOfId.get(r.id) ?? NaN);
    if (keys.some((k, i) => i > 0 && !(k > keys[i - 1]))) {
      out.push(`run() results not in input order: ${keys}`);
    }
    for (const r of results) checkResult(c, r, ledger, out);
  }
  if (c.mode === "stream" && outcome.streamResults !== undefined) {
    const results = outcome.streamResults.filter((r) => r instanceof Object);
    if (results.length !== outcome.streamResults.length) out.push(`stream() yielded non-results`);
    unique(results, "stream()", out);
    for (const r of results) checkResult(c, r, ledger, out);
    if (outcome.rejection === undefined && !outcome.streamCancelled) {
      const finished = processed.length + idsOf(ledger, "failed").length;
      if (results.length !== finished || results.length !== ledger.terminal.size) {
        out.push(`stream() yielded ${results.length} results for ${ledger.terminal.size} items`);
      }
    }
  }
  if (c.mode === "feed" && outcome.joinResults !== undefined) {
    const all = outcome.joinResults.flat().filter((r) => r instanceof Object);
    if (all.length !== outcome.joinResults.flat().length) out.push(`join() returned non-results`);
    unique(all, "join()", out);
    for (const joined of outcome.joinResults) {
      const seq = joined.map((r) => r.sequenceId);
      if (seq.some((n, i) => i > 0 && !(n > seq[i - 1]))) {
        out.push(`join() results not in sequence order: ${seq}`);
      }
    }
    if (all.length !== processed.length) {
      out.push(`join() returned ${all.length} results for ${processed.length} processed items`);
    }
    for (const r of all) checkResult(c, r, ledger, out);
  }
}
