import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { scanCore } from "./support/core_imports.ts";

const clientPath = fileURLToPath(new URL("../src/client/mod.ts", import.meta.url));

describe("the client (src/client/mod.ts and everything it imports)", () => {
  it("uses only web standards: no node:, Deno, Bun, process or require, no package but zod", () => {
    const { files, violations } = scanCore(clientPath);
    assert.ok(files.includes("../sse/parse.ts"), files.join(", "));
    assert.ok(files.includes("subscription.ts"), files.join(", "));
    assert.deepEqual(
      violations,
      [],
      violations.map((v) => `${v.file}:${v.line} ${v.rule}: ${v.text}`).join("\n"),
    );
  });
});
