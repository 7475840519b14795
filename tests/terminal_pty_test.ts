import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { textWidth } from "../src/terminal/text.ts";
import { replay } from "./support/terminal_screen.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixture = fileURLToPath(new URL("./support/terminal_fixture.ts", import.meta.url));
const isDeno = "Deno" in globalThis;
const isBun = "Bun" in globalThis;

/** The command that runs the fixture on the current runtime. */
function fixtureCommand(...args: string[]): string[] {
  return [process.execPath, ...(isDeno ? ["run", "-A"] : []), fixture, ...args];
}

function hasUtilLinuxScript(): boolean {
  if (process.platform !== "linux") return false;
  const probe = spawnSync("script", ["--version"], { encoding: "utf8" });
  return probe.status === 0 && probe.stdout.includes("util-linux");
}

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs a command, collecting its output; kills it after 20 s. */
function run(
  command: string[],
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout!.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      onStderr?.(stderr, child);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the fixture under a pseudo-terminal of 100 x 40 with util-linux `script`. */
function runInPty(...args: string[]): Promise<Outcome> {
  const inner = `stty cols 100 rows 40 2>/dev/null; exec ${
    fixtureCommand(...args).map(quote).join(" ")
  }`;
  return run(["script", "-q", "-e", "-c", inner, "/dev/null"]);
}

const pty = hasUtilLinuxScript();
const ptyIt = pty ? it : it.skip;
const ptyReason = pty ? "" : " (skipped: needs Linux and util-linux `script`)";

describe("terminal displays in a real process", () => {
  for (const kind of ["progress", "compact", "detailed"]) {
    ptyIt(
      `${kind}: under a pseudo-terminal the final screen shows 100 % and the counts${ptyReason}`,
      async () => {
        const { code, stdout } = await runInPty(kind);
        const screen = replay(stdout);
        const text = screen.lines.join("\n");
        assert.equal(code, 0, text);
        assert.ok(stdout.includes("\x1b[?25l"), "the cursor was hidden");
        assert.equal(screen.cursorVisible, true, "and shown again");
        assert.deepEqual(screen.unknown, []);
        assert.equal(screen.lines.filter((l) => l.startsWith("Progress")).length, 1, text);
        assert.match(text, /^Progress █+ 100\.0% {2}12\/12 /m);
        assert.match(text, /^Items {4}ok 9 {2}failed 3 {2}cancelled 0 /m);
        assert.match(
          text,
          /^AntFlow: finished 12\/12 \(100\.0%\) .*\| ok 9, failed 3, cancelled 0$/m,
        );
        assert.match(text, /^AntFlow: errors by type: TypeError 3$/m);
        assert.match(text, /fixture done/);
        for (const line of screen.lines) {
          assert.ok(textWidth(line) <= 100, `wider than 100: ${line}`);
        }
        assert.ok(!stdout.includes("\x1b[2J"), "a hostile message cannot clear the screen");
        if (kind === "detailed") {
          assert.match(text, /TypeError: cannot save \d+\\x1b\[2J\\x1b\[H \(1 attempt\)/);
          assert.match(text, /^ {2}Save-W0 +idle/m);
        }
        if (kind !== "progress") {
          assert.match(text, /^ {2}Save +busy 0\/2 +pending 0 +done 9 +failed 3$/m);
        }
      },
    );
  }

  it("with stderr piped prints plain lines and a summary, with no escape code", async () => {
    const { code, stdout, stderr } = await run(fixtureCommand("detailed"));
    assert.equal(code, 0, stderr);
    assert.equal(stdout, "fixture done\n");
    assert.ok(!stderr.includes("\x1b"), JSON.stringify(stderr));
    const lines = stderr.trimEnd().split("\n");
    assert.ok(lines.every((l) => l.startsWith("AntFlow: ")), stderr);
    assert.match(
      stderr,
      /^AntFlow: finished 12\/12 \(100\.0%\) .*\| ok 9, failed 3, cancelled 0$/m,
    );
    assert.match(lines.at(-1)!, /^AntFlow: errors by type: TypeError 3$/);
  });

  (isDeno ? it.skip : it)(
    `shows the cursor again when the process is interrupted${
      isDeno
        ? " (skipped on Deno: re-raising a signal needs --allow-run; only unload is hooked)"
        : ""
    }`,
    async () => {
      let sent = false;
      const outcome = await run(fixtureCommand("compact", "--hang"), (text, child) => {
        if (!sent && text.includes("Progress")) {
          sent = true;
          child.kill("SIGINT");
        }
      });
      assert.ok(sent, outcome.stderr);
      assert.ok(outcome.signal === "SIGINT" || outcome.code === 130, JSON.stringify(outcome));
      assert.ok(outcome.stderr.endsWith("\x1b[?25h"), JSON.stringify(outcome.stderr.slice(-40)));
      assert.equal(outcome.stdout, "");
    },
  );
});

void isBun;
