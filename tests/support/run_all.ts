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
}

const env = { NO_COLOR: "1", FORCE_COLOR: "0" };

const RUNTIMES: Record<string, { cmd: string[]; parse: (out: string) => [number?, number?] }> = {
  deno: {
    cmd: [Deno.execPath(), "task", "test:deno"],
    parse: (out) => {
      const m = out.match(/(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps\))? \| (\d+) failed/);
      // Deno counts describe() blocks as tests and the it() inside them as steps: report the steps
      // (the leaf tests, as Node and Bun count them) when there are any.
      return m ? [Number(m[2] ?? m[1]), Number(m[3])] : [];
    },
  },
  node: {
    cmd: [Deno.execPath(), "task", "test:node"],
    parse: (out) => [num(out, /^ℹ pass (\d+)/m), num(out, /^ℹ fail (\d+)/m)],
  },
  bun: {
    cmd: [Deno.execPath(), "task", "test:bun"],
    parse: (out) => [num(out, /^\s*(\d+) pass$/m), num(out, /^\s*(\d+) fail$/m)],
  },
};

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
  const [passed, failed] = spec.parse(output.replace(/\x1b\[[0-9;]*m/g, ""));
  outcomes.push({ runtime, passed, failed, code, seconds: (performance.now() - start) / 1000 });
}

console.log("\n=== summary ===");
for (const o of outcomes) {
  const verdict = o.code === 0 ? "ok" : "FAILED";
  console.log(
    `${o.runtime.padEnd(5)} ${verdict.padEnd(6)} passed ${String(o.passed ?? "?").padStart(4)}  ` +
      `failed ${String(o.failed ?? "?").padStart(3)}  (${o.seconds.toFixed(1)} s, exit ${o.code})`,
  );
}
const bad = outcomes.filter((o) => o.code !== 0 || o.passed === undefined || o.passed === 0);
if (bad.length > 0) {
  console.log(`\ntests failed on: ${bad.map((o) => o.runtime).join(", ")}`);
  Deno.exit(1);
}
