/** Every scenario of the suite, by number. */
import type { Scenario } from "../types.ts";
import { oneStage } from "./s1_one_stage.ts";
import { threeStages } from "./s2_three_stages.ts";
import { trackedSilent, trackedWithListener } from "./s3_s4_tracking.ts";
import { ioBound } from "./s5_io_bound.ts";
import { scale } from "./s6_scale.ts";
import { memory } from "./s7_memory.ts";
import { watched } from "./s8_sse.ts";
import { watchedOverSocket } from "./s9_sse_socket.ts";

/** Scenarios 1–9 in order. */
export const SCENARIOS: readonly Scenario[] = [
  oneStage,
  threeStages,
  trackedWithListener,
  trackedSilent,
  ioBound,
  scale,
  memory,
  watched,
  watchedOverSocket,
];
