/**
 * Watching a run: scenario 2's streamed three-stage pipeline with a tracker served by
 * `antflowRoutes()`, its `/events` stream read to the end in-process by one or many clients.
 */
import { Pipeline, Stage, StatusTracker } from "../mod.ts";
import { antflowRoutes } from "../src/hono/mod.ts";

/** How the clients of a served run ask for the stream. */
export type StreamMode = "full" | "summary";

const RUN_END = new TextEncoder().encode("event: runend\n");
const LF = 10;

/**
 * Whether the last SSE message of `chunk` is the `runend` (it is the run's last event, and the
 * hub never puts a snapshot or a ping after events in the same chunk). Reads a few bytes from the
 * end, whatever the chunk's size.
 */
export function hasRunEnd(chunk: Uint8Array): boolean {
  // The message before the last one ends with "\n\n"; the last one holds no blank line.
  let at = chunk.length - 3;
  while (at > 0 && !(chunk[at] === LF && chunk[at - 1] === LF)) at = chunk.lastIndexOf(LF, at - 1);
  const start = at <= 0 ? 0 : at + 1;
  for (let i = 0; i < RUN_END.length; i++) if (chunk[start + i] !== RUN_END[i]) return false;
  return true;
}

/**
 * Reads a stream until the chunk that holds `runend`; returns the bytes read.
 *
 * @throws {Error} If the stream ends or fails first (a client cut off as slow, for instance).
 */
export async function readToRunEnd(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<number> {
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error("Benchmark: the SSE stream ended before runend");
    bytes += value.length;
    if (hasRunEnd(value)) return bytes;
  }
}

function stages(workers: number, task: (x: number) => unknown): Stage[] {
  return [1, 2, 3].map((i) => new Stage({ name: `S${i}`, workers, tasks: [task] }));
}

/**
 * `pipeline.stream(items)` through three stages with a `StatusTracker({ maxItems: 10_000 })`
 * served by `antflowRoutes({ tracker, pipeline })`, `clients` streams of `/events?mode=<mode>`
 * open from the start and each read to the run's `runend`.
 *
 * @param clients How many `/events` streams.
 * @param mode `full` (every event) or `summary`.
 * @param workers Workers per stage.
 * @param task The task of every stage.
 * @returns A contender body.
 */
export function servedStages(
  clients: number,
  mode: StreamMode,
  workers: number,
  task: (x: number) => unknown,
): (input: number[]) => Promise<unknown> {
  return async (input) => {
    const statusTracker = new StatusTracker({ maxItems: 10_000 });
    const pipeline = new Pipeline({ stages: stages(workers, task), statusTracker });
    const app = antflowRoutes({ tracker: statusTracker, pipeline, maxClients: clients + 1 });
    const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
    for (let i = 0; i < clients; i++) {
      const response = await app.request(`/events?mode=${mode}`);
      readers.push(response.body!.getReader());
    }
    const reading = Promise.all(readers.map(readToRunEnd));
    let results = 0;
    for await (const _ of pipeline.stream(input)) results++;
    if (results !== input.length) {
      throw new Error(`Benchmark: streamed ${results} results for ${input.length} items`);
    }
    const bytes = await reading;
    await Promise.all(readers.map((reader) => reader.cancel()));
    return bytes;
  };
}
