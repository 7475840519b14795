import {
  createNoopMeter,
  type Meter,
  type MeterProvider,
  metrics,
  trace,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import { SCOPE } from "./names.ts";

/** The global provider when none was registered: a proxy with no delegate behind it. */
interface ProxyProvider {
  getDelegateTracer(name: string): Tracer | undefined;
}

/**
 * The tracer to record with, or `undefined` when tracing is off: the global provider is only
 * the API's proxy and no SDK was registered behind it. Looked up at each run, so an SDK
 * registered after the pipeline was made is picked up by its next run.
 *
 * @internal
 */
export function liveTracer(provider: TracerProvider | undefined): Tracer | undefined {
  const chosen = provider ?? trace.getTracerProvider();
  const proxy = chosen as Partial<ProxyProvider>;
  if (typeof proxy.getDelegateTracer === "function") return proxy.getDelegateTracer(SCOPE);
  return chosen.getTracer(SCOPE);
}

const NoopMeter = createNoopMeter().constructor;

/**
 * The meter to record with, or `undefined` when metrics are off (the API's no-op meter: no SDK
 * registered). Unlike the tracer provider, the global meter provider has no proxy: instruments
 * made before an SDK is registered would stay no-ops, hence the lookup at each run.
 *
 * @internal
 */
export function liveMeter(provider: MeterProvider | undefined): Meter | undefined {
  const meter = (provider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  return meter instanceof NoopMeter ? undefined : meter;
}
