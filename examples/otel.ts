/**
 * OpenTelemetry: a two-stage pipeline traced with `@antflow/antflow/otel`, its spans printed by the
 * SDK's console exporter, then its metrics.
 *
 * - The run starts inside a span of our own ("nightly batch"): every item's spans land in its trace.
 * - Each item's passage through a stage is a `process <stage>` span; each task attempt a child span
 *   named after the task, active while the task runs, so the span `upload()` starts itself (as an
 *   instrumented `fetch` would) is that attempt's child.
 * - Item 2 fails its first upload and is retried (attempt 2); item 3 fails for good.
 *
 * Run: deno run --allow-env examples/otel.ts [--items N]   (the SDK reads OTEL_* variables)
 *      node examples/otel.ts      (Node >= 22.18)
 *      bun examples/otel.ts
 */
import process from "node:process";
import { context, metrics, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { Pipeline, Stage } from "../mod.ts";
import { METRICS, OpenTelemetryInstrumentation } from "../src/otel/mod.ts";

const count = numberArg("--items", 3);

// 1. The SDK: what an application sets up once. The context manager makes spans *active* across
//    awaits (AsyncLocalStorage, which Deno, Node and Bun all have).
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
});
trace.setGlobalTracerProvider(tracerProvider);
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}
const reader = new OnDemandReader();
const meterProvider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(meterProvider);

// 2. The pipeline, with the instrumentation (it uses the global providers registered above).
const tracer = trace.getTracer("example");
let uploads = 0;
async function download(id: number): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 2));
  return `file-${id}`;
}
async function upload(file: string): Promise<string> {
  // Our own span, as an instrumented fetch would make: a child of this attempt's span.
  return await tracer.startActiveSpan("POST /upload", async (span) => {
    try {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (file === "file-2" && uploads++ === 0) throw new Error("503 Service Unavailable");
      if (file === "file-3") throw new TypeError("file-3 is too large");
      return `https://store.example/${file}`;
    } finally {
      span.end();
    }
  });
}
const pipeline = new Pipeline({
  stages: [
    new Stage({ name: "Fetch", workers: 2, tasks: [download] }),
    new Stage({
      name: "Upload",
      workers: 2,
      tasks: [upload],
      taskAttempts: 2,
      taskWaitMs: 5,
      retryIf: (error) => !(error instanceof TypeError),
    }),
  ],
  instrumentation: new OpenTelemetryInstrumentation({ name: "example" }),
});

// 3. Run it inside a span of our own: the items' spans are its children.
const items = Array.from({ length: count }, (_, i) => i + 1);
const results = await tracer.startActiveSpan("nightly batch", async (span) => {
  try {
    return await pipeline.run(items);
  } finally {
    span.end();
  }
});
console.log(`\n${results.length} of ${count} items uploaded`);

// 4. The metrics, collected now: one line per data point, with its attributes.
const { resourceMetrics } = await reader.collect();
console.log("\nmetrics:");
for (const metric of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)) {
  if (!Object.values(METRICS).includes(metric.descriptor.name as never)) continue;
  for (const point of metric.dataPoints) {
    const value = typeof point.value === "number"
      ? String(point.value)
      : `${(point.value as { count: number }).count} recorded`;
    const attributes = Object.entries(point.attributes)
      .filter(([key]) => key !== "antflow.pipeline")
      .map(([key, v]) => `${key}=${v}`).join(" ");
    console.log(`  ${metric.descriptor.name} {${attributes}}: ${value}`);
  }
}
await tracerProvider.shutdown();
await meterProvider.shutdown();

/** Reads `--name N` from the command line (Deno, Node and Bun all provide `process.argv`). */
function numberArg(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 3) {
    throw new RangeError(`${name} must be an integer >= 3`);
  }
  return value;
}
