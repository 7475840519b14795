import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scanCore, stripComments } from "./support/core_imports.ts";

const modPath = fileURLToPath(new URL("../mod.ts", import.meta.url));

describe("the core (mod.ts and everything it imports)", () => {
  it("uses no node:, Deno, Bun, process or require, and no package but zod", () => {
    const { files, violations } = scanCore(modPath);
    assert.ok(files.length > 3, `expected to walk the core, walked ${files.join(", ")}`);
    assert.deepEqual(
      violations,
      [],
      violations.map((v) => `${v.file}:${v.line} ${v.rule}: ${v.text}`).join("\n"),
    );
  });

  it("walks into src/ and does not reach the runtime-specific exports", () => {
    const { files } = scanCore(modPath);
    assert.ok(files.includes("src/errors.ts"));
    assert.ok(files.every((f) => !f.startsWith("src/hono/") && !f.startsWith("src/terminal/")));
  });
});

describe("the guard's scanner", () => {
  it("ignores forbidden words inside comments", () => {
    const stripped = stripComments("const a = 1; // Deno.exit()\n/* process.env */ const b = 2;");
    assert.ok(!stripped.includes("Deno"));
    assert.ok(!stripped.includes("process"));
    assert.ok(stripped.includes("const b = 2;"));
  });

  it("keeps string contents, so an import of node:fs is still seen", () => {
    const stripped = stripComments('import { readFileSync } from "node:fs"; // fine');
    assert.match(stripped, /"node:fs"/);
  });
});

describe("the guard catches a runtime reach in a core file", () => {
  const cases: [string, string][] = [
    ['import { readFileSync } from "node:fs";', "node: import"],
    ["export const args = Deno.args;", "Deno global"],
    ["export const v = Bun.version;", "Bun global"],
    ["export const env = process.env;", "process global"],
    ['export const fs = require("fs");', "require()"],
    ['import chalk from "chalk";', "package outside the allowed list (zod)"],
  ];
  for (const [line, rule] of cases) {
    it(`flags ${JSON.stringify(line)} as ${rule}`, () => {
      const dir = mkdtempSync(join(tmpdir(), "antflow-guard-"));
      try {
        writeFileSync(join(dir, "mod.ts"), 'export * from "./src/a.ts";\n');
        mkdirSync(join(dir, "src"));
        writeFileSync(
          join(dir, "src", "a.ts"),
          `// a core file\n${line}\nexport const ok = "process me";\n`,
        );
        const { violations } = scanCore(join(dir, "mod.ts"));
        assert.equal(violations.length, 1, JSON.stringify(violations));
        assert.equal(violations[0].rule, rule);
        assert.equal(violations[0].file, join("src", "a.ts"));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
