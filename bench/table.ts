/** Renders scenario results as Markdown tables (the CLI prints them; report.ts writes them). */
import { grouped, times } from "./stats.ts";
import type { MemoryRow, ScenarioResult, Target, ThroughputRow } from "./types.ts";

function table(head: string[], align: ("l" | "r")[], body: string[][]): string[] {
  const rule = align.map((a) => (a === "r" ? "---:" : "---"));
  return [head, rule, ...body].map((cells) => `| ${cells.join(" | ")} |`);
}

function itemsCell(row: ThroughputRow): string {
  let text = grouped(row.items);
  if (row.reps > 1) text += ` ×${row.reps}`;
  if (row.cappedFrom !== undefined) text += ` (capped from ${grouped(row.cappedFrom)})`;
  return text;
}

function ratioCell(label: string, value: number | undefined): string {
  if (!label.includes("ideal")) return times(value);
  return value === undefined ? "–" : `${(value * 100).toFixed(1)} %`;
}

function throughputTable(s: ScenarioResult): string[] {
  const rows = s.rows as ThroughputRow[];
  const ratio = s.ratioLabel ?? "ratio";
  return table(
    [
      "contender",
      "items per run",
      "rounds",
      "median items/s",
      "min – max items/s",
      `${ratio} (medians)`,
      "same, best runs",
    ],
    ["l", "r", "r", "r", "r", "r", "r"],
    rows.map((r) => [
      r.label,
      itemsCell(r),
      String(r.rounds),
      `**${grouped(r.median)}**`,
      `${grouped(r.min)} – ${grouped(r.max)}`,
      ratioCell(ratio, r.ratio),
      ratioCell(ratio, r.bestRatio),
    ]),
  );
}

/** Scenario 6's grid: workers (and API) down, items across, median items/s in the cells. */
function scaleMatrix(s: ScenarioResult): string[] {
  const rows = (s.rows as ThroughputRow[]).filter((r) => r.tags?.workers !== undefined);
  const lineOf = (r: ThroughputRow): string =>
    `${grouped(Number(r.tags!.workers))}, ${r.tags!.api ?? "run()"}`;
  const lines = [...new Set(rows.map(lineOf))];
  const nominal = [...new Set(rows.map((r) => Number(r.tags!.nominal)))];
  const itemsOf = (n: number): number => rows.find((r) => r.tags!.nominal === n)!.items;
  return table(
    ["workers, API \\ items", ...nominal.map((n) => grouped(itemsOf(n)))],
    ["l", ...nominal.map((): "r" => "r")],
    lines.map((line) => [
      line,
      ...nominal.map((n) => {
        const r = rows.find((x) => lineOf(x) === line && x.tags!.nominal === n);
        return r === undefined ? "–" : grouped(r.median);
      }),
    ]),
  );
}

function memoryTable(s: ScenarioResult): string[] {
  const rows = s.rows as MemoryRow[];
  return table(
    ["run", "items", "peak RSS", "RSS before run", "VmHWM", "time", "items/s"],
    ["l", "r", "r", "r", "r", "r", "r"],
    rows.map((r) => [
      r.label,
      grouped(r.items),
      `**${r.peakRssMB.toFixed(1)} MB**`,
      `${r.startRssMB.toFixed(1)} MB`,
      r.hwmMB === undefined ? "–" : `${r.hwmMB.toFixed(1)} MB`,
      `${r.seconds.toFixed(2)} s`,
      r.items > 0 ? grouped(r.itemsPerSec) : "–",
    ]),
  );
}

/**
 * Formats a target's measured value and goal, e.g. `1.62× (target ≥ 1.5×)`.
 *
 * @param t The target.
 * @returns The text.
 */
export function targetValue(t: Target): string {
  const fmt = (v: number): string =>
    t.unit === "×"
      ? `${v.toFixed(2)}×`
      : t.unit === "%"
      ? `${v.toFixed(1)} %`
      : `${v.toFixed(1)} MB`;
  const goal = t.unit === "×" ? `${t.threshold}×` : `${t.threshold} ${t.unit}`;
  const best = t.best === undefined ? "" : `; best runs ${fmt(t.best)}`;
  return `${fmt(t.value)} (target ${t.atLeast ? "≥" : "≤"} ${goal}${best})`;
}

/**
 * The met/missed mark of a target.
 *
 * @param t The target.
 * @returns `"✅ met"` or `"❌ missed"`.
 */
export function targetMark(t: Target): string {
  return t.met ? "✅ met" : "❌ missed";
}

/**
 * Renders one scenario: heading, table(s), targets and notes.
 *
 * @param s The scenario's result.
 * @param level Heading level (number of `#`).
 * @returns Markdown lines.
 */
export function renderScenario(s: ScenarioResult, level = 3): string[] {
  const lines = [`${"#".repeat(level)} Scenario ${s.id} — ${s.title}`, ""];
  if (s.kind === "memory") {
    lines.push(...memoryTable(s));
  } else {
    lines.push(...throughputTable(s));
    if (s.id === 6) lines.push("", "Median items/s:", "", ...scaleMatrix(s));
  }
  lines.push("");
  for (const t of s.targets) lines.push(`- ${targetMark(t)}: ${t.label} = ${targetValue(t)}`);
  for (const note of s.notes) lines.push(`- ${note}`);
  lines.push(`- Scenario time: ${s.seconds.toFixed(1)} s.`, "");
  return lines;
}
