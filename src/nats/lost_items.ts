/**
 * The backstop for items whose every delivery died: on a work-queue stream, a message that
 * reached its consumer's `max_deliver` is neither delivered again nor deleted. The server says so
 * with a max-deliveries advisory; one process of the cluster (a queue group) reads the message,
 * records the item's failure (an `ItemLostError` result and dead letter) and deletes it.
 *
 * (Normally the delivery numbered `max_deliver` already fails the item in-band, see
 * `StageSource`; the advisory comes only when that delivery died too.)
 *
 * @module
 */
import type { Subscription } from "@nats-io/nats-core";
import { type NatsContext, writeTerminal } from "./context.ts";
import { errorFacts, ItemLostError } from "./errors.ts";
import { readItemHeaders } from "./record.ts";

/** Listens for the max-deliveries advisories of the given stages' consumers. */
export function watchLostItems(ctx: NatsContext, stages: readonly string[]): Subscription[] {
  const { nc, layout } = ctx;
  return stages.map((stage) => {
    const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${layout.workStream}.${
      layout.stageConsumer(stage)
    }`;
    return nc.subscribe(subject, {
      queue: `antflow-${layout.name}-lost`,
      callback: (error, msg) => {
        if (error !== null) return;
        let advisory: { stream_seq?: number; deliveries?: number };
        try {
          advisory = msg.json();
        } catch {
          return;
        }
        if (typeof advisory.stream_seq !== "number") return;
        failLost(ctx, stage, advisory.stream_seq, advisory.deliveries ?? 0).catch((e) =>
          ctx.report(e, `lost item in stage ${stage}`)
        );
      },
    });
  });
}

async function failLost(
  ctx: NatsContext,
  stage: string,
  seq: number,
  deliveries: number,
): Promise<void> {
  const stored = await ctx.jsm.streams.getMessage(ctx.layout.workStream, { seq }).catch(() => null);
  if (stored === null) return; // settled meanwhile
  const item = readItemHeaders(stored.header);
  if (item !== undefined) {
    await writeTerminal(ctx, {
      ...item,
      stage,
      status: "failed",
      error: errorFacts(new ItemLostError(item.id, stage, deliveries)),
      attempts: deliveries,
    }, stored.data);
  }
  await ctx.jsm.streams.deleteMessage(ctx.layout.workStream, seq, false);
}
