/** Our engine as a contender: the ways a user would push N items through it. */
import { Pipeline, Stage, StatusTracker } from "../mod.ts";

/** One stage of `workers` workers running `task`. */
function stages(count: number, workers: number, task: (x: number) => unknown): Stage[] {
  return Array.from(
    { length: count },
    (_, i) => new Stage({ name: `S${i + 1}`, workers, tasks: [task] }),
  );
}

/**
 * `pipeline.run(items)`: one stage, results collected in input order (like `p-map`).
 *
 * @param workers Workers of the stage.
 * @param task The task.
 * @returns A contender body.
 */
export function runOneStage(
  workers: number,
  task: (x: number) => unknown,
): (input: number[]) => Promise<unknown> {
  return (input) => new Pipeline({ stages: stages(1, workers, task) }).run(input);
}

/** How a streamed run is tracked. */
export type Tracking = "none" | "listener" | "silent";

/**
 * `pipeline.stream(items)` through `stageCount` stages, every result read and dropped. With
 * `tracking` `"listener"`, a `StatusTracker({ maxItems: 10_000 })` with one `status` listener; with
 * `"silent"`, the same tracker with no listener and no callback.
 *
 * @param stageCount Number of stages.
 * @param workers Workers per stage.
 * @param task The task of every stage.
 * @param tracking Whether and how a tracker is attached.
 * @returns A contender body.
 */
export function streamStages(
  stageCount: number,
  workers: number,
  task: (x: number) => unknown,
  tracking: Tracking = "none",
): (input: number[]) => Promise<unknown> {
  return async (input) => {
    let statusEvents = 0;
    let statusTracker: StatusTracker | undefined;
    if (tracking !== "none") {
      statusTracker = new StatusTracker({ maxItems: 10_000 });
      if (tracking === "listener") statusTracker.addEventListener("status", () => statusEvents++);
    }
    const pipeline = new Pipeline({ stages: stages(stageCount, workers, task), statusTracker });
    let results = 0;
    for await (const _ of pipeline.stream(input)) results++;
    if (results !== input.length) {
      throw new Error(`Benchmark: streamed ${results} results for ${input.length} items`);
    }
    return statusEvents;
  };
}
