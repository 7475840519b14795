/**
 * The messages AntFlow puts on a NATS server: an item entering a stage, a result, a dead letter.
 * Metadata travels in headers (`AntFlow-*`); the payload is the codec's encoding of the value.
 *
 * @module
 */
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/nats-core";
import type { ItemId } from "../tracker/types.ts";
import type { ErrorFacts } from "./errors.ts";

/** Header names. */
export const H = {
  item: "AntFlow-Item",
  origin: "AntFlow-Origin",
  priority: "AntFlow-Priority",
  stage: "AntFlow-Stage",
  status: "AntFlow-Status",
  error: "AntFlow-Error",
  attempts: "AntFlow-Attempts",
} as const;

/** What identifies an item across processes: the producer that fed it and its id there. */
export interface ItemKey {
  /** The producer's origin token (its results subject). */
  readonly origin: string;
  /** The item's id (unique per origin). */
  readonly id: ItemId;
}

/** The facts of an item entering a stage, apart from its value. */
export interface ItemHeaders extends ItemKey {
  /** Lower is served first (carried, not enforced across processes). */
  readonly priority: number;
}

/** `Nats-Msg-Id` of an item entering a stage: one per item and stage. */
export function stageMsgId(key: ItemKey, stageToken: string): string {
  return `${stageToken}|${key.origin}|${JSON.stringify(key.id)}`;
}

/** `Nats-Msg-Id` of an item's result: one per item, so one terminal state. */
export function resultMsgId(key: ItemKey): string {
  return `result|${key.origin}|${JSON.stringify(key.id)}`;
}

/** Headers of an item entering a stage. */
export function itemHeaders(item: ItemHeaders): MsgHdrs {
  const h = natsHeaders();
  h.set(H.item, JSON.stringify(item.id));
  h.set(H.origin, item.origin);
  h.set(H.priority, String(item.priority));
  return h;
}

/**
 * Reads an item's headers, or `undefined` when the message is not AntFlow's (missing or
 * malformed headers).
 */
export function readItemHeaders(h: MsgHdrs | undefined): ItemHeaders | undefined {
  if (h === undefined) return undefined;
  const origin = h.get(H.origin);
  const id = parseId(h.get(H.item));
  if (origin === "" || id === undefined) return undefined;
  const priority = Number(h.get(H.priority) || "100");
  return { origin, id, priority: Number.isFinite(priority) ? priority : 100 };
}

function parseId(text: string): ItemId | undefined {
  if (text === "") return undefined;
  try {
    const id = JSON.parse(text);
    return typeof id === "string" || typeof id === "number" ? id : undefined;
  } catch {
    return undefined;
  }
}

/** How an item ended, as its result message says. */
export type ResultStatus = "completed" | "skipped" | "failed";

/** The facts of a result, apart from its value. */
export interface ResultHeaders extends ItemKey {
  /** The stage that produced it (the last stage, or the one where it failed). */
  readonly stage: string;
  readonly status: ResultStatus;
  /** Set when `status` is `"failed"`. */
  readonly error?: ErrorFacts;
  /** Attempts made in `stage`. */
  readonly attempts: number;
}

/** Headers of a result or a dead letter. */
export function resultHeaders(result: ResultHeaders): MsgHdrs {
  const h = natsHeaders();
  h.set(H.item, JSON.stringify(result.id));
  h.set(H.origin, result.origin);
  h.set(H.stage, result.stage);
  h.set(H.status, result.status);
  h.set(H.attempts, String(result.attempts));
  if (result.error !== undefined) h.set(H.error, JSON.stringify(result.error));
  return h;
}

/** Reads a result's headers, or `undefined` when malformed. */
export function readResultHeaders(h: MsgHdrs | undefined): ResultHeaders | undefined {
  const item = readItemHeaders(h);
  if (item === undefined) return undefined;
  const status = h!.get(H.status);
  if (status !== "completed" && status !== "skipped" && status !== "failed") return undefined;
  let error: ErrorFacts | undefined;
  if (status === "failed") {
    try {
      const facts = JSON.parse(h!.get(H.error));
      error = { name: String(facts?.name ?? "Error"), message: String(facts?.message ?? "") };
    } catch {
      error = { name: "Error", message: "(the error could not be read)" };
    }
  }
  return {
    origin: item.origin,
    id: item.id,
    stage: h!.get(H.stage),
    status,
    error,
    attempts: Number(h!.get(H.attempts)) || 1,
  };
}
