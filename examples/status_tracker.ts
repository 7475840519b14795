/**
 * The StatusTracker example from the original AntFlow documentation, in TypeScript: alert on
 * failures with a callback, ask for one item's status, and print every worker's state.
 *
 * Run: deno run examples/status_tracker.ts   (or: node examples/status_tracker.ts, bun examples/status_tracker.ts)
 */
import { Pipeline, Stage, StatusTracker } from "../mod.ts";

// 1. A tracker with a custom callback that alerts on failures.
const tracker = new StatusTracker({
  onStatusChange: async (event) => {
    if (event.status === "failed") {
      console.log(`ALERT: item ${event.itemId} failed in ${event.stage}: ${event.metadata.error}`);
    }
  },
});

// 2. A two-stage pipeline; every 50th item fails for good (no retries, to keep the output short).
async function fetchRecord(id: number): Promise<{ id: number; body: string }> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  if (id % 50 === 7) throw new Error(`record ${id} not found`);
  return { id, body: `record ${id}` };
}
function parseRecord(record: { id: number; body: string }): string {
  return record.body.toUpperCase();
}

const pipeline = new Pipeline({
  stages: [
    new Stage({ name: "Fetch", workers: 5, tasks: [fetchRecord], taskAttempts: 1 }),
    new Stage({ name: "Parse", workers: 2, tasks: [parseRecord] }),
  ],
  statusTracker: tracker,
});

const results = await pipeline.run(Array.from({ length: 200 }, (_, i) => i));
console.log(`${results.length} items succeeded`);

// 3. Ask for one item's status.
const status = tracker.getStatus(123);
console.log(`Item 123: ${status?.status} in ${status?.stage} (worker ${status?.worker})`);

// 4. Print every worker's state.
for (const [name, state] of Object.entries(pipeline.getWorkerStates())) {
  console.log(`${name}: ${state.status}`);
}
console.log(String(tracker.getErrorSummary()));
