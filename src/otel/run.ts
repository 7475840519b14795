import {
  type Attributes,
  type Context,
  context,
  type Exception,
  isSpanContextValid,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import type {
  AttemptInfo,
  CancelledItem,
  RunInstrumentation,
  RunStart,
  StageEntry,
  StageOutcome,
} from "../pipeline/instrument.ts";
import { describeValue } from "../utils/validate.ts";
import type { Meters } from "./metrics.ts";
import { ATTRIBUTES as A } from "./names.ts";
import type { OtelConfig } from "./options.ts";
import { formatTraceparent, parseTraceparent } from "./traceparent.ts";

/**
 * One item's passage through a stage: its span (when spans are on), the context its tasks run
 * in, and the attempt span still open (which a cancellation ends).
 *
 * @internal
 */
export class Passage {
  readonly entry: StageEntry;
  readonly span: Span | undefined;
  readonly context: Context;
  readonly started: number;
  attempt: Span | undefined = undefined;
  outcome: StageOutcome | undefined = undefined;

  constructor(entry: StageEntry, span: Span | undefined, context: Context, started: number) {
    this.entry = entry;
    this.span = span;
    this.context = context;
    this.started = started;
  }
}

/**
 * What follows one run's items: a `process <stage>` span per passage (child of the item's trace
 * context), a span per task attempt inside it (made active while the task runs), and the
 * counters and histograms.
 *
 * @internal
 */
export class OtelRun implements RunInstrumentation<Passage> {
  readonly trace: string | undefined;
  readonly #runId: string;
  /** The context active when the run was started. */
  readonly #context: Context;
  readonly #links: Link[] | undefined;
  readonly #tracer: Tracer | undefined;
  readonly #attempts: boolean;
  readonly #meters: Meters | undefined;
  readonly #config: OtelConfig;

  constructor(
    run: RunStart,
    active: Context,
    tracer: Tracer | undefined,
    meters: Meters | undefined,
    config: OtelConfig,
  ) {
    this.#runId = run.runId;
    this.#context = active;
    this.#tracer = tracer;
    this.#attempts = config.spans === "attempts";
    this.#meters = meters;
    this.#config = config;
    const caller = trace.getSpanContext(active);
    const valid = tracer !== undefined && caller !== undefined && isSpanContextValid(caller);
    this.trace = valid && !config.link ? formatTraceparent(caller) : undefined;
    this.#links = valid && config.link ? [{ context: caller }] : undefined;
  }

  enterStage(entry: StageEntry): Passage {
    const started = performance.now();
    const tracer = this.#tracer;
    if (tracer === undefined) return new Passage(entry, undefined, this.#context, started);
    const first = entry.trace === undefined;
    const parent = this.#parentOf(entry.trace);
    const span = tracer.startSpan(`process ${entry.stage}`, {
      kind: SpanKind.CONSUMER,
      attributes: this.#stageAttributes(entry),
      // In link mode an item's first span starts a trace of its own, linked to the caller's.
      links: first ? this.#links : undefined,
      root: first && this.#config.link,
    }, parent);
    return new Passage(entry, span, trace.setSpan(parent, span), started);
  }

  wrapAttempt<T>(passage: Passage, info: AttemptInfo, call: () => T): T {
    if (passage.outcome !== undefined) return call();
    const started = performance.now();
    let span: Span | undefined;
    let active = passage.context;
    if (this.#attempts && passage.span !== undefined) {
      span = this.#tracer!.startSpan(info.task, {
        kind: SpanKind.INTERNAL,
        attributes: this.#attemptAttributes(passage, info),
      }, active);
      passage.attempt = span;
      active = trace.setSpan(active, span);
    }
    let result: T;
    try {
      result = passage.span === undefined ? call() : context.with(active, call);
    } catch (error) {
      this.#attemptEnded(passage, span, info, started, true, error);
      throw error;
    }
    if (!isThenable(result)) {
      this.#attemptEnded(passage, span, info, started, false, undefined);
      return result;
    }
    const promise = result instanceof Promise ? result : Promise.resolve(result);
    promise.then(
      () => this.#attemptEnded(passage, span, info, started, false, undefined),
      (error) => this.#attemptEnded(passage, span, info, started, true, error),
    );
    return promise as T;
  }

  retrying(passage: Passage, nextAttempt: number, error: Error): void {
    const stage = passage.entry.stage;
    this.#meters?.retried.add(1, this.#meters.variant(stage, A.retryMode, "per_task"));
    if (passage.span === undefined) return;
    const facts = errorFacts(error);
    passage.span.addEvent("antflow.retry", {
      [A.attempt]: nextAttempt,
      [A.errorType]: facts.name,
      "exception.message": this.#cut(facts.message),
    });
  }

  leaveStage(
    passage: Passage,
    outcome: StageOutcome,
    error: Error | undefined,
  ): string | undefined {
    if (passage.outcome !== undefined) return undefined;
    passage.outcome = outcome;
    if (this.#meters !== undefined) this.#count(passage, outcome, error);
    const span = passage.span;
    if (span === undefined) return undefined;
    const open = passage.attempt;
    if (open !== undefined) {
      // Cancelled while its task runs: the task may never settle, its span ends now.
      passage.attempt = undefined;
      this.#cancel(open, error);
      open.end();
    }
    span.setAttribute(A.outcome, outcome);
    if (outcome === "failed" || outcome === "retrying") this.#fail(span, error);
    else if (outcome === "cancelled") this.#cancel(span, error);
    span.end();
    if (outcome === "failed" || outcome === "cancelled") return undefined;
    return formatTraceparent(span.spanContext());
  }

  cancelled(item: CancelledItem): void {
    this.#meters?.cancelled.add(1, this.#meters.stage(item.stage));
  }

  end(): void {}

  /** The counters and the stage duration of a passage that ended. */
  #count(passage: Passage, outcome: StageOutcome, error: unknown): void {
    const meters = this.#meters!;
    const stage = passage.entry.stage;
    const attributes = meters.stage(stage);
    switch (outcome) {
      case "skipped":
        meters.skipped.add(1, attributes);
      // falls through: a skipped item completed the stage, as stageStats counts it
      case "completed":
        meters.completed.add(1, attributes);
        break;
      case "failed":
        meters.failed.add(1, meters.variant(stage, A.errorType, errorFacts(error).name));
        break;
      case "retrying":
        meters.retried.add(1, meters.variant(stage, A.retryMode, "per_stage"));
        break;
      case "cancelled":
        meters.cancelled.add(1, attributes);
    }
    const seconds = (performance.now() - passage.started) / 1000;
    meters.stageDuration.record(seconds, meters.variant(stage, A.outcome, outcome));
  }

  #attemptEnded(
    passage: Passage,
    span: Span | undefined,
    info: AttemptInfo,
    started: number,
    failed: boolean,
    error: unknown,
  ): void {
    const meters = this.#meters;
    if (meters !== undefined && passage.outcome !== "cancelled") {
      const seconds = (performance.now() - started) / 1000;
      const attributes = failed
        ? meters.failedTask(info.stage, info.taskIndex, info.task, errorFacts(error).name)
        : meters.task(info.stage, info.taskIndex, info.task);
      meters.taskDuration.record(seconds, attributes);
    }
    // Ended already when its item was cancelled.
    if (span === undefined || passage.attempt !== span) return;
    passage.attempt = undefined;
    if (failed) this.#fail(span, error);
    span.end();
  }

  /** The parent of a passage's span: the run's context, with the item's trace context in it. */
  #parentOf(traceparent: string | undefined): Context {
    if (traceparent === undefined || traceparent === this.trace) return this.#context;
    const parent = parseTraceparent(traceparent);
    return parent === undefined ? this.#context : trace.setSpanContext(this.#context, parent);
  }

  #fail(span: Span, error: unknown): void {
    const facts = errorFacts(error);
    const exception: Exception = { name: facts.name, message: facts.message };
    if (facts.stack !== undefined) exception.stack = facts.stack;
    span.recordException(exception);
    span.setAttribute(A.errorType, facts.name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: this.#cut(facts.message) });
  }

  #cancel(span: Span, reason: unknown): void {
    const facts = errorFacts(reason);
    span.setAttribute(A.errorType, facts.name);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: this.#cut(`cancelled: ${facts.message}`),
    });
  }

  #stageAttributes(entry: StageEntry): Attributes {
    const attributes: Attributes = {
      [A.messagingSystem]: "antflow",
      [A.operationType]: "process",
      [A.operationName]: "process",
      [A.destination]: entry.stage,
      [A.stage]: entry.stage,
      [A.stageIndex]: entry.stageIndex,
      [A.stageAttempt]: entry.attempt,
      [A.worker]: entry.worker,
      [A.retryMode]: entry.retry,
      [A.runId]: this.#runId,
      [A.sequenceId]: entry.sequenceId,
    };
    if (this.#config.name !== undefined) attributes[A.pipeline] = this.#config.name;
    if (this.#config.itemIds) {
      const id = this.#cut(String(entry.itemId));
      attributes[A.itemId] = typeof entry.itemId === "number" ? entry.itemId : id;
      attributes[A.messageId] = id;
    }
    return attributes;
  }

  #attemptAttributes(passage: Passage, info: AttemptInfo): Attributes {
    const attributes: Attributes = {
      [A.task]: info.task,
      [A.taskIndex]: info.taskIndex,
      [A.attempt]: info.attempt,
      [A.stage]: info.stage,
      [A.worker]: info.worker,
      [A.retryMode]: info.retry,
      [A.sequenceId]: passage.entry.sequenceId,
    };
    if (this.#config.name !== undefined) attributes[A.pipeline] = this.#config.name;
    if (this.#config.itemIds) {
      attributes[A.itemId] = typeof info.itemId === "number" ? info.itemId : this.#cut(info.itemId);
    }
    return attributes;
  }

  #cut(text: string): string {
    const max = this.#config.maxAttributeLength;
    return text.length <= max ? text : text.slice(0, max - 1) + "…";
  }
}

/** The name, message and stack of any thrown value, never throwing on exotic ones. */
function errorFacts(error: unknown): { name: string; message: string; stack?: string } {
  try {
    if (error instanceof Error) {
      const facts: { name: string; message: string; stack?: string } = {
        name: String(error.name),
        message: String(error.message),
      };
      if (typeof error.stack === "string") facts.stack = error.stack;
      return facts;
    }
    return { name: "Error", message: `a non-Error value: ${describeValue(error)}` };
  } catch {
    return { name: "Error", message: "an error that could not be read" };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value instanceof Promise) return true;
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}
