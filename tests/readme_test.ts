import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runScript } from "./support/run_script.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(`${root}README.md`, "utf8");

/** The README's code blocks marked ```ts runnable, with their line numbers. */
function runnableBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const re = /^```ts runnable\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(re)) {
    blocks.push({ line: markdown.slice(0, match.index).split("\n").length, code: match[1] });
  }
  return blocks;
}

describe("README code blocks marked runnable", () => {
  const blocks = runnableBlocks(readme);
  it("there are some", () => assert.ok(blocks.length >= 4, `found ${blocks.length}`));
  for (const { line, code } of blocks) {
    it(`the block at README.md line ${line} runs`, async () => {
      const dir = `${root}.tmp`;
      mkdirSync(dir, { recursive: true });
      const file = `${dir}/readme_block_${line}.ts`;
      // The blocks import the published name; point it at this checkout.
      writeFileSync(
        file,
        code.replace(
          /from "@antflow\/antflow(\/[a-z]+)?"/g,
          (_, sub) => sub ? `from "../src${sub}/mod.ts"` : `from "../mod.ts"`,
        ),
      );
      const { code: exit, stdout, stderr } = await runScript(file, [], { timeoutMs: 30_000 });
      assert.equal(exit, 0, `stdout:\n${stdout}\nstderr:\n${stderr}`);
      assert.ok(stdout.trim().length > 0, "prints something");
    });
  }
});
