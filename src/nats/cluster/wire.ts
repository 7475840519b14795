/**
 * What the cluster view puts on the server, and how: subjects and stream names of one pipeline's
 * events and worker reports, the JSON of a status event, and a process's identity.
 *
 * @module
 */
import type { RunEvent } from "../../tracker/run_event.ts";
import type { StatusEventJSON } from "../../tracker/events.ts";
import type { ItemId } from "../../tracker/types.ts";
import type { NatsLayout } from "../layout.ts";
import { stageToken } from "../layout.ts";
import { hostAndPid } from "../../terminal/host.ts";

/** The names of one pipeline's cluster-view subjects and streams. */
export interface EventsLayout {
  /** The stream of status and run events (`AF_<name>_EVENTS`, limits retention). */
  readonly stream: string;
  /** Its subjects: `antflow.<name>.events.>`. */
  readonly subjects: string;
  /** Task events (core NATS, live only): `antflow.<name>.tasks`. */
  readonly tasks: string;
  /** The key-value bucket of worker reports (`AF_<name>_workers`). */
  readonly bucket: string;
  /** The bucket's stream (`KV_<bucket>`). */
  readonly bucketStream: string;
  /** A status event of `itemId`: `antflow.<name>.events.status.<item token>`. */
  status(itemId: ItemId): string;
  /** A run's lifecycle: `antflow.<name>.events.run.<run id token>`. */
  run(runId: string): string;
  /** A process's report: `$KV.<bucket>.<process>`. */
  report(process: string): string;
}

/** The cluster-view layout of the pipeline of `layout`. */
export function eventsLayout(layout: NatsLayout): EventsLayout {
  const bucket = `AF_${layout.name}_workers`;
  return {
    stream: `AF_${layout.name}_EVENTS`,
    subjects: layout.eventsSubject(">"),
    tasks: `${layout.prefix}.tasks`,
    bucket,
    bucketStream: `KV_${bucket}`,
    status: (itemId) => layout.eventsSubject(`status.${itemToken(itemId)}`),
    run: (runId) => layout.eventsSubject(`run.${stageToken(runId)}`),
    report: (process) => `$KV.${bucket}.${process}`,
  };
}

/** An item id as one subject token: `n<number>` or `s<string>`, escaped like a stage name. */
export function itemToken(itemId: ItemId): string {
  if (typeof itemId === "number") {
    return Number.isSafeInteger(itemId) ? `n${itemId}` : `n${stageToken(String(itemId))}`;
  }
  return SAFE.test(itemId) ? `s${itemId}` : `s${stageToken(itemId)}`;
}

/** A string that is a subject token as it is (what `stageToken` leaves unchanged). */
const SAFE = /^[A-Za-z0-9-]*$/;

/** A status event on the wire: its JSON plus the facts a viewer needs that it does not carry. */
export interface StatusWire extends StatusEventJSON {
  /** The item reached a terminal state (its last event in the pipeline). */
  finished: boolean;
  /** The process that recorded it. */
  process: string;
}

/** A run event on the wire. */
export interface RunWire {
  type: "runstart" | "runend";
  event: RunEvent;
  process: string;
}

/** What a process reports about itself and its workers (the bucket's value under its name). */
export interface ProcessReport {
  /** The process's name (worker names in the view are `<process>/<worker>`). */
  process: string;
  /** Its host, when the runtime tells it. */
  host: string | null;
  /** Its process id, when the runtime tells it. */
  pid: number | null;
  /** When it started, epoch ms. */
  startedAt: number;
  /** When it sent this report, epoch ms. */
  at: number;
  /** How often it reports (ms). */
  heartbeatMs: number;
  /** After how long without a report it is gone (ms). */
  ttlMs: number;
  /** The pipeline's stages, in order. */
  stages: string[];
  /** The stages this process works on. */
  worked: string[];
  /** Its workers' states, by worker name (`Fetch-W0`). */
  workerStates: Record<string, unknown>;
  /** Its workers' counters, by worker name. */
  workerMetrics: Record<string, unknown>;
  /** Its share of each stage it works (the local pipeline's `stageStats`). */
  stageStats: Record<string, unknown>;
}

/** Who this process is: a name for the view, and its host and pid where known. */
export interface ProcessIdentity {
  name: string;
  host: string | null;
  pid: number | null;
}

/**
 * The identity of this process (`name` if given); `where` is its host and pid as far as known
 * (probed by the terminal module, the one place that reaches for a runtime). Never throws.
 */
export function processIdentity(
  name: string | undefined,
  where: { host: string | null; pid: number | null } = hostAndPid(),
): ProcessIdentity {
  const { host, pid } = where;
  const fallback = crypto.randomUUID().slice(0, 8);
  const derived = host !== null && pid !== null
    ? `${host}-${pid}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(-64)
    : `p-${fallback}`;
  return { name: name ?? derived, host, pid };
}
