/**
 * What the instrumentation seam and `@antflow/antflow/otel` cost, on scenarios 1 (one stage,
 * `run()`) and 2 (three stages, `stream()`), 8 workers, `async x => x + 1`, measured alternating
 * in one process (a warm-up run each, then shuffled rounds; medians of items/s by CPU time):
 *
 * - `old`: the engine before the seam, from another checkout (`--old <dir>`; optional), e.g.
 *   `git archive <commit> | tar -x -C /tmp/antflow-old && ln -s $PWD/node_modules /tmp/antflow-old/`
 * - `new`: this checkout, no instrumentation
 * - `otel, no SDK`: an `OpenTelemetryInstrumentation` attached, no SDK registered (every run
 *   of it finds no tracer and no meter, and goes uninstrumented)
 * - `otel + SDK`: a tracer provider with a `BatchSpanProcessor` and a no-op exporter, a meter
 *   provider with a reader (never collected), AsyncLocalStorage context: spans per item per stage
 *   and per attempt, metrics
 * - `otel + SDK, stage spans` and `otel + SDK, metrics only`: the lighter settings
 *
 * Two measurements, so that the SDK's garbage does not slow the zero-cost comparison down: `old`,
 * `new` and `otel, no SDK` at `--items` (default 200 000); then `new` and the SDK variants at
 * `--sdk-items` (default 20 000; their cost per item is what matters). `--no-sdk` skips the second.
 *
 * Usage: deno run -A bench/otel_overhead.ts [--old <dir>] [--items N] [--sdk-items N] [--rounds 15]
 *          [--sdk-rounds 5] [--no-sdk] [--quick]
 *        node bench/otel_overhead.ts ...; bun bench/otel_overhead.ts ...
 */
import process from "node:process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import * as current from "../mod.ts";
import { OpenTelemetryInstrumentation, type OpenTelemetryOptions } from "../src/otel/mod.ts";
import { loadAverage, runtimeInfo } from "./runtime.ts";
import { inc } from "./tasks.ts";
import { grouped, median, seededRandom } from "./stats.ts";
import type { Contender } from "./types.ts";

const WORKERS = 8;
type Engine = Pick<typeof current, "Pipeline" | "Stage">;

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const quick = process.argv.includes("--quick");
const items = Number(option("--items") ?? (quick ? 2_000 : 200_000));
const sdkItems = Number(option("--sdk-items") ?? (quick ? 2_000 : 20_000));
const withSdk = !process.argv.includes("--no-sdk");
const rounds = Number(option("--rounds") ?? (quick ? 1 : 15));
const sdkRounds = Number(option("--sdk-rounds") ?? (quick ? 1 : 5));
const oldDir = option("--old");
const old: Engine | undefined = oldDir === undefined
  ? undefined
  : await import(pathToFileURL(join(oldDir, "mod.ts")).href);

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** An SDK whose spans go nowhere (batched, as in production) and whose metrics nobody reads. */
function sdkProviders(): Pick<OpenTelemetryOptions, "tracerProvider" | "meterProvider"> {
  const exporter = {
    export(_spans: unknown[], done: (result: { code: number }) => void): void {
      done({ code: 0 });
    },
    shutdown: async (): Promise<void> => {},
  };
  class IdleReader extends MetricReader {
    protected override async onShutdown(): Promise<void> {}
    protected override async onForceFlush(): Promise<void> {}
  }
  return {
    tracerProvider: new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(exporter)],
    }),
    meterProvider: new MeterProvider({ readers: [new IdleReader()] }),
  };
}

type Make = () => current.PipelineInstrumentation | undefined;

const zeroCost: [string, Engine, Make][] = [
  ...(old === undefined ? [] : [["old", old, () => undefined] as [string, Engine, Make]]),
  ["new", current, () => undefined],
  ["otel, no SDK", current, () => new OpenTelemetryInstrumentation()],
];
const sdk: [string, Engine, Make][] = [
  ["new", current, () => undefined],
  ["otel + SDK", current, () => new OpenTelemetryInstrumentation(sdkProviders())],
  [
    "otel + SDK, stage spans",
    current,
    () => new OpenTelemetryInstrumentation({ ...sdkProviders(), spans: "stages" }),
  ],
  [
    "otel + SDK, metrics only",
    current,
    () => new OpenTelemetryInstrumentation({ ...sdkProviders(), spans: "none" }),
  ],
];

function stages(engine: Engine, count: number): current.Stage[] {
  return Array.from(
    { length: count },
    (_, i) => new engine.Stage({ name: `S${i + 1}`, workers: WORKERS, tasks: [inc] }),
  );
}

/** Scenario 1: `run()` through one stage. */
function oneStage(engine: Engine, make: Make): Contender["run"] {
  return (input) => {
    const instrumentation = make();
    const pipeline = new engine.Pipeline({
      stages: stages(engine, 1),
      ...(instrumentation === undefined ? {} : { instrumentation }),
    });
    return pipeline.run(input);
  };
}

/** Scenario 2: `stream()` through three stages, every result read and dropped. */
function threeStages(engine: Engine, make: Make): Contender["run"] {
  return async (input) => {
    const instrumentation = make();
    const pipeline = new engine.Pipeline({
      stages: stages(engine, 3),
      ...(instrumentation === undefined ? {} : { instrumentation }),
    });
    let n = 0;
    for await (const _ of pipeline.stream(input)) n++;
    if (n !== input.length) throw new Error(`streamed ${n} of ${input.length}`);
  };
}

interface Row {
  label: string;
  wall: number[];
  cpu: number[];
}

/** items/s of one run, by wall-clock time and by the process's CPU time (user + system). */
async function timeOnce(c: Contender, input: number[]): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await c.run(input);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { wall: input.length / (wallMs / 1000), cpu: input.length / (cpuMs / 1000) };
}

/**
 * A warm-up run each (N ÷ 10), then `rounds` rounds in which every contender runs once, in an
 * order shuffled afresh (seeded) each round. The machine is shared and busy, so the CPU time the
 * process used is recorded next to the wall-clock time: it is far less disturbed by other
 * processes taking the cores (GC helper threads count in it, as they should).
 */
async function measureBoth(
  list: Contender[],
  n: number,
  rounds: number,
  tag: string,
): Promise<Row[]> {
  const input = Array.from({ length: n }, (_, i) => i);
  for (const c of list) await timeOnce(c, input.slice(0, Math.max(1, Math.round(n / 10))));
  const rows: Row[] = list.map((c) => ({ label: c.label, wall: [], cpu: [] }));
  const random = seededRandom(0x07e1);
  for (let round = 0; round < rounds; round++) {
    const order = list.map((_, i) => i).sort(() => random() - 0.5);
    for (const i of order) {
      const t = await timeOnce(list[i], input);
      rows[i].wall.push(t.wall);
      rows[i].cpu.push(t.cpu);
      console.error(
        `  ${tag} ${round + 1}/${rounds} ${list[i].label.padEnd(26)} ${
          grouped(t.wall).padStart(10)
        } items/s wall ${grouped(t.cpu).padStart(10)} items/s cpu`,
      );
    }
  }
  return rows;
}

function report(title: string, n: number, rows: Row[], stagesPerItem: number): void {
  const rounds = rows[0].cpu.length;
  const cpu = (label: string) => {
    const row = rows.find((r) => r.label === label);
    return row === undefined ? undefined : median(row.cpu);
  };
  const base = cpu("new")!;
  const baseWall = median(rows.find((r) => r.label === "new")!.wall);
  const before = cpu("old");
  console.log(`\n${title}: ${grouped(n)} items, ${rounds} rounds\n`);
  console.log(
    "| variant | items/s by CPU time (median) | min – max | ÷ new | ÷ old | items/s wall (median), ÷ new | µs of CPU per item vs new | per item per stage |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    const rate = median(row.cpu);
    const wall = median(row.wall);
    const perItem = (1 / rate - 1 / base) * 1e6;
    const first = row.label === "new";
    console.log(
      `| ${row.label} | ${grouped(rate)} | ${grouped(Math.min(...row.cpu))} – ${
        grouped(Math.max(...row.cpu))
      } | ${(rate / base).toFixed(2)} | ${
        before === undefined ? "" : (rate / before).toFixed(2)
      } | ${grouped(wall)}, ${(wall / baseWall).toFixed(2)} | ${
        first ? "" : perItem.toFixed(2)
      } | ${first ? "" : (perItem / stagesPerItem).toFixed(2)} |`,
    );
  }
}

type Scenario = (engine: Engine, make: Make) => Contender["run"];

function contenders(list: [string, Engine, Make][], n: number, scenario: Scenario): Contender[] {
  return list.map(([label, engine, make]) => ({ label, items: n, run: scenario(engine, make) }));
}

const { name: runtime, version } = runtimeInfo();
const tables: (() => void)[] = [];
for (
  const [tag, title, scenario, stageCount] of [
    ["s1", "Scenario 1, one stage, run()", oneStage, 1],
    ["s2", "Scenario 2, three stages, stream()", threeStages, 3],
  ] as const
) {
  const rows = await measureBoth(contenders(zeroCost, items, scenario), items, rounds, tag);
  tables.push(() => report(title, items, rows, stageCount));
  if (!withSdk) continue;
  const sdkRows = await measureBoth(
    contenders(sdk, sdkItems, scenario),
    sdkItems,
    sdkRounds,
    `${tag}-sdk`,
  );
  tables.push(() => report(`${title}, with an SDK`, sdkItems, sdkRows, stageCount));
}
console.log(`\n## ${runtime} ${version}, load average ${loadAverage().join(" ")}`);
for (const table of tables) table();
