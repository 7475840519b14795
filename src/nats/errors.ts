/**
 * The errors of the NATS backend.
 *
 * @module
 */
import { AntFlowError } from "../errors.ts";
import type { ItemId } from "../tracker/types.ts";

/**
 * An item could not cross to another process: its value (or its stage's output) could not be
 * encoded, was too large for the server's `max_payload`, or the server refused or never
 * acknowledged it. The item fails with this error (it is never lost silently); the message names
 * the item, the stage and the reason.
 *
 * @example
 * ```ts
 * import { ItemTransferError } from "@antflow/antflow/nats";
 * const error = new ItemTransferError(7, "Save", "it cannot be encoded as JSON: BigInt");
 * console.log(error.message); // Item 7 could not be sent to stage "Save": it cannot be encoded as JSON: BigInt
 * ```
 */
export class ItemTransferError extends AntFlowError {
  /** The item's id. */
  readonly itemId: ItemId;
  /** The stage it was to be sent to (or `"results"`, `"dead letters"`). */
  readonly stage: string;
  /** Why, in words. */
  readonly reason: string;

  /**
   * Creates the error.
   *
   * @param itemId The item's id.
   * @param stage The stage it was to be sent to.
   * @param reason Why it could not be sent.
   * @param options Standard error options (`cause`).
   */
  constructor(itemId: ItemId, stage: string, reason: string, options?: ErrorOptions) {
    super(
      `Item ${JSON.stringify(itemId)} could not be sent to ${destination(stage)}: ${reason}`,
      options,
    );
    this.name = "ItemTransferError";
    this.itemId = itemId;
    this.stage = stage;
    this.reason = reason;
  }
}

function destination(stage: string): string {
  return stage === "results" || stage === "dead letters" ? `the ${stage}` : `stage "${stage}"`;
}

/**
 * Every delivery of an item died with its worker process (or outlived `ackWaitMs` without a
 * heartbeat), until the stage's `maxDeliver`: the item fails with this error instead of being
 * delivered forever or left in the stream.
 *
 * @example
 * ```ts
 * import { ItemLostError } from "@antflow/antflow/nats";
 * console.log(new ItemLostError(3, "Fetch", 5).message);
 * // Item 3 in stage "Fetch": delivered 5 times, and no delivery finished (each worker died or went silent past ackWaitMs)
 * ```
 */
export class ItemLostError extends AntFlowError {
  /** The item's id. */
  readonly itemId: ItemId;
  /** The stage. */
  readonly stage: string;
  /** How many times it was delivered. */
  readonly deliveries: number;

  /**
   * Creates the error.
   *
   * @param itemId The item's id.
   * @param stage The stage.
   * @param deliveries How many times it was delivered.
   */
  constructor(itemId: ItemId, stage: string, deliveries: number) {
    super(
      `Item ${JSON.stringify(itemId)} in stage "${stage}": delivered ${deliveries} times, and no ` +
        `delivery finished (each worker died or went silent past ackWaitMs)`,
    );
    this.name = "ItemLostError";
    this.itemId = itemId;
    this.stage = stage;
    this.deliveries = deliveries;
  }
}

/**
 * An error that happened in another process, rebuilt from its `{ name, message }` (errors cross
 * processes as those two fields only, never with a stack).
 *
 * @example
 * ```ts
 * import { RemoteError } from "@antflow/antflow/nats";
 * const error = new RemoteError({ name: "TimeoutError", message: "took too long" });
 * console.log(error.name, error.message); // TimeoutError took too long
 * ```
 */
export class RemoteError extends Error {
  /**
   * Rebuilds the error.
   *
   * @param facts The error's name and message as they were sent.
   */
  constructor(facts: { name: string; message: string }) {
    super(facts.message);
    this.name = facts.name;
  }
}

/** The wire form of an error: its name and message, never a stack. */
export interface ErrorFacts {
  /** The error's `name` (`"TypeError"`, `"TimeoutError"`…). */
  name: string;
  /** The error's `message`. */
  message: string;
}

/** An error's wire form (a thrown non-Error becomes `{ name: "Error", message: String(it) }`). */
export function errorFacts(error: unknown): ErrorFacts {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}
