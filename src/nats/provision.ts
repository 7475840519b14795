/**
 * Creates (or updates) a pipeline's streams and its stages' durable consumers. Every process calls
 * it at start-up; creating what already exists with the same configuration is a no-op, so
 * processes may start in any order.
 *
 * @module
 */
import { nanos } from "@nats-io/nats-core";
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { NatsLayout } from "./layout.ts";

/** Server-side settings of a pipeline's streams and consumers (resolved defaults). */
export interface StreamSettings {
  storage: "file" | "memory";
  replicas: number;
  duplicateWindowMs: number;
  resultsMaxAgeMs: number;
  deadLetterMaxAgeMs: number;
}

/** Server-side settings of one stage's consumer. */
export interface ConsumerSettings {
  ackWaitMs: number;
  maxDeliver: number;
  /** `max_ack_pending`: the stage's cluster-wide limit of items held at once (-1: none). */
  maxAckPending: number;
}

/** Creates or updates the work, results, dead-letter and attempts streams of `layout`. */
export async function ensureStreams(
  jsm: JetStreamManager,
  layout: NatsLayout,
  settings: StreamSettings,
): Promise<void> {
  const storage = settings.storage === "memory" ? StorageType.Memory : StorageType.File;
  const common = {
    storage,
    num_replicas: settings.replicas,
    duplicate_window: nanos(settings.duplicateWindowMs),
  };
  await ensureStream(jsm, {
    ...common,
    name: layout.workStream,
    subjects: [`${layout.prefix}.work.>`],
    retention: RetentionPolicy.Workqueue,
  });
  await ensureStream(jsm, {
    ...common,
    name: layout.resultsStream,
    subjects: [`${layout.prefix}.results.>`],
    // Kept by age, so that the server still knows their Nats-Msg-Ids after a restart (see
    // results.ts); each producer trims what it collected.
    retention: RetentionPolicy.Limits,
    max_age: nanos(settings.resultsMaxAgeMs),
  });
  await ensureStream(jsm, {
    ...common,
    name: layout.deadStream,
    subjects: [`${layout.prefix}.dead.>`],
    retention: RetentionPolicy.Limits,
    max_age: nanos(settings.deadLetterMaxAgeMs),
  });
  // One subject per work message, its last value kept: the per_stage attempt numbers.
  await ensureStream(jsm, {
    ...common,
    name: layout.attemptsStream,
    subjects: [`${layout.prefix}.attempts.>`],
    retention: RetentionPolicy.Limits,
    max_msgs_per_subject: 1,
    max_age: nanos(settings.deadLetterMaxAgeMs),
  });
}

type StreamInput = Parameters<JetStreamManager["streams"]["add"]>[0] & { name: string };

async function ensureStream(jsm: JetStreamManager, config: StreamInput): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (error) {
    // It exists with another configuration: bring what may change up to date.
    const info = await jsm.streams.info(config.name).catch(() => undefined);
    if (info === undefined) throw error;
    const { storage: _s, retention: _r, ...changeable } = config;
    await jsm.streams.update(config.name, { ...info.config, ...changeable });
  }
}

/** Creates or updates the durable pull consumer of `stage`. */
export async function ensureStageConsumer(
  jsm: JetStreamManager,
  layout: NatsLayout,
  stage: string,
  settings: ConsumerSettings,
): Promise<void> {
  const config = {
    durable_name: layout.stageConsumer(stage),
    filter_subject: layout.stageSubject(stage),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: settings.maxDeliver,
    max_ack_pending: settings.maxAckPending,
  };
  try {
    await jsm.consumers.add(layout.workStream, config);
  } catch (error) {
    const info = await jsm.consumers.info(layout.workStream, config.durable_name).catch(() =>
      undefined
    );
    if (info === undefined) throw error;
    await jsm.consumers.update(layout.workStream, config.durable_name, {
      ack_wait: config.ack_wait,
      max_deliver: config.max_deliver,
      max_ack_pending: config.max_ack_pending,
    });
  }
}
