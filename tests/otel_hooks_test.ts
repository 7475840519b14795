/**
 * The OpenTelemetry instrumentation driven through the core's instrumentation interface by hand
 * (as the worker loop drives it): spans, their parents and statuses, the active context inside
 * an attempt, cancellation of a running attempt, options and the W3C traceparent.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  context,
  createNoopMeter,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { RunInstrumentation, StageEntry } from "../mod.ts";
import { ATTRIBUTES, METRICS, OpenTelemetryInstrumentation } from "../src/otel/mod.ts";
import type { OpenTelemetryOptions } from "../src/otel/mod.ts";
import { formatTraceparent, parseTraceparent } from "../src/otel/traceparent.ts";
import { parentOf, TestSdk, total } from "./support/otel_sdk.ts";

function setup(options: OpenTelemetryOptions = {}) {
  const sdk = new TestSdk();
  const instrumentation = new OpenTelemetryInstrumentation({
    tracerProvider: sdk.tracerProvider,
    meterProvider: sdk.meterProvider,
    ...options,
  });
  return { sdk, instrumentation };
}

function start(instrumentation: OpenTelemetryInstrumentation): RunInstrumentation {
  const run = instrumentation.startRun({ runId: "run-1", kind: "run", startedAt: Date.now() });
  assert.ok(run !== undefined, "a run with an SDK is instrumented");
  return run;
}

function entry(stage: string, fields: Partial<StageEntry> = {}): StageEntry {
  return {
    runId: "run-1",
    itemId: "user@example.com",
    sequenceId: 7,
    stage,
    stageIndex: 0,
    worker: `${stage}-W0`,
    attempt: 1,
    retry: "per_task",
    trace: undefined,
    ...fields,
  };
}

const info = (stage: string, task: string, attempt = 1) => ({
  itemId: "user@example.com",
  stage,
  task,
  taskIndex: 0,
  worker: `${stage}-W0`,
  attempt,
  retry: "per_task" as const,
});

describe("OpenTelemetryInstrumentation without an SDK", () => {
  it("startRun returns undefined when the tracer provider has no SDK behind it and the meter is a no-op", () => {
    const instrumentation = new OpenTelemetryInstrumentation({
      tracerProvider: new ProxyTracerProvider(),
      meterProvider: { getMeter: () => createNoopMeter() },
    });
    const run = instrumentation.startRun({ runId: "r", kind: "run", startedAt: 0 });
    assert.equal(run, undefined);
  });

  it("startRun returns undefined with spans and metrics turned off, SDK or not", () => {
    const { sdk } = setup();
    const instrumentation = new OpenTelemetryInstrumentation({
      tracerProvider: sdk.tracerProvider,
      meterProvider: sdk.meterProvider,
      spans: "none",
      metrics: false,
    });
    assert.equal(instrumentation.startRun({ runId: "r", kind: "stream", startedAt: 0 }), undefined);
  });

  it("uses the global providers when none is passed, and sees an SDK registered after it was made", () => {
    const instrumentation = new OpenTelemetryInstrumentation({ metrics: false });
    const sdk = new TestSdk();
    try {
      assert.equal(instrumentation.startRun({ runId: "r", kind: "run", startedAt: 0 }), undefined);
      assert.ok(trace.setGlobalTracerProvider(sdk.tracerProvider));
      const run = instrumentation.startRun({ runId: "r", kind: "run", startedAt: 0 });
      assert.ok(run !== undefined);
      run.leaveStage(run.enterStage(entry("A")), "completed", undefined);
      assert.deepEqual(sdk.finished().map((s) => s.name), ["process A"]);
    } finally {
      trace.disable();
    }
  });
});

describe("OpenTelemetryInstrumentation spans, driven by hand", () => {
  it("a passage is a CONSUMER span `process <stage>` with messaging and antflow attributes", () => {
    const { sdk, instrumentation } = setup();
    const run = start(instrumentation);
    const passage = run.enterStage(entry("Upload", { stageIndex: 1, attempt: 2 }));
    const next = run.leaveStage(passage, "completed", undefined);
    const [span] = sdk.finished();
    assert.equal(span.name, "process Upload");
    assert.equal(span.kind, SpanKind.CONSUMER);
    assert.deepEqual(span.attributes, {
      [ATTRIBUTES.messagingSystem]: "antflow",
      [ATTRIBUTES.operationType]: "process",
      [ATTRIBUTES.operationName]: "process",
      [ATTRIBUTES.destination]: "Upload",
      [ATTRIBUTES.stage]: "Upload",
      [ATTRIBUTES.stageIndex]: 1,
      [ATTRIBUTES.stageAttempt]: 2,
      [ATTRIBUTES.worker]: "Upload-W0",
      [ATTRIBUTES.retryMode]: "per_task",
      [ATTRIBUTES.runId]: "run-1",
      [ATTRIBUTES.sequenceId]: 7,
      [ATTRIBUTES.outcome]: "completed",
    });
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(next, formatTraceparent(span.spanContext()));
  });

  it("the next stage's span is a child of the previous one through the item's traceparent", () => {
    const { sdk, instrumentation } = setup();
    const run = start(instrumentation);
    const trace1 = run.leaveStage(run.enterStage(entry("A")), "completed", undefined);
    run.leaveStage(run.enterStage(entry("B", { trace: trace1 })), "completed", undefined);
    const [a, b] = sdk.finished();
    assert.equal(parentOf(b), a.spanContext().spanId);
    assert.equal(b.spanContext().traceId, a.spanContext().traceId);
  });

  it("the task runs with its attempt span active: a span it starts is the attempt's child", async () => {
    const { sdk, instrumentation } = setup();
    const run = start(instrumentation);
    const passage = run.enterStage(entry("Fetch"));
    const tracer = sdk.tracerProvider.getTracer("user");
    const result = await run.wrapAttempt(passage, info("Fetch", "download", 2), async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      tracer.startSpan("GET /file").end();
      return 42;
    });
    assert.equal(result, 42);
    run.leaveStage(passage, "completed", undefined);
    const byName = new Map(sdk.finished().map((s) => [s.name, s]));
    const attempt = byName.get("download")!;
    assert.equal(parentOf(byName.get("GET /file")!), attempt.spanContext().spanId);
    assert.equal(parentOf(attempt), byName.get("process Fetch")!.spanContext().spanId);
    assert.equal(attempt.attributes[ATTRIBUTES.attempt], 2);
    assert.equal(attempt.attributes[ATTRIBUTES.task], "download");
    assert.equal(attempt.kind, SpanKind.INTERNAL);
  });

  it("returns a sync task's value as is and rethrows a sync throw, recording it on the attempt span", () => {
    const { sdk, instrumentation } = setup();
    const run = start(instrumentation);
    const passage = run.enterStage(entry("A"));
    assert.equal(run.wrapAttempt(passage, info("A", "double"), () => 21 * 2), 42);
    const boom = new RangeError("too big");
    assert.throws(() =>
      run.wrapAttempt(passage, info("A", "double", 2), () => {
        throw boom;
      }), boom);
    run.leaveStage(passage, "failed", boom);
    const [ok, failed, stage] = sdk.finished();
    assert.equal(ok.status.code, SpanStatusCode.UNSET);
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
    assert.equal(failed.status.message, "too big");
    assert.equal(failed.attributes[ATTRIBUTES.errorType], "RangeError");
    assert.equal(failed.events[0].name, "exception");
    assert.equal(failed.events[0].attributes?.["exception.type"], "RangeError");
    assert.equal(stage.status.code, SpanStatusCode.ERROR);
    assert.equal(stage.attributes[ATTRIBUTES.outcome], "failed");
  });

  it("returns the task's own promise, and records a rejection on the attempt span", async () => {
    const { sdk, instrumentation } = setup();
    const run = start(instrumentation);
    const passage = run.enterStage(entry("A"));
    const promise = Promise.reject(new TypeError("bad"));
    const returned = run.wrapAttempt(passage, info("A", "t"), () => promise);
    assert.equal(returned, promise);
    await assert.rejects(returned, TypeError);
    await Promise.resolve();
    const [attempt] = sdk.finished();
    assert.equal(attempt.status.code, SpanStatusCode.ERROR);
    assert.equal(attempt.status.message, "bad");
  });

  it("a cancellation ends the running attempt's span now; its task settling later changes nothing", async () => {
    const { sdk, instrumentation } = setup();
    const run = start(instrumentation);
    const passage = run.enterStage(entry("A"));
    let finish!: () => void;
    const task = run.wrapAttempt(
      passage,
      info("A", "slow"),
      () => new Promise<void>((resolve) => (finish = resolve)),
    );
    const reason = new DOMException("The pipeline was shut down", "AbortError");
    assert.equal(run.leaveStage(passage, "cancelled", reason), undefined);
    const [attempt, stage] = sdk.finished();
    assert.equal(attempt.name, "slow");
    assert.equal(attempt.status.code, SpanStatusCode.ERROR);
    assert.match(attempt.status.message ?? "", /^cancelled: The pipeline was shut down/);
    assert.equal(stage.attributes[ATTRIBUTES.outcome], "cancelled");
    assert.equal(stage.status.code, SpanStatusCode.ERROR);
    finish();
    await task;
    await Promise.resolve();
    assert.equal(sdk.finished().length, 2);
  });

  it("a per_task retry is an event on the stage span and a count of antflow.items.retried", async () => {
    const { sdk, instrumentation } = setup();
    const run = start(instrumentation);
    const passage = run.enterStage(entry("A"));
    run.retrying(passage, 2, new Error("flaky"));
    run.leaveStage(passage, "completed", undefined);
    const [stage] = sdk.finished();
    const event = stage.events.find((e) => e.name === "antflow.retry")!;
    assert.equal(event.attributes?.[ATTRIBUTES.attempt], 2);
    assert.equal(event.attributes?.["exception.message"], "flaky");
    const metrics = await sdk.metrics();
    assert.equal(total(metrics, METRICS.retried, { [ATTRIBUTES.retryMode]: "per_task" }), 1);
    assert.equal(total(metrics, METRICS.completed, { [ATTRIBUTES.stage]: "A" }), 1);
  });

  it("spans: 'stages' runs the task inside the stage span, with no attempt span", () => {
    const { sdk, instrumentation } = setup({ spans: "stages" });
    const run = start(instrumentation);
    const passage = run.enterStage(entry("A"));
    const active = run.wrapAttempt(passage, info("A", "t"), () => trace.getActiveSpan());
    run.leaveStage(passage, "completed", undefined);
    const [stage] = sdk.finished();
    assert.equal(sdk.finished().length, 1);
    assert.equal(active?.spanContext().spanId, stage.spanContext().spanId);
  });

  it("a run started inside a span: items' first spans are its children (parent mode)", () => {
    const { sdk, instrumentation } = setup();
    const tracer = sdk.tracerProvider.getTracer("app");
    const request = tracer.startSpan("POST /jobs");
    const run = context.with(
      trace.setSpan(context.active(), request),
      () => start(instrumentation),
    );
    request.end();
    assert.equal(run.trace, formatTraceparent(request.spanContext()));
    run.leaveStage(run.enterStage(entry("A", { trace: run.trace })), "completed", undefined);
    const stage = sdk.finished().find((s) => s.name === "process A")!;
    assert.equal(parentOf(stage), request.spanContext().spanId);
  });

  it("runContext: 'link' starts a trace per item, linked to the caller's span", () => {
    const { sdk, instrumentation } = setup({ runContext: "link" });
    const request = sdk.tracerProvider.getTracer("app").startSpan("POST /jobs");
    const run = context.with(
      trace.setSpan(context.active(), request),
      () => start(instrumentation),
    );
    assert.equal(run.trace, undefined);
    run.leaveStage(run.enterStage(entry("A")), "completed", undefined);
    const [stage] = sdk.finished();
    assert.equal(parentOf(stage), undefined);
    assert.notEqual(stage.spanContext().traceId, request.spanContext().traceId);
    assert.equal(stage.links[0].context.spanId, request.spanContext().spanId);
  });

  it("item ids stay off spans by default; itemIds: true puts them on, cut to maxAttributeLength", () => {
    const off = setup();
    const run1 = start(off.instrumentation);
    run1.leaveStage(run1.enterStage(entry("A")), "completed", undefined);
    assert.equal(off.sdk.finished()[0].attributes[ATTRIBUTES.itemId], undefined);
    assert.equal(off.sdk.finished()[0].attributes[ATTRIBUTES.messageId], undefined);

    const on = setup({ itemIds: true, maxAttributeLength: 16 });
    const run2 = start(on.instrumentation);
    const long = "x".repeat(40);
    run2.leaveStage(run2.enterStage(entry("A", { itemId: long })), "completed", undefined);
    run2.leaveStage(run2.enterStage(entry("A", { itemId: 12 })), "completed", undefined);
    const [a, b] = on.sdk.finished();
    assert.equal(a.attributes[ATTRIBUTES.itemId], "x".repeat(15) + "…");
    assert.equal(a.attributes[ATTRIBUTES.messageId], "x".repeat(15) + "…");
    assert.equal(b.attributes[ATTRIBUTES.itemId], 12);
    assert.equal(b.attributes[ATTRIBUTES.messageId], "12");
  });
});

describe("OpenTelemetryInstrumentation options", () => {
  const bad: [string, unknown, RegExp][] = [
    ["spans", "all", /spans must be "attempts", "stages" or "none", got "all"/],
    ["metrics", 1, /metrics must be a boolean, got 1/],
    ["itemIds", "yes", /itemIds must be a boolean/],
    ["runContext", "child", /runContext must be "parent" or "link"/],
    ["tracerProvider", {}, /tracerProvider must be a TracerProvider/],
    ["meterProvider", 5, /meterProvider must be a MeterProvider/],
    ["name", "", /name must be a non-empty string/],
  ];
  for (const [key, value, message] of bad) {
    it(`rejects ${key}: ${JSON.stringify(value)} with a TypeError naming the owner`, () => {
      assert.throws(
        () => new OpenTelemetryInstrumentation({ [key]: value } as OpenTelemetryOptions),
        (error: Error) =>
          error instanceof TypeError &&
          error.message.startsWith("OpenTelemetryInstrumentation: ") &&
          message.test(error.message),
      );
    });
  }

  it("rejects maxAttributeLength below 16 with a RangeError", () => {
    assert.throws(
      () => new OpenTelemetryInstrumentation({ maxAttributeLength: 8 }),
      /^RangeError: OpenTelemetryInstrumentation: maxAttributeLength must be an integer >= 16, got 8$/,
    );
  });

  it("rejects an unknown option, suggesting the closest one", () => {
    assert.throws(
      () => new OpenTelemetryInstrumentation({ tracer: {} } as OpenTelemetryOptions),
      /unknown option tracer \(did you mean tracerProvider\?\)/,
    );
  });
});

describe("W3C traceparent", () => {
  it("formats and parses a span context, sampled or not", () => {
    const sampled = { traceId: "a".repeat(32), spanId: "b".repeat(16), traceFlags: 1 };
    const text = formatTraceparent(sampled);
    assert.equal(text, `00-${"a".repeat(32)}-${"b".repeat(16)}-01`);
    assert.deepEqual(parseTraceparent(text), { ...sampled, isRemote: false });
    assert.equal(parseTraceparent(formatTraceparent({ ...sampled, traceFlags: 0 }))?.traceFlags, 0);
    // Only the sampled bit is kept, from any flags byte.
    for (const [flags, sampledBit] of [["0b", 1], ["0a", 0], ["ff", 1], ["fe", 0]] as const) {
      const value = `00-${"a".repeat(32)}-${"b".repeat(16)}-${flags}`;
      assert.equal(parseTraceparent(value)?.traceFlags, sampledBit, flags);
    }
  });

  it("rejects invalid values: zero ids, version ff, extra fields on version 00, garbage", () => {
    for (
      const value of [
        `00-${"0".repeat(32)}-${"b".repeat(16)}-01`,
        `00-${"a".repeat(32)}-${"0".repeat(16)}-01`,
        `ff-${"a".repeat(32)}-${"b".repeat(16)}-01`,
        `00-${"a".repeat(32)}-${"b".repeat(16)}-01-extra`,
        "traceparent",
      ]
    ) {
      assert.equal(parseTraceparent(value), undefined, value);
    }
    // A later version may carry more fields.
    assert.ok(parseTraceparent(`01-${"a".repeat(32)}-${"b".repeat(16)}-01-extra`));
  });
});
