import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runBench } from "../bench/bench.ts";
import { parseArgs } from "../bench/args.ts";
import { renderScenario } from "../bench/table.ts";
import { renderResults } from "../bench/report.ts";
import type { ThroughputRow } from "../bench/types.ts";

describe("benchmark harness (bench/)", () => {
  it("runs scenario 1 in quick mode with tiny N and tables every contender with a median and a ratio", async () => {
    const lines: string[] = [];
    const report = await runBench({
      scenarios: [1],
      quick: true,
      items: 2_000,
      log: (line) => lines.push(line),
    });
    assert.equal(report.scenarios.length, 1);
    const [s1] = report.scenarios;
    assert.equal(s1.id, 1);
    const rows = s1.rows as ThroughputRow[];
    assert.deepEqual(rows.map((r) => r.label), [
      "antflow run()",
      "p-map",
      "p-queue (add + onIdle)",
      "fastq.promise",
      "fastq callback API (reference)",
    ]);
    for (const row of rows) {
      assert.equal(row.rounds, 1, row.label);
      assert.equal(row.samples.length, 1, row.label);
      assert.ok(row.median > 0 && Number.isFinite(row.median), `${row.label}: ${row.median}`);
      assert.ok(row.ratio !== undefined && row.ratio > 0, `${row.label}: ratio ${row.ratio}`);
    }
    assert.equal(rows[0].items, 2_000);
    assert.equal(rows[2].items, 200, "p-queue runs a tenth of the items");
    assert.equal(rows[0].ratio, 1);
    assert.deepEqual(s1.targets.map((t) => t.threshold), [1.5, 5]);

    const table = renderScenario(s1);
    for (const label of ["antflow run()", "p-map", "p-queue (add + onIdle)", "fastq.promise"]) {
      assert.ok(
        table.some((line) => line.startsWith(`| ${label} | `)),
        `no table row for ${label}:\n${table.join("\n")}`,
      );
    }
    assert.ok(
      table.some((line) =>
        /^\| contender \| .* \| antflow ÷ row \(medians\) \| same, best runs \|$/.test(line)
      ),
    );
    assert.ok(lines.some((line) => line.includes("warm-up")), "progress lines are logged");
    assert.ok(lines.includes(table[0]), "the table is logged once the scenario is done");
    assert.match(renderResults([report]), /\| 1 \| antflow ÷ p-map \| (✅ met|❌ missed): /);
  });

  it("parses --quick, --scenario, --json and ignores a -- separator; rejects unknown input", () => {
    const args = parseArgs(["--", "--quick", "--scenario", "1,3", "--json", "out.json"]);
    assert.equal(args.quick, true);
    assert.deepEqual(args.scenarios, [1, 3]);
    assert.equal(args.json, "out.json");
    assert.deepEqual(parseArgs([]).scenarios, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(parseArgs(["--max-run=2.5"]).maxRunSeconds, 2.5);
    assert.throws(() => parseArgs(["--scenario", "10"]), /--scenario takes numbers 1–9/);
    assert.throws(() => parseArgs(["--items", "0"]), /--items must be a positive integer, got 0/);
    assert.throws(() => parseArgs(["--fast"]), /unknown option "--fast"/);
  });
});
