/**
 * Creates (or brings up to date) the events stream and the workers bucket of a pipeline. Any
 * member or viewer may be first; creating what exists with the same settings is a no-op.
 *
 * @module
 */
import { nanos } from "@nats-io/nats-core";
import {
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { EventsLayout } from "./wire.ts";

/** Server-side settings of the events stream and the workers bucket. */
export interface EventsStreamSettings {
  storage: "file" | "memory";
  replicas: number;
  historyPerItem: number;
  maxAgeMs: number;
  maxBytes: number;
  workersTtlMs: number;
}

/** The settings a viewer uses when it is the first to need the streams. */
export const VIEWER_DEFAULTS: EventsStreamSettings = {
  storage: "file",
  replicas: 1,
  historyPerItem: 16,
  maxAgeMs: 86_400_000,
  maxBytes: 1024 * 1024 * 1024,
  workersTtlMs: 5000,
};

type StreamInput = Parameters<JetStreamManager["streams"]["add"]>[0] & { name: string };

/**
 * Creates or updates the events stream (status and run events, the newest `historyPerItem` per
 * item) and the workers bucket (one report per process, expiring after `workersTtlMs`). With
 * `update: false` (a viewer), existing streams are left as they are.
 */
export async function ensureEventStreams(
  jsm: JetStreamManager,
  layout: EventsLayout,
  settings: EventsStreamSettings,
  update: boolean,
): Promise<void> {
  const storage = settings.storage === "memory" ? StorageType.Memory : StorageType.File;
  await ensure(jsm, {
    name: layout.stream,
    subjects: [layout.subjects],
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    storage,
    num_replicas: settings.replicas,
    max_age: nanos(settings.maxAgeMs),
    max_bytes: settings.maxBytes,
    max_msgs_per_subject: settings.historyPerItem,
  }, update);
  // The layout of a JetStream key-value bucket, so that `nats kv` tools read it too.
  await ensure(jsm, {
    name: layout.bucketStream,
    subjects: [`$KV.${layout.bucket}.>`],
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    storage,
    num_replicas: settings.replicas,
    max_age: nanos(settings.workersTtlMs),
    max_msgs_per_subject: 1,
    allow_rollup_hdrs: true,
    deny_delete: true,
    allow_direct: true,
    duplicate_window: nanos(Math.min(settings.workersTtlMs, 120_000)),
  }, update);
}

async function ensure(jsm: JetStreamManager, config: StreamInput, update: boolean): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (error) {
    const info = await jsm.streams.info(config.name).catch(() => undefined);
    if (info === undefined) throw error;
    if (!update) return;
    const { storage: _s, retention: _r, ...changeable } = config;
    await jsm.streams.update(config.name, { ...info.config, ...changeable });
  }
}
