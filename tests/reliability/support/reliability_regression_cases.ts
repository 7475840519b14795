/**
 * Minimal reproductions of the engine bugs the property tests found (all fixed), run by
 * `tests/reliability/reliability_regressions_test.ts`. Each resolves to `undefined` when the engine
 * behaves as the SPEC says, or to a description of what went wrong.
 */
import {
  AsyncExecutor,
  Pipeline,
  RateLimiter,
  Semaphore,
  Stage,
  StatusEvent,
  StatusEventSchema,
  StatusTracker,
  TaskEvent,
  wait,
} from "../../../mod.ts";

type Case = [id: string, title: string, reproduce: () => Promise<string | undefined>];

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const pass = <T>(x: T): T => x;
const later = async <T>(x: T): Promise<T> => x;

/** Runs a pipeline and reports any item with more than one terminal state or a stats mismatch. */
async function terminalCheck(
  stages: () => Stage[],
  drive: (pipeline: Pipeline, tracker: StatusTracker) => Promise<unknown>,
): Promise<string | undefined> {
  const tracker = new StatusTracker();
  const pipeline = new Pipeline({ stages: stages(), statusTracker: tracker });
  await drive(pipeline, tracker).catch(() => {});
  await pause(10);
  const last = pipeline.stages[pipeline.stages.length - 1].name;
  for (const id of tracker.getTrackedIds()) {
    const history = tracker.getHistory(id);
    const terminal = history.filter((e) =>
      e.status === "failed" || e.status === "cancelled" ||
      ((e.status === "completed" || e.status === "skipped") && e.stage === last)
    );
    if (terminal.length !== 1) {
      const trace = history.map((e) => `${e.status}@${e.stage}`).join(" > ");
      return `item ${id}: ${trace}; itemsInFlight ${pipeline.getStats().itemsInFlight}`;
    }
  }
  const stats = pipeline.getStats();
  if (stats.itemsInFlight !== 0) return `itemsInFlight ${stats.itemsInFlight}`;
}

const twoStages = () => [
  new Stage({ name: "A", workers: 1, tasks: [pass] }),
  new Stage({ name: "B", workers: 1, tasks: [pass] }),
];

async function messageOf(call: () => unknown): Promise<string> {
  try {
    await call();
    return "no error";
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

function expectMessage(got: string, want: string): string | undefined {
  return got === want ? undefined : `got ${got}; want ${want}`;
}

export const REGRESSION_CASES: Case[] = [
  ["1a", "abort inside a 'queued' status listener: the item is cancelled, then processed", () => {
    const controller = new AbortController();
    return terminalCheck(twoStages, (p, tracker) => {
      tracker.addEventListener("status", (e) => {
        if (e.detail.status === "queued") controller.abort(new Error("stop"));
      });
      return p.run([1], { signal: controller.signal });
    });
  }],
  ["1b", "abort inside a 'completed' listener of a middle stage: cancelled, then re-queued", () => {
    const controller = new AbortController();
    return terminalCheck(twoStages, (p, tracker) => {
      tracker.addEventListener("status", (e) => {
        if (e.detail.status === "completed" && e.detail.stage === "A") controller.abort();
      });
      return p.run([1], { signal: controller.signal });
    });
  }],
  [
    "2a",
    "an async input that aborts the run right after yielding: item processed after cancel",
    () => {
      const controller = new AbortController();
      async function* input() {
        yield 1;
        controller.abort(new Error("stop"));
      }
      return terminalCheck(twoStages, (p) => p.run(input(), { signal: controller.signal }));
    },
  ],
  ["2b", "a sync input that throws after two items: an item is processed after its cancel", () => {
    function* input() {
      yield 1;
      yield 2;
      throw new Error("input broke");
    }
    return terminalCheck(
      () => [
        new Stage({ name: "A", workers: 2, tasks: [later] }),
        new Stage({ name: "B", workers: 1, tasks: [pass] }),
      ],
      (p) => p.run(input()),
    );
  }],
  ["2c", "for await (… of stream) break: an item is cancelled, then processed", () =>
    terminalCheck(
      () => [
        new Stage({ name: "A", workers: 1, tasks: [later] }),
        new Stage({ name: "B", workers: 2, tasks: [pass] }),
      ],
      async (p) => {
        for await (const _ of p.stream([0, 1, 2, 3, 4, 5], { highWaterMark: 1 })) break;
      },
    )],
  [
    "2d",
    "idOf returning a bad id at index 1: item 0 is cancelled, then processed",
    () =>
      terminalCheck(
        () => [
          new Stage({ name: "A", workers: 2, tasks: [pass] }),
          new Stage({ name: "B", workers: 1, tasks: [pass] }),
        ],
        (p) => p.run(["a", "b"], { idOf: (_x, i) => (i === 1 ? {} : "fine") as never }),
      ),
  ],
  [
    "3",
    "an item a generator hands out while intake stops gets no id and no terminal state",
    async () => {
      const controller = new AbortController();
      const tracker = new StatusTracker();
      const pipeline = new Pipeline({
        stages: [new Stage({ name: "A", workers: 1, tasks: [pass] })],
        statusTracker: tracker,
      });
      const taken: number[] = [];
      const aborted = new Promise((resolve) =>
        controller.signal.addEventListener("abort", resolve)
      );
      async function* messages() {
        taken.push(0);
        yield 0;
        setTimeout(() => controller.abort(new Error("stop")), 1);
        await aborted; // the next message arrives while the run is being aborted
        taken.push(1);
        yield 1;
      }
      await pipeline.run(messages(), { signal: controller.signal }).catch(() => {});
      const tracked = tracker.getTrackedIds().length;
      if (tracked !== taken.length) {
        return `${taken.length} items taken from the input, ${tracked} tracked (the rest vanished)`;
      }
    },
  ],
  [
    "4",
    "a task throwing a Proxy whose traps throw kills its worker; run() never settles",
    async () => {
      const bomb = new Proxy({}, {
        getPrototypeOf() {
          throw new Error("trap");
        },
        get() {
          throw new Error("trap");
        },
      });
      const pipeline = new Pipeline({
        stages: [
          new Stage({
            name: "A",
            workers: 1,
            taskAttempts: 1,
            tasks: [() => {
              throw bomb;
            }],
          }),
        ],
      });
      const settled = await Promise.race([
        pipeline.run([1]).then(() => "settled", () => "settled"),
        pause(500).then(() => "hung"),
      ]);
      if (settled === "hung") {
        await pipeline.shutdown();
        return "run() did not settle; the worker logged an internal error and stopped";
      }
    },
  ],
  [
    "5",
    "TaskEvent.toJSON() throws for a Proxy error; StatusEvent metadata holding one breaks the schema",
    async () => {
      const bomb = new Proxy({}, {
        getPrototypeOf() {
          throw new Error("trap");
        },
      });
      const problems: string[] = [];
      try {
        JSON.stringify(
          new TaskEvent({
            itemId: 1,
            stage: "S",
            taskName: "t",
            worker: "S-W0",
            eventType: "fail",
            attempt: 1,
            timestamp: 0,
            error: bomb,
          }),
        );
      } catch (e) {
        problems.push(`TaskEvent JSON threw ${String(e)}`);
      }
      const json = JSON.parse(
        JSON.stringify(
          new StatusEvent({
            itemId: 1,
            stage: "S",
            status: "failed",
            worker: null,
            timestamp: 0,
            metadata: { p: bomb },
          }),
        ),
      );
      if (!StatusEventSchema.safeParse(json).success) {
        problems.push(`StatusEvent metadata became ${JSON.stringify(json.metadata)}`);
      }
      return problems.length > 0 ? problems.join("; ") : undefined;
    },
  ],
  ["6", "an async retryIf is not awaited: async () => false still retries", async () => {
    let attempts = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          taskAttempts: 3,
          taskWaitMs: 0,
          retryIf: (async () => false) as never,
          tasks: [() => {
            attempts++;
            throw new Error("x");
          }],
        }),
      ],
    });
    await pipeline.run([1]);
    if (attempts !== 1) {
      return `${attempts} attempts after retryIf resolved to false (a rejection would be unhandled)`;
    }
  }],
  [
    "7",
    "a number given for a function/boolean/string option is a RangeError, not a TypeError",
    async () => {
      const p = new Pipeline({ stages: [new Stage({ name: "A", workers: 1, tasks: [pass] })] });
      const executor = new AsyncExecutor();
      const got = [
        await messageOf(() => new StatusTracker({ onStatusChange: 1 as never })),
        await messageOf(() => p.run([1], { progress: 1 as never })),
        await messageOf(() => p.feed([1], { targetStage: 1 as never })),
        await messageOf(() => executor.submit(1 as never)),
        await messageOf(() => executor.shutdown({ wait: 1 as never })),
      ];
      await executor.shutdown();
      const wrong = got.filter((m) => m.startsWith("RangeError"));
      return wrong.length > 0 ? wrong.join("; ") : undefined;
    },
  ],
  ["8", "messages that do not show the value received (or the owner and field)", async () => {
    const executor = new AsyncExecutor();
    const problems = [
      expectMessage(
        await messageOf(() => executor.submit(() => 1, "x" as never)),
        'TypeError: AsyncExecutor.submit: args must be an array, got "x"',
      ),
      expectMessage(
        await messageOf(() => executor.map((x) => x, 5 as never)),
        "TypeError: AsyncExecutor.map: items must be an iterable or async iterable, got 5",
      ),
      expectMessage(
        await messageOf(() => new Semaphore("2" as never)),
        'TypeError: Semaphore: permits must be an integer >= 1, got "2"',
      ),
      expectMessage(
        await messageOf(() => new RateLimiter("1" as never, 10)),
        'TypeError: RateLimiter: limit must be an integer >= 1, got "1"',
      ),
      expectMessage(
        await messageOf(() => wait(5 as never)),
        "TypeError: wait: futures must be an iterable of AsyncFuture, got 5",
      ),
    ].filter((p) => p !== undefined);
    await executor.shutdown();
    return problems.length > 0 ? problems.join("; ") : undefined;
  }],
  [
    "9",
    "backoff.maxWaitMs: Infinity (the documented default) is rejected, shown as null",
    async () => {
      const got = await messageOf(() =>
        new Stage({ name: "A", workers: 1, tasks: [pass], backoff: { maxWaitMs: Infinity } })
      );
      return got === "no error" ? undefined : got;
    },
  ],
];
