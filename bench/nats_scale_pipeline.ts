/** The one-stage pipelines of `bench/nats_scale.ts` (the same definition in every process). */
import { Pipeline, Stage } from "../mod.ts";

/** Milliseconds each I/O-bound task waits. */
export const IO_TASK_MS = 20;

/** `io`: a 20 ms wait per item; `trivial`: `n + 1`. */
export function scalePipeline(kind: string, workers: number): Pipeline<number, number> {
  const task = kind === "io"
    ? async function wait(n: number) {
      await new Promise((resolve) => setTimeout(resolve, IO_TASK_MS));
      return n + 1;
    }
    : function addOne(n: number) {
      return n + 1;
    };
  return new Pipeline({ stages: [new Stage({ name: "Work", workers, tasks: [task] })] });
}
