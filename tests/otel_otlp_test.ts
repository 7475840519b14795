/**
 * End to end: a pipeline's spans exported over OTLP/HTTP (JSON) by the SDK's exporter to a small
 * receiver started by the test, and found there with their parents.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { context, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Pipeline, Stage, type TaskContext } from "../mod.ts";
import { OpenTelemetryInstrumentation } from "../src/otel/mod.ts";
import { useAsyncContext } from "./support/otel_sdk.ts";

/** A span as OTLP/JSON carries it (the fields the test reads). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number; message?: string };
}

/** An OTLP/HTTP receiver for traces: keeps every span posted to /v1/traces. */
async function startReceiver() {
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Uint8Array[] = [];
    request.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end();
        return;
      }
      contentTypes.push(String(request.headers["content-type"]));
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      for (const resource of body.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    contentTypes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("otel over OTLP/HTTP", () => {
  it("exports a run's spans to a local receiver, with their parents and attributes", async () => {
    useAsyncContext();
    const receiver = await startReceiver();
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: receiver.url }))],
    });
    try {
      const pipeline = new Pipeline({
        stages: [
          new Stage({ name: "Fetch", workers: 2, tasks: [async (x: number) => x] }),
          new Stage({
            name: "Upload",
            workers: 2,
            tasks: [async function upload(x: number, ctx: TaskContext) {
              if (x === 3 && ctx.attempt === 1) throw new Error("retry me");
              return x;
            }],
            taskWaitMs: 1,
          }),
        ],
        instrumentation: new OpenTelemetryInstrumentation({ tracerProvider: provider }),
      });
      const request = provider.getTracer("app").startSpan("POST /batch");
      await context.with(
        trace.setSpan(context.active(), request),
        () => pipeline.run([1, 2, 3]),
      );
      request.end();
      await provider.forceFlush();
      const spans = receiver.spans;
      assert.match(receiver.contentTypes[0], /application\/json/);
      const names = spans.map((s) => s.name);
      assert.equal(names.filter((n) => n === "process Fetch").length, 3);
      assert.equal(names.filter((n) => n === "process Upload").length, 3);
      assert.equal(names.filter((n) => n === "upload").length, 4);
      const root = spans.find((s) => s.name === "POST /batch")!;
      assert.ok(spans.every((s) => s.traceId === root.traceId), "one trace for the request");
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      for (const span of spans.filter((s) => s.name === "process Fetch")) {
        assert.equal(span.parentSpanId, root.spanId);
      }
      for (const span of spans.filter((s) => s.name === "process Upload")) {
        assert.equal(byId.get(span.parentSpanId!)?.name, "process Fetch");
      }
      const failed = spans.filter((s) => s.name === "upload" && s.status?.code === 2);
      assert.equal(failed.length, 1);
      assert.equal(failed[0].status?.message, "retry me");
      const destination = spans.find((s) => s.name === "process Upload")!.attributes.find((a) =>
        a.key === "messaging.destination.name"
      );
      assert.deepEqual(destination?.value, { stringValue: "Upload" });
    } finally {
      await provider.shutdown();
      await receiver.close();
    }
  });
});
