import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { scanCore } from "./support/core_imports.ts";

const otelPath = fileURLToPath(new URL("../src/otel/mod.ts", import.meta.url));
const modPath = fileURLToPath(new URL("../mod.ts", import.meta.url));

describe("@antflow/antflow/otel", () => {
  it("uses web standards and no package but @opentelemetry/api (and the core's own zod)", () => {
    const { files, violations } = scanCore(otelPath, new Set(["@opentelemetry/api", "zod"]));
    assert.ok(files.length > 5, `expected to walk the module, walked ${files.join(", ")}`);
    assert.deepEqual(
      violations,
      [],
      violations.map((v) => `${v.file}:${v.line} ${v.rule}: ${v.text}`).join("\n"),
    );
  });

  it("is not reached from the core", () => {
    const { files } = scanCore(modPath);
    assert.ok(files.every((f) => !f.startsWith("src/otel/")), files.join(", "));
  });
});
