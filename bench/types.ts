/** Shared shapes of the benchmark suite: what a scenario measures and what the JSON holds. */

/** How a run of the suite is configured (from the command line or a test). */
export interface BenchConfig {
  /** Small N and one counted round: for smoke tests and CI. */
  quick: boolean;
  /** Run every contender at its nominal N (no time cap). */
  full: boolean;
  /** Replaces the base N of 1 000 000 (every other size scales with it). */
  items?: number;
  /** Overrides the number of counted rounds. */
  rounds?: number;
  /** A contender whose warm-up predicts a longer run gets a smaller N (seconds per run). */
  maxRunSeconds: number;
  /** Force a full garbage collection before every timed run (where the runtime allows it). */
  gc: boolean;
  /** Receives progress lines. */
  log: (line: string) => void;
}

/** One thing being timed: our engine or a peer library, doing `items` items `reps` times. */
export interface Contender {
  /** Row label in the table. */
  label: string;
  /** Nominal item count per run. */
  items: number;
  /** Runs per sample (short runs are repeated so a sample lasts long enough to time). */
  reps?: number;
  /** Never shrink this contender's N to fit the time cap. */
  fixedItems?: boolean;
  /** Processes `input` (the integers 0..n-1, built outside the timed region). */
  run: (input: number[]) => Promise<unknown>;
  /** Extra fields copied into the row (e.g. workers). */
  tags?: Record<string, number | string>;
}

/** The measured throughput of one contender. */
export interface ThroughputRow {
  label: string;
  /** Items per run actually used. */
  items: number;
  /** The nominal N when the time cap made it smaller. */
  cappedFrom?: number;
  reps: number;
  rounds: number;
  /** items/s of every counted round. */
  samples: number[];
  median: number;
  min: number;
  max: number;
  /** The scenario's ratio for this row (see `ScenarioResult.ratioLabel`). */
  ratio?: number;
  /** The same ratio computed from the best runs (max items/s). */
  bestRatio?: number;
  note?: string;
  tags?: Record<string, number | string>;
}

/** The peak memory of one child process. */
export interface MemoryRow {
  label: string;
  items: number;
  /** Highest `process.memoryUsage().rss` sampled during the run, in MB (10^6 bytes). */
  peakRssMB: number;
  /** RSS just before the run started, in MB. */
  startRssMB: number;
  /** The kernel's high-water mark (`VmHWM` in /proc/self/status), in MB, when readable. */
  hwmMB?: number;
  /** Number of RSS samples taken. */
  samples: number;
  seconds: number;
  itemsPerSec: number;
}

/** A goal the suite checks, e.g. "≥ 1.5× p-map". */
export interface Target {
  label: string;
  value: number;
  threshold: number;
  unit: "×" | "%" | "MB";
  /** The same value from the best runs (max items/s), for reading the noise; not judged. */
  best?: number;
  /** `true`: met when value >= threshold; `false`: met when value <= threshold. */
  atLeast: boolean;
  met: boolean;
}

/** What one scenario produced. */
export interface ScenarioResult {
  id: number;
  title: string;
  kind: "throughput" | "memory";
  /** What the `ratio` column means, e.g. "antflow ÷ row". */
  ratioLabel?: string;
  rows: (ThroughputRow | MemoryRow)[];
  targets: Target[];
  notes: string[];
  seconds: number;
}

/** A scenario: builds its contenders and measures them. */
export interface Scenario {
  id: number;
  title: string;
  run: (config: BenchConfig) => Promise<ScenarioResult>;
}

/** The whole JSON file written by `--json`. */
export interface BenchReport {
  runtime: { name: string; version: string; v8?: string };
  machine: Machine;
  peers: Record<string, string>;
  startedAt: string;
  config: {
    quick: boolean;
    full: boolean;
    gc: boolean;
    items?: number;
    rounds?: number;
    maxRunSeconds: number;
  };
  loadAverage: { start: number[]; end: number[] };
  scenarios: ScenarioResult[];
  totalSeconds: number;
  /** Later runs of some scenarios merged into this report (`--merge`). */
  mergedRuns?: MergedRun[];
}

/** A later run of some scenarios, merged into an earlier report. */
export interface MergedRun {
  scenarios: number[];
  startedAt: string;
  loadAverage: { start: number[]; end: number[] };
  totalSeconds: number;
}

/** The machine a report was measured on. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
}
