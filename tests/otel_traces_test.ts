/**
 * Traces of real pipeline runs with `@antflow/antflow/otel` and the SDK's in-memory exporter: the
 * span tree (names, parents, attributes, statuses, counts), the active context inside tasks, the
 * caller's context as the parent, and retries, skips, timeouts and cancellations.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Pipeline, Stage, type TaskContext } from "../mod.ts";
import { ATTRIBUTES as A, OpenTelemetryInstrumentation } from "../src/otel/mod.ts";
import type { OpenTelemetryOptions } from "../src/otel/mod.ts";
import { gate, range } from "./support/helpers.ts";
import { parentOf, TestSdk } from "./support/otel_sdk.ts";

function instrumented(sdk: TestSdk, options: OpenTelemetryOptions = {}) {
  return new OpenTelemetryInstrumentation({
    tracerProvider: sdk.tracerProvider,
    meterProvider: sdk.meterProvider,
    ...options,
  });
}

/** A span's children, by parent span id. */
function childrenOf(spans: ReadableSpan[], parent: ReadableSpan): ReadableSpan[] {
  return spans.filter((s) => parentOf(s) === parent.spanContext().spanId);
}

/** The stage span of an item (by sequence number) in a stage. */
function stageSpan(spans: ReadableSpan[], stage: string, sequence: number): ReadableSpan {
  const found = spans.filter((s) =>
    s.name === `process ${stage}` && s.attributes[A.sequenceId] === sequence
  );
  assert.equal(found.length, 1, `one process ${stage} span for item #${sequence}`);
  return found[0];
}

/**
 * Two stages. Item 1 passes; item 2's upload fails once and is retried; item 3's upload fails
 * both attempts. Each upload starts a span of its own (as an instrumented fetch would).
 */
function twoStagePipeline(sdk: TestSdk) {
  const tracer = sdk.tracerProvider.getTracer("user-code");
  const tries = new Map<number, number>();
  return new Pipeline({
    stages: [
      new Stage({
        name: "Fetch",
        workers: 2,
        tasks: [async function download(id: number) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          return id;
        }],
      }),
      new Stage({
        name: "Upload",
        workers: 2,
        taskAttempts: 2,
        taskWaitMs: 1,
        tasks: [async function upload(id: number, ctx: TaskContext) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          const span = tracer.startSpan(`PUT /files/${id}`, {
            attributes: { attempt: ctx.attempt },
          });
          span.end();
          const n = (tries.get(id) ?? 0) + 1;
          tries.set(id, n);
          if (id === 2 && n === 1) throw new Error("503 from the store");
          if (id === 3) throw new RangeError(`file ${id} is too large`);
          return `stored ${id}`;
        }],
      }),
    ],
    instrumentation: instrumented(sdk),
  });
}

describe("otel traces of a 2-stage run with a retried and a failed item", () => {
  it("has one process span per item per stage and one span per attempt, with the right counts", async () => {
    const sdk = new TestSdk();
    const results = await twoStagePipeline(sdk).run([1, 2, 3]);
    assert.deepEqual(results.map((r) => r.value), ["stored 1", "stored 2"]);
    const spans = sdk.finished();
    const count = (name: string) => spans.filter((s) => s.name === name).length;
    assert.equal(count("process Fetch"), 3);
    assert.equal(count("download"), 3);
    assert.equal(count("process Upload"), 3);
    assert.equal(count("upload"), 5); // 1 + 2 + 2
    assert.equal(spans.filter((s) => s.name.startsWith("PUT ")).length, 5);
    assert.equal(spans.length, 19);
    // One trace per item (no span was active when run() was called).
    assert.equal(new Set(spans.map((s) => s.spanContext().traceId)).size, 3);
  });

  it("nests them: process Fetch → download; process Upload (child of process Fetch) → upload → the task's own span", async () => {
    const sdk = new TestSdk();
    await twoStagePipeline(sdk).run([1, 2, 3]);
    const spans = sdk.finished();
    for (const sequence of [0, 1, 2]) {
      const fetch = stageSpan(spans, "Fetch", sequence);
      const upload = stageSpan(spans, "Upload", sequence);
      assert.equal(parentOf(fetch), undefined);
      assert.deepEqual(childrenOf(spans, fetch).map((s) => s.name).sort(), [
        "download",
        "process Upload",
      ]);
      assert.equal(parentOf(upload), fetch.spanContext().spanId);
      for (const attempt of childrenOf(spans, upload)) {
        assert.equal(attempt.name, "upload");
        const own = childrenOf(spans, attempt);
        assert.equal(own.length, 1, "the task's own span is a child of its attempt's span");
        assert.equal(own[0].attributes.attempt, attempt.attributes[A.attempt]);
      }
    }
  });

  it("sets kinds, attributes and statuses: retried item UNSET with a retry event, failed item ERROR", async () => {
    const sdk = new TestSdk();
    await twoStagePipeline(sdk).run([1, 2, 3]);
    const spans = sdk.finished();
    const attempts = (stage: ReadableSpan) =>
      childrenOf(spans, stage).sort((a, b) =>
        Number(a.attributes[A.attempt]) - Number(b.attributes[A.attempt])
      );

    const ok = stageSpan(spans, "Upload", 0);
    assert.equal(ok.kind, SpanKind.CONSUMER);
    assert.equal(ok.status.code, SpanStatusCode.UNSET);
    assert.equal(ok.attributes[A.outcome], "completed");
    assert.equal(ok.attributes[A.operationType], "process");
    assert.equal(ok.attributes[A.destination], "Upload");
    assert.match(String(ok.attributes[A.worker]), /^Upload-W[01]$/);
    assert.equal(ok.attributes[A.itemId], undefined, "item ids are off by default");

    const retried = stageSpan(spans, "Upload", 1);
    assert.equal(retried.status.code, SpanStatusCode.UNSET);
    assert.equal(retried.attributes[A.outcome], "completed");
    const retry = retried.events.filter((e) => e.name === "antflow.retry");
    assert.equal(retry.length, 1);
    assert.equal(retry[0].attributes?.[A.attempt], 2);
    const [first, second] = attempts(retried);
    assert.equal(first.kind, SpanKind.INTERNAL);
    assert.deepEqual(
      [first.attributes[A.attempt], first.status.code, first.status.message],
      [1, SpanStatusCode.ERROR, "503 from the store"],
    );
    assert.equal(first.events[0].name, "exception");
    assert.deepEqual([second.attributes[A.attempt], second.status.code], [2, SpanStatusCode.UNSET]);
    assert.equal(second.attributes[A.task], "upload");
    assert.equal(second.attributes[A.retryMode], "per_task");

    const failed = stageSpan(spans, "Upload", 2);
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
    assert.equal(failed.status.message, "file 3 is too large");
    assert.equal(failed.attributes[A.outcome], "failed");
    assert.equal(failed.attributes[A.errorType], "RangeError");
    assert.equal(failed.events.filter((e) => e.name === "exception").length, 1);
    assert.deepEqual(
      attempts(failed).map((
        s,
      ) => [s.attributes[A.attempt], s.status.code, s.attributes[A.errorType]]),
      [[1, SpanStatusCode.ERROR, "RangeError"], [2, SpanStatusCode.ERROR, "RangeError"]],
    );
  });

  it("every span ended before run() resolved", async () => {
    const sdk = new TestSdk();
    const pipeline = twoStagePipeline(sdk);
    await pipeline.run([1, 2, 3]);
    const ended = sdk.finished().length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sdk.finished().length, ended);
  });
});

describe("otel: the caller's context", () => {
  it("a run started inside a span is traced under it (run, stream and feed)", async () => {
    const sdk = new TestSdk();
    const tracer = sdk.tracerProvider.getTracer("app");
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "A", workers: 2, tasks: [async (x: number) => x] })],
      instrumentation: instrumented(sdk),
    });
    for (const kind of ["run", "stream", "feed"] as const) {
      sdk.spans.reset();
      const request = tracer.startSpan(`request ${kind}`);
      await context.with(trace.setSpan(context.active(), request), async () => {
        if (kind === "run") await pipeline.run(range(4));
        else if (kind === "stream") await Array.fromAsync(pipeline.stream(range(4)));
        else {
          await pipeline.feed(range(4));
          await pipeline.join();
        }
      });
      request.end();
      const stages = sdk.finished().filter((s) => s.name === "process A");
      assert.equal(stages.length, 4, kind);
      for (const span of stages) {
        assert.equal(parentOf(span), request.spanContext().spanId, kind);
        assert.equal(span.spanContext().traceId, request.spanContext().traceId, kind);
      }
    }
  });

  it("the context current when run() was called is the parent, not the one current when a worker takes the item", async () => {
    const sdk = new TestSdk();
    const tracer = sdk.tracerProvider.getTracer("app");
    const pipeline = new Pipeline({
      stages: [new Stage({ name: "A", workers: 1, tasks: [async (x: number) => x] })],
      instrumentation: instrumented(sdk),
    });
    const first = tracer.startSpan("first");
    const second = tracer.startSpan("second");
    const a = context.with(trace.setSpan(context.active(), first), () => pipeline.run(range(3)));
    const b = context.with(trace.setSpan(context.active(), second), () => pipeline.run(range(3)));
    await Promise.all([a, b]);
    const parents = sdk.finished().map(parentOf);
    assert.equal(parents.filter((p) => p === first.spanContext().spanId).length, 3);
    assert.equal(parents.filter((p) => p === second.spanContext().spanId).length, 3);
  });
});

describe("otel: retries, skips, timeouts and cancellations are visible", () => {
  it("per_stage retries: one passage per stage attempt, chained, the failed ones ERROR with outcome retrying", async () => {
    const sdk = new TestSdk();
    let calls = 0;
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 2,
          retry: "per_stage",
          stageAttempts: 3,
          taskWaitMs: 1,
          tasks: [function flaky(x: number) {
            if (++calls < 3) throw new Error(`no ${calls}`);
            return x;
          }],
        }),
      ],
      instrumentation: instrumented(sdk),
    });
    await pipeline.run([1]);
    const passages = sdk.finished().filter((s) => s.name === "process A").sort((a, b) =>
      Number(a.attributes[A.stageAttempt]) - Number(b.attributes[A.stageAttempt])
    );
    assert.deepEqual(
      passages.map((s) => [s.attributes[A.stageAttempt], s.attributes[A.outcome], s.status.code]),
      [
        [1, "retrying", SpanStatusCode.ERROR],
        [2, "retrying", SpanStatusCode.ERROR],
        [3, "completed", SpanStatusCode.UNSET],
      ],
    );
    assert.equal(parentOf(passages[1]), passages[0].spanContext().spanId);
    assert.equal(parentOf(passages[2]), passages[1].spanContext().spanId);
    const attempts = sdk.finished().filter((s) => s.name === "flaky");
    assert.deepEqual(attempts.map((s) => s.attributes[A.retryMode]), [
      "per_stage",
      "per_stage",
      "per_stage",
    ]);
  });

  it("a skipped item has a process span with outcome skipped and no attempt span", async () => {
    const sdk = new TestSdk();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          skipIf: (x: number) => x % 2 === 0,
          tasks: [function work(x: number) {
            return x;
          }],
        }),
      ],
      instrumentation: instrumented(sdk),
    });
    await pipeline.run([1, 2]);
    const outcomes = sdk.finished().filter((s) => s.name === "process A").map((s) =>
      s.attributes[A.outcome]
    ).sort();
    assert.deepEqual(outcomes, ["completed", "skipped"]);
    assert.equal(sdk.finished().filter((s) => s.name === "work").length, 1);
  });

  it("a timed-out attempt is an ERROR span with error.type TimeoutError", async () => {
    const sdk = new TestSdk();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          taskAttempts: 1,
          taskTimeoutMs: 5,
          tasks: [async function slow(_x: number, ctx: TaskContext) {
            await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          }],
        }),
      ],
      instrumentation: instrumented(sdk),
    });
    await pipeline.run([1]);
    const [attempt] = sdk.finished().filter((s) => s.name === "slow");
    assert.equal(attempt.status.code, SpanStatusCode.ERROR);
    assert.equal(attempt.attributes[A.errorType], "TimeoutError");
    assert.match(attempt.status.message ?? "", /timed out after 5 ms/);
  });

  it("an abort ends the running attempt's span and the item's stage span as cancelled, even if the task ignores its signal", async () => {
    const sdk = new TestSdk();
    const hold = gate();
    const started = gate();
    const pipeline = new Pipeline({
      stages: [
        new Stage({
          name: "A",
          workers: 1,
          tasks: [async function stubborn(x: number) {
            started.open();
            await hold.promise; // ignores ctx.signal
            return x;
          }],
        }),
      ],
      instrumentation: instrumented(sdk),
    });
    const controller = new AbortController();
    const running = pipeline.run([1, 2], { signal: controller.signal });
    await started.promise;
    controller.abort(new DOMException("stop now", "AbortError"));
    await assert.rejects(running);
    const spans = sdk.finished();
    assert.deepEqual(spans.map((s) => s.name).sort(), ["process A", "stubborn"]);
    for (const span of spans) {
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.status.message, "cancelled: stop now");
      assert.equal(span.attributes[A.errorType], "AbortError");
    }
    assert.equal(spans.find((s) => s.name === "process A")!.attributes[A.outcome], "cancelled");
    hold.open();
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(sdk.finished().length, 2, "the task settling later ends nothing twice");
  });
});
