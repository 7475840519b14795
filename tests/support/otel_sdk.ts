/**
 * An OpenTelemetry SDK for the tests: in-memory span and metric exporters, providers passed
 * explicitly (no global tracer or meter provider, so test files cannot leak into each other), and
 * the AsyncLocalStorage context manager registered globally once (the API has only one).
 */
import { context, type HrTime, SpanStatusCode } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Registers the AsyncLocalStorage context manager as the global one (once per process). */
export function useAsyncContext(): void {
  if (contextManager !== undefined) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(contextManager)) {
    throw new Error("another context manager is registered already");
  }
}

/** A tracer provider and a meter provider writing to in-memory exporters. */
export class TestSdk {
  readonly spans: InMemorySpanExporter = new InMemorySpanExporter();
  readonly tracerProvider: BasicTracerProvider;
  readonly metricExporter: InMemoryMetricExporter = new InMemoryMetricExporter(
    AggregationTemporality.CUMULATIVE,
  );
  readonly reader: PeriodicExportingMetricReader;
  readonly meterProvider: MeterProvider;

  constructor() {
    useAsyncContext();
    this.tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(this.spans)],
    });
    this.reader = new PeriodicExportingMetricReader({
      exporter: this.metricExporter,
      exportIntervalMillis: 3_600_000,
    });
    this.meterProvider = new MeterProvider({ readers: [this.reader] });
  }

  /** Every finished span. */
  finished(): ReadableSpan[] {
    return this.spans.getFinishedSpans();
  }

  /** Collects the metrics now: name → points (attributes and value, sum or histogram count). */
  async metrics(): Promise<Map<string, MetricPoint[]>> {
    this.metricExporter.reset();
    await this.reader.forceFlush();
    const out = new Map<string, MetricPoint[]>();
    for (const resource of this.metricExporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) {
          const points = metric.dataPoints.map((point) => {
            const value = point.value as number | { count: number; sum?: number };
            return {
              attributes: point.attributes as Record<string, unknown>,
              value: typeof value === "number" ? value : value.count,
              sum: typeof value === "number" ? value : value.sum ?? 0,
              unit: metric.descriptor.unit,
            };
          });
          out.set(metric.descriptor.name, points);
        }
      }
    }
    return out;
  }

  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }
}

/** One data point: a counter's or gauge's value, or a histogram's count (and its sum). */
export interface MetricPoint {
  attributes: Record<string, unknown>;
  value: number;
  sum: number;
  unit: string;
}

/** The sum of a metric's points whose attributes include `where`. */
export function total(
  metrics: Map<string, MetricPoint[]>,
  name: string,
  where: Record<string, unknown> = {},
): number {
  let sum = 0;
  for (const point of metrics.get(name) ?? []) {
    if (Object.entries(where).every(([k, v]) => point.attributes[k] === v)) sum += point.value;
  }
  return sum;
}

/** The span's parent span id (SDK 2 keeps it in parentSpanContext). */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** A readable outline of a span: name, status and a few attributes. */
export function outline(span: ReadableSpan): string {
  const status = span.status.code === SpanStatusCode.ERROR ? " ERROR" : "";
  return `${span.name}${status}`;
}

/** Milliseconds of an HrTime. */
export function ms(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}
