import {
  INVALID_SPANID,
  INVALID_TRACEID,
  isSpanContextValid,
  type SpanContext,
  TraceFlags,
} from "@opentelemetry/api";

/**
 * A span context as a W3C `traceparent` header value (version 00), the form an item's trace
 * context travels in (and a queue backend puts in message headers).
 *
 * @internal
 */
export function formatTraceparent(context: SpanContext): string {
  const flags = (context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? "01" : "00";
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
/** Version 00, the form this module writes: one test, no captures (the per-item path). */
const VERSION_00 = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The span context of a W3C `traceparent`, or `undefined` when it is not a valid one (unknown
 * version `ff`, an all-zero id, or a version 00 value with extra fields).
 *
 * @internal
 */
export function parseTraceparent(value: string): SpanContext | undefined {
  if (value.length === 55 && VERSION_00.test(value)) {
    const traceId = value.slice(3, 35);
    const spanId = value.slice(36, 52);
    if (traceId === INVALID_TRACEID || spanId === INVALID_SPANID) return undefined;
    return {
      traceId,
      spanId,
      traceFlags: parseInt(value.slice(53), 16) & TraceFlags.SAMPLED,
      isRemote: false,
    };
  }
  const match = TRACEPARENT.exec(value.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  const context: SpanContext = {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: false,
  };
  return isSpanContextValid(context) ? context : undefined;
}
