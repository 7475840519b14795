/**
 * `deno task test`: installs the npm dependencies, then runs the one test suite on Deno, Node 24
 * and Bun in turn, prints each runtime's pass/fail counts, and fails if any runtime fails.
 *
 * Usage: deno run -A tests/support/run_all.ts [deno|node|bun ...]
 */

interface Outcome {
  runtime: string;
  passed: number | undefined;
  failed: number | undefined;
  code: number;
  seconds: number;
  /** The failing tests' names, repeated in the summary so a log's tail names them. */
  failures: string[];
  /** The first lines of the failures' errors, for the same reason. */
  errors: string[];
}

const env = { NO_COLOR: "1", FORCE_COLOR: "0" };

interface RuntimeSpec {
  cmd: string[];
  parse: (out: string) => [number?, number?];
  failures: (out: string) => string[];
  /** The part of the output that says why the tests failed. */
  errors: (out: string) => string;
}

const RUNTIMES: Record<string, RuntimeSpec> = {
  deno: {
    cmd: [Deno.execPath(), "task", "test:deno"],
    parse: (out) => {
      const m = out.match(/(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps\))? \| (\d+) failed/);
      // Deno counts describe() blocks as tests and the it() inside them as steps: report the steps
      // (the leaf tests, as Node and Bun count them) when there are any.
      return m ? [Number(m[2] ?? m[1]), Number(m[3])] : [];
    },
    // After " FAILURES ", one "name => file:line:col" line per failing test.
    failures: (out) => {
      const tail = out.slice(out.lastIndexOf(" FAILURES "));
      return out.includes(" FAILURES ") ? matches(tail, /^(.+ => \S+:\d+:\d+)$/gm) : [];
    },
    errors: (out) => between(out, " ERRORS ", " FAILURES "),
  },
  node: {
    cmd: [Deno.execPath(), "task", "test:node"],
    parse: (out) => [num(out, /^ℹ pass (\d+)/m), num(out, /^ℹ fail (\d+)/m)],
    failures: (out) =>
      matches(out, /^\s*✖ (.+?)(?: \([\d.]+ms\))?$/gm).filter((n) => !n.endsWith(":")),
    errors: (out) => between(out, "✖ failing tests:"),
  },
  bun: {
    cmd: [Deno.execPath(), "task", "test:bun"],
    parse: (out) => [num(out, /^\s*(\d+) pass$/m), num(out, /^\s*(\d+) fail$/m)],
    failures: (out) => matches(out, /^\(fail\) (.+?)(?: \[[\d.]+m?s\])?$/gm),
    // Bun prints each failure's error just above its "(fail)" line.
    errors: (out) => {
      const lines = out.split("\n");
      const at = lines.findIndex((line) => line.startsWith("(fail) "));
      return at < 0 ? "" : lines.slice(Math.max(0, at - 15), at + 1).join("\n");
    },
  },
};

/** The text from `start` up to `end` (or the end), `""` when `start` is not in `text`. */
function between(text: string, start: string, end?: string): string {
  const from = text.indexOf(start);
  if (from < 0) return "";
  const to = end === undefined ? -1 : text.indexOf(end, from);
  return text.slice(from, to < 0 ? undefined : to);
}

/** Every distinct first capture of `re` (global) in `text`, in order of first appearance. */
function matches(text: string, re: RegExp): string[] {
  return [...new Set(Array.from(text.matchAll(re), (m) => m[1].trim()))];
}

function num(text: string, re: RegExp): number | undefined {
  const m = text.match(re);
  return m ? Number(m[1]) : undefined;
}

async function run(cmd: string[]): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      await sink.write(chunk);
    }
  };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, Deno.stdout),
    pump(child.stderr, Deno.stderr),
  ]);
  return { code: status.code, output };
}

const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(RUNTIMES);
const install = await run([Deno.execPath(), "install"]);
if (install.code !== 0) Deno.exit(install.code);

const outcomes: Outcome[] = [];
for (const runtime of wanted) {
  const spec = RUNTIMES[runtime];
  if (!spec) throw new Error(`unknown runtime ${runtime}; expected one of deno, node, bun`);
  console.log(`\n=== ${runtime}: ${spec.cmd.slice(1).join(" ")} ===\n`);
  const start = performance.now();
  const { code, output } = await run(spec.cmd);
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const [passed, failed] = spec.parse(plain);
  const seconds = (performance.now() - start) / 1000;
  const failures = spec.failures(plain);
  const errors = failures.length > 0 ? spec.errors(plain).trim().split("\n").slice(0, 40) : [];
  outcomes.push({ runtime, passed, failed, code, seconds, failures, errors });
}

console.log("\n=== summary ===");
for (const o of outcomes) {
  const verdict = o.code === 0 ? "ok" : "FAILED";
  console.log(
    `${o.runtime.padEnd(5)} ${verdict.padEnd(6)} passed ${String(o.passed ?? "?").padStart(4)}  ` +
      `failed ${String(o.failed ?? "?").padStart(3)}  (${o.seconds.toFixed(1)} s, exit ${o.code})`,
  );
  for (const name of o.failures.slice(0, 20)) console.log(`  ✖ ${name}`);
}
for (const o of outcomes.filter((o) => o.errors.length > 0)) {
  console.log(`\n--- ${o.runtime}: why (the first lines) ---\n${o.errors.join("\n")}`);
}
const bad = outcomes.filter((o) => o.code !== 0 || o.passed === undefined || o.passed === 0);
if (bad.length > 0) {
  console.log(`\ntests failed on: ${bad.map((o) => o.runtime).join(", ")}`);
  Deno.exit(1);
}
