/**
 * What the instrumentation seam and `@antflow/antflow/otel` cost, on scenarios 1 (one stage,
 * `run()`) and 2 (three stages, `stream()`), 8 workers, `async x => x + 1`, measured alternating
 * in one process (the suite's harness: warm-up, shuffled rounds, medians):
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
 * Usage: deno run -A bench/otel_overhead.ts [--old <dir>] [--items N] [--sdk-items N] [--rounds 7]
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
import { measure } from "./harness.ts";
import { inc } from "./tasks.ts";
import { grouped } from "./stats.ts";
import type { BenchConfig, Contender, ThroughputRow } from "./types.ts";

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
const rounds = Number(option("--rounds") ?? (quick ? 1 : 7));
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

const config: BenchConfig = {
  quick,
  full: true,
  rounds,
  maxRunSeconds: 60,
  gc: false,
  log: (line) => console.error(line),
};

function report(title: string, n: number, rows: ThroughputRow[], stagesPerItem: number): void {
  const rate = (label: string) => rows.find((r) => r.label === label)?.median;
  const base = rate("new")!;
  const before = rate("old");
  console.log(`\n${title}: ${grouped(n)} items, ${rounds} rounds (median items/s)\n`);
  console.log(
    "| variant | items/s (median) | min – max | ÷ new | ÷ old | µs per item vs new | µs per item per stage |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    const perItem = (1 / row.median - 1 / base) * 1e6;
    console.log(
      `| ${row.label} | ${grouped(row.median)} | ${grouped(row.min)} – ${grouped(row.max)} | ${
        (row.median / base).toFixed(2)
      } | ${before === undefined ? "" : (row.median / before).toFixed(2)} | ${
        row.label === "new" ? "" : perItem.toFixed(2)
      } | ${row.label === "new" ? "" : (perItem / stagesPerItem).toFixed(2)} |`,
    );
  }
}

type Scenario = (engine: Engine, make: Make) => Contender["run"];

function contenders(list: [string, Engine, Make][], n: number, scenario: Scenario): Contender[] {
  return list.map(([label, engine, make]) => ({ label, items: n, run: scenario(engine, make) }));
}

const runtime = "Deno" in globalThis ? "Deno" : "Bun" in globalThis ? "Bun" : "Node";
const tables: (() => void)[] = [];
for (
  const [tag, title, scenario, stageCount] of [
    ["s1", "Scenario 1, one stage, run()", oneStage, 1],
    ["s2", "Scenario 2, three stages, stream()", threeStages, 3],
  ] as const
) {
  const rows = await measure(contenders(zeroCost, items, scenario), config, {
    tag,
    rounds,
    noCap: true,
  });
  tables.push(() => report(title, items, rows, stageCount));
  if (!withSdk) continue;
  const sdkRows = await measure(contenders(sdk, sdkItems, scenario), config, {
    tag: `${tag}-sdk`,
    rounds,
    noCap: true,
  });
  tables.push(() => report(`${title}, with an SDK`, sdkItems, sdkRows, stageCount));
}
console.log(`\n## ${runtime} ${process.version}`);
for (const table of tables) table();
