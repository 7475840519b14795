/**
 * Options of `natsPipeline()` and of its calls, validated once at the call.
 *
 * @module
 */
import * as z from "zod";
import { PipelineError } from "../errors.ts";
import type { ItemId } from "../tracker/types.ts";
import { CHECKED_BY_OWNER, type FieldRule, validateOptions } from "../utils/validate.ts";
import { jsonCodec, type NatsCodec } from "./codec.ts";
import type { NatsEventsOptions } from "./cluster/options.ts";

/** Options of {@linkcode natsPipeline}. */
export interface NatsPipelineOptions {
  /**
   * The pipeline's name on the server: its streams are `AF_<name>_WORK`, `_RESULTS`, `_DEAD` and
   * `_ATTEMPTS`, its subjects `antflow.<name>.>`. Every process of one pipeline uses the same name.
   */
  name: string;
  /**
   * The stages this process works on (their names). Default: every stage. `[]`: none — a
   * producer only (a web handler, an edge function).
   */
  stages?: readonly string[];
  /**
   * This producer's token: its results subject is `antflow.<name>.results.<origin>`. Default: a
   * random one per `natsPipeline()` call. Fix it (with your own `idOf`) to collect, after a
   * restart, the results of items fed before it.
   */
  origin?: string;
  /** How values cross processes. @default {jsonCodec} */
  codec?: NatsCodec;
  /**
   * JetStream `ack_wait`: a delivery not acknowledged (nor kept alive with `working()`, which
   * AntFlow sends every third of it) in this long goes to another worker.
   * @default {30000}
   */
  ackWaitMs?: number;
  /**
   * JetStream `max_deliver` of every stage's consumer: the delivery with this number is not run
   * but fails the item with an `ItemLostError` (every earlier delivery died with its worker). A
   * per_stage stage's retries are deliveries too: its consumer's `max_deliver` is
   * `maxDeliver + stageAttempts - 1`.
   * @default {5}
   */
  maxDeliver?: number;
  /**
   * Per stage name, the most items held at once across the whole cluster (JetStream
   * `max_ack_pending`). Default: the server's (1000 on 2.9).
   */
  clusterConcurrency?: Readonly<Record<string, number>>;
  /** Stream storage. @default {"file"} */
  storage?: "file" | "memory";
  /** Stream replicas (a clustered server: 3). @default {1} */
  replicas?: number;
  /**
   * How long the server remembers a `Nats-Msg-Id`: a stage never receives one item twice within
   * it. @default {120000}
   */
  duplicateWindowMs?: number;
  /**
   * How long a result waits for its producer (the producer purges the ones it collected once they
   * are older than `duplicateWindowMs`). @default {86400000} (a day)
   */
  resultsMaxAgeMs?: number;
  /** How long a dead letter is kept. @default {604800000} (a week) */
  deadLetterMaxAgeMs?: number;
  /** How long to wait for the server to store a message. @default {10000} */
  publishTimeoutMs?: number;
  /** Messages one `feed()`/`run()`/`stream()` has in flight to the server. @default {256} */
  maxPublishing?: number;
  /**
   * Publish this process's tracker events and worker states for a `ClusterTracker` (one view of
   * the whole cluster): `true`, or settings. Its own `run()`, `stream()` and `feed()`…`join()`
   * batches are then published as runs too (`runstart`/`runend`, counted by their results).
   * Off by default.
   */
  publishEvents?: boolean | NatsEventsOptions;
}

/** The options with their defaults. */
export type ResolvedNatsOptions = Required<Omit<NatsPipelineOptions, "stages" | "origin">> & {
  stages: readonly string[] | undefined;
  origin: string | undefined;
};

const positiveInt = z.number().int().min(1);
const positiveMs = z.number().int().min(1);

const RULES: Record<string, FieldRule> = {
  name: { schema: z.string(), rule: "must be a string" },
  stages: { schema: z.array(z.string()).optional(), rule: "must be an array of stage names" },
  origin: {
    schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
    rule: "must be 1-64 characters of A-Z, a-z, 0-9, _ and -",
  },
  codec: CHECKED_BY_OWNER,
  ackWaitMs: { schema: z.number().int().min(1000).optional(), rule: "must be an integer >= 1000" },
  maxDeliver: { schema: z.number().int().min(2).optional(), rule: "must be an integer >= 2" },
  clusterConcurrency: {
    schema: z.record(z.string(), positiveInt).optional(),
    rule: "must map stage names to integers >= 1",
  },
  storage: { schema: z.enum(["file", "memory"]).optional(), rule: 'must be "file" or "memory"' },
  replicas: { schema: positiveInt.max(5).optional(), rule: "must be an integer from 1 to 5" },
  duplicateWindowMs: { schema: positiveMs.optional(), rule: "must be an integer >= 1" },
  resultsMaxAgeMs: { schema: positiveMs.optional(), rule: "must be an integer >= 1" },
  deadLetterMaxAgeMs: { schema: positiveMs.optional(), rule: "must be an integer >= 1" },
  publishTimeoutMs: { schema: positiveMs.optional(), rule: "must be an integer >= 1" },
  maxPublishing: { schema: positiveInt.optional(), rule: "must be an integer >= 1" },
  publishEvents: CHECKED_BY_OWNER,
};

/** Validates `natsPipeline()`'s options against the pipeline's stage names; fills defaults. */
export function resolveNatsOptions(
  options: NatsPipelineOptions,
  stageNames: readonly string[],
): ResolvedNatsOptions {
  const owner = "natsPipeline";
  validateOptions(owner, options, RULES, (message) => new PipelineError(message));
  const codec = options.codec ?? jsonCodec;
  if (
    typeof codec !== "object" || codec === null || typeof codec.encode !== "function" ||
    typeof codec.decode !== "function"
  ) {
    throw new PipelineError(`${owner}: codec must be an object with encode() and decode()`);
  }
  for (
    const stage of [...(options.stages ?? []), ...Object.keys(options.clusterConcurrency ?? {})]
  ) {
    if (!stageNames.includes(stage)) {
      throw new PipelineError(
        `${owner}: unknown stage ${JSON.stringify(stage)} (the pipeline's stages: ${
          stageNames.map((s) => JSON.stringify(s)).join(", ")
        })`,
      );
    }
  }
  return {
    name: options.name,
    stages: options.stages,
    origin: options.origin,
    codec,
    ackWaitMs: options.ackWaitMs ?? 30_000,
    maxDeliver: options.maxDeliver ?? 5,
    clusterConcurrency: options.clusterConcurrency ?? {},
    storage: options.storage ?? "file",
    replicas: options.replicas ?? 1,
    duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
    resultsMaxAgeMs: options.resultsMaxAgeMs ?? 86_400_000,
    deadLetterMaxAgeMs: options.deadLetterMaxAgeMs ?? 604_800_000,
    publishTimeoutMs: options.publishTimeoutMs ?? 10_000,
    maxPublishing: options.maxPublishing ?? 256,
    publishEvents: options.publishEvents ?? false,
  };
}

/** Options of `feed()` on a `NatsPipeline`. */
export interface NatsFeedOptions<I = unknown> {
  /** Aborting it stops publishing (items already stored carry on). */
  signal?: AbortSignal;
  /** The caller's id for each item (unique among this producer's items in flight). */
  idOf?(item: I, index: number): ItemId;
  /** Carried with the item (not enforced across processes). @default {100} */
  priority?: number;
  /** Feed into a later stage (by name) instead of the first. */
  targetStage?: string;
}

/** Options of `run()` on a `NatsPipeline`. */
export interface NatsRunOptions<I = unknown> extends NatsFeedOptions<I> {
  /** Resolve every item's result in input order, failures included. @default {false} */
  includeFailures?: boolean;
}

const FEED_RULES: Record<string, FieldRule> = {
  signal: CHECKED_BY_OWNER,
  idOf: { schema: z.function().optional(), rule: "must be a function" },
  priority: { schema: z.number().finite().optional(), rule: "must be a finite number" },
  targetStage: { schema: z.string().optional(), rule: "must be a stage name" },
};
const RUN_RULES: Record<string, FieldRule> = {
  ...FEED_RULES,
  includeFailures: { schema: z.boolean().optional(), rule: "must be a boolean" },
};

/** Validates the options of `feed()` (or `run()`/`stream()` when `run` is set). */
export function checkFeedOptions(owner: string, options: object, run: boolean): void {
  validateOptions(
    owner,
    options,
    run ? RUN_RULES : FEED_RULES,
    (message, wrongType) => wrongType ? new TypeError(message) : new RangeError(message),
  );
}
