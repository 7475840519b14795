/**
 * Stage queues on NATS JetStream: the same `Pipeline` definition runs in many processes on many
 * hosts, each working the stages it chooses; items survive any of them dying (at-least-once,
 * never lost), and any process — one that runs no stage at all, too — can feed items and collect
 * their results. You make the connection (TCP or WebSocket); AntFlow never picks the transport.
 *
 * @example
 * ```ts ignore
 * import { connect } from "@nats-io/transport-node";
 * import { Pipeline, Stage } from "@antflow/antflow";
 * import { natsPipeline } from "@antflow/antflow/nats";
 *
 * const pipeline = new Pipeline({
 *   stages: [new Stage({ name: "Double", workers: 4, tasks: [(n: number) => n * 2] })],
 * });
 * const nc = await connect({ servers: "nats://127.0.0.1:4222" });
 * const cluster = await natsPipeline(nc, pipeline, { name: "demo" });
 * console.log((await cluster.run([1, 2, 3])).map((r) => r.value)); // [2, 4, 6]
 * await cluster.close();
 * await nc.close();
 * ```
 *
 * @module
 */
export { type NatsPipeline, natsPipeline } from "./nats_pipeline.ts";
export type { StageHolding } from "./stage_worker.ts";
export type { NatsFeedOptions, NatsPipelineOptions, NatsRunOptions } from "./options.ts";
export { jsonCodec, type NatsCodec } from "./codec.ts";
export { type ErrorFacts, ItemLostError, ItemTransferError, RemoteError } from "./errors.ts";
export { ClusterTracker } from "./cluster/cluster_tracker.ts";
export type {
  ClusterDashboardSnapshot,
  ClusterProcess,
  ClusterView,
  ClusterWorkerState,
} from "./cluster/cluster_view.ts";
export type { ClusterTrackerOptions, NatsEventsOptions } from "./cluster/options.ts";
