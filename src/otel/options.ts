import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import { describeValue, typeOrRangeError, unknownOptionError } from "../utils/validate.ts";

/** Which spans to record: stage and attempt spans, stage spans only, or none (metrics only). */
export type SpanLevel = "attempts" | "stages" | "none";

/** Options of {@linkcode OpenTelemetryInstrumentation}. */
export interface OpenTelemetryOptions {
  /** Where spans go. By default the global one (`trace.getTracerProvider()`), looked up per run. */
  tracerProvider?: TracerProvider;
  /** Where metrics go. By default the global one (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
  /**
   * `"attempts"`: a span per item per stage (`process <stage>`) and a child span per task attempt
   * (named after the task); `"stages"`: the stage spans only (tasks run inside them); `"none"`.
   * @default {"attempts"}
   */
  spans?: SpanLevel;
  /**
   * Record the metrics (counters, duration histograms, gauges).
   * @default {true}
   */
  metrics?: boolean;
  /**
   * Put item ids on spans (`antflow.item.id`, `messaging.message.id`). Off by default: ids from
   * `idOf` are often e-mail addresses, URLs or customer numbers. The sequence number
   * (`antflow.item.sequence`), which is the default id, is always recorded.
   * @default {false}
   */
  itemIds?: boolean;
  /**
   * Longest string attribute value (and status message) the instrumentation sets; longer ones are
   * cut. The SDK's span limits apply on top of it.
   * @default {256}
   */
  maxAttributeLength?: number;
  /**
   * How items relate to the context active when `run()`, `stream()` or `feed()` was called:
   * `"parent"` makes its span the parent of each item's first stage span (one request, one trace);
   * `"link"` starts a new trace per item, linked to it (for big batches).
   * @default {"parent"}
   */
  runContext?: "parent" | "link";
  /** A name for the pipeline, set as `antflow.pipeline` on every span and metric. */
  name?: string;
}

/** The options with their defaults filled in. */
export interface OtelConfig {
  readonly tracerProvider: TracerProvider | undefined;
  readonly meterProvider: MeterProvider | undefined;
  readonly spans: SpanLevel;
  readonly metrics: boolean;
  readonly itemIds: boolean;
  readonly maxAttributeLength: number;
  readonly link: boolean;
  readonly name: string | undefined;
}

const OWNER = "OpenTelemetryInstrumentation";
const KEYS = [
  "tracerProvider",
  "meterProvider",
  "spans",
  "metrics",
  "itemIds",
  "maxAttributeLength",
  "runContext",
  "name",
] as const;
const ALIASES = { tracer: "tracerProvider", meter: "meterProvider", pipeline: "name" };

/** Validates the options (TypeError, or RangeError for a bad number) and fills in the defaults. */
export function resolveOptions(options: OpenTelemetryOptions): OtelConfig {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`${OWNER}: options must be an object, got ${describeValue(options)}`);
  }
  const unknown = unknownOptionError(OWNER, options, KEYS, typeOrRangeError, ALIASES);
  if (unknown !== undefined) throw unknown;
  const {
    tracerProvider,
    meterProvider,
    spans = "attempts",
    metrics = true,
    itemIds = false,
    maxAttributeLength = 256,
    runContext = "parent",
    name,
  } = options;
  check("tracerProvider", tracerProvider === undefined || hasMethod(tracerProvider, "getTracer"), {
    rule: "must be a TracerProvider (with getTracer)",
    value: tracerProvider,
  });
  check("meterProvider", meterProvider === undefined || hasMethod(meterProvider, "getMeter"), {
    rule: "must be a MeterProvider (with getMeter)",
    value: meterProvider,
  });
  check("spans", spans === "attempts" || spans === "stages" || spans === "none", {
    rule: 'must be "attempts", "stages" or "none"',
    value: spans,
  });
  check("metrics", typeof metrics === "boolean", { rule: "must be a boolean", value: metrics });
  check("itemIds", typeof itemIds === "boolean", { rule: "must be a boolean", value: itemIds });
  if (typeof maxAttributeLength !== "number") {
    check("maxAttributeLength", false, {
      rule: "must be an integer >= 16",
      value: maxAttributeLength,
    });
  }
  if (!Number.isInteger(maxAttributeLength) || maxAttributeLength < 16) {
    throw new RangeError(
      `${OWNER}: maxAttributeLength must be an integer >= 16, got ${
        describeValue(maxAttributeLength)
      }`,
    );
  }
  check("runContext", runContext === "parent" || runContext === "link", {
    rule: 'must be "parent" or "link"',
    value: runContext,
  });
  check("name", name === undefined || (typeof name === "string" && name.length > 0), {
    rule: "must be a non-empty string",
    value: name,
  });
  return {
    tracerProvider,
    meterProvider,
    spans,
    metrics,
    itemIds,
    maxAttributeLength,
    link: runContext === "link",
    name,
  };
}

function check(key: string, ok: boolean, what: { rule: string; value: unknown }): void {
  if (!ok) throw new TypeError(`${OWNER}: ${key} ${what.rule}, got ${describeValue(what.value)}`);
}

function hasMethod(value: unknown, method: string): boolean {
  return value !== null && typeof value === "object" &&
    typeof (value as Record<string, unknown>)[method] === "function";
}
