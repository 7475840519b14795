/**
 * The subjects, streams and consumers of one pipeline on a NATS server: every name AntFlow uses
 * is derived here, from the pipeline's `name` and each stage's name.
 *
 * @module
 */
import { PipelineError } from "../errors.ts";

/** Names of one pipeline's subjects, streams and consumers. */
export interface NatsLayout {
  /** The pipeline's name (`[A-Za-z0-9_-]`, 1–32 characters). */
  readonly name: string;
  /** `antflow.<name>`: the prefix of every subject. */
  readonly prefix: string;
  /** The work-queue stream of every stage's input (`AF_<name>_WORK`). */
  readonly workStream: string;
  /** The work-queue stream of results, one subject per producer (`AF_<name>_RESULTS`). */
  readonly resultsStream: string;
  /** The stream of dead letters (`AF_<name>_DEAD`). */
  readonly deadStream: string;
  /** The stream of per_stage attempt numbers, by work message (`AF_<name>_ATTEMPTS`). */
  readonly attemptsStream: string;
  /** The input subject of a stage: `<prefix>.work.<stage token>`. */
  stageSubject(stage: string): string;
  /** The durable pull consumer of a stage (its stage token). */
  stageConsumer(stage: string): string;
  /** A producer's results subject: `<prefix>.results.<origin>`. */
  resultsSubject(origin: string): string;
  /** A stage's dead-letter subject: `<prefix>.dead.<stage token>`. */
  deadSubject(stage: string): string;
  /** The subject of tracker events: `<prefix>.events.<type>`. */
  eventsSubject(type: string): string;
  /** Where the attempt number of work message `seq` is kept: `<prefix>.attempts.<seq>`. */
  attemptsSubject(seq: number): string;
}

const NAME = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * The layout of the pipeline `name`.
 *
 * @throws {PipelineError} When `name` is not 1–32 characters of `[A-Za-z0-9_-]`.
 */
export function natsLayout(name: string): NatsLayout {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new PipelineError(
      `natsPipeline: name must be 1-32 characters of A-Z, a-z, 0-9, _ and -, got ${
        JSON.stringify(name)
      }`,
    );
  }
  const prefix = `antflow.${name}`;
  return {
    name,
    prefix,
    workStream: `AF_${name}_WORK`,
    resultsStream: `AF_${name}_RESULTS`,
    deadStream: `AF_${name}_DEAD`,
    attemptsStream: `AF_${name}_ATTEMPTS`,
    stageSubject: (stage) => `${prefix}.work.${stageToken(stage)}`,
    stageConsumer: (stage) => stageToken(stage),
    resultsSubject: (origin) => `${prefix}.results.${origin}`,
    deadSubject: (stage) => `${prefix}.dead.${stageToken(stage)}`,
    eventsSubject: (type) => `${prefix}.events.${type}`,
    attemptsSubject: (seq) => `${prefix}.attempts.${seq}`,
  };
}

/**
 * A stage name as one subject token and consumer name: letters, digits and `-` stay, every other
 * character (`_` included, so that the mapping is one to one) becomes `_<hex code>_`:
 * `"Fetch pages"` → `"Fetch_20_pages"`.
 */
export function stageToken(stage: string): string {
  let token = "";
  for (const char of stage) {
    token += /[A-Za-z0-9-]/.test(char) ? char : `_${char.codePointAt(0)!.toString(16)}_`;
  }
  return token;
}

/** A random token naming one producer (its results subject). */
export function randomOrigin(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 16);
}
