/** Parses the suite's command line. */
import type { BenchConfig } from "./types.ts";

/** What the command line asks for. */
export interface BenchArgs extends Omit<BenchConfig, "log"> {
  /** Scenario numbers to run, in order. */
  scenarios: number[];
  /** Where to write the raw results as JSON. */
  json?: string;
  help: boolean;
}

/** The usage text. */
export const USAGE = `Usage: deno task bench [-- options]   (also bench:node, bench:bun)
  --quick             small N (÷100) and one counted round: a smoke run
  --scenario 1,3      run only these scenarios (1–9)
  --json <file>       write the raw results as JSON (bench/report.ts turns them into tables)
  --rounds <n>        counted rounds per scenario (default 2–3 per scenario)
  --items <n>         replace the base N of 1 000 000 (every size scales with it)
  --max-run <s>       shrink a contender's N when its warm-up predicts a longer run (default 8)
  --full              never shrink N (every contender at its nominal N)
  --gc                force a full GC before every timed run (needs --expose-gc on Node/Deno)`;

function positiveNumber(flag: string, text: string | undefined, integer: boolean): number {
  const n = Number(text);
  if (text === undefined || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new RangeError(
      `bench: ${flag} must be a positive ${integer ? "integer" : "number"}, got ${text}`,
    );
  }
  return n;
}

/**
 * Parses `argv` (the script's arguments; a `--` separator is ignored).
 *
 * @param argv Arguments after the script name.
 * @returns The parsed arguments.
 * @throws {RangeError} On an unknown flag, a bad number or an unknown scenario.
 */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    quick: false,
    full: false,
    gc: false,
    maxRunSeconds: 8,
    scenarios: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=")
      ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)]
      : [argv[i], undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "--":
        break;
      case "--quick":
        args.quick = true;
        break;
      case "--full":
        args.full = true;
        break;
      case "--gc":
        args.gc = true;
        break;
      case "--help":
      case "-h":
        args.help = true;
        break;
      case "--json":
        args.json = value();
        if (!args.json) throw new RangeError("bench: --json needs a file name");
        break;
      case "--rounds":
        args.rounds = positiveNumber(flag, value(), true);
        break;
      case "--items":
        args.items = positiveNumber(flag, value(), true);
        break;
      case "--max-run":
        args.maxRunSeconds = positiveNumber(flag, value(), false);
        break;
      case "--scenario":
      case "--scenarios": {
        const text = value() ?? "";
        args.scenarios = text.split(",").map((s) => Number(s.trim()));
        if (args.scenarios.some((n) => !Number.isInteger(n) || n < 1 || n > 9)) {
          throw new RangeError(
            `bench: --scenario takes numbers 1–9 separated by commas, got "${text}"`,
          );
        }
        break;
      }
      default:
        throw new RangeError(`bench: unknown option "${argv[i]}"\n${USAGE}`);
    }
  }
  return args;
}
