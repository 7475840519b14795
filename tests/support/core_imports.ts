/**
 * Walks the import graph of the core (mod.ts and every local file it imports) and reports lines that
 * reach for a runtime instead of web standards.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface Violation {
  file: string;
  line: number;
  text: string;
  rule: string;
}

// Checked against the code with comments removed; `inCode` rules also ignore string contents.
const FORBIDDEN: { rule: string; pattern: RegExp; inCode: boolean }[] = [
  { rule: "node: import", pattern: /["']node:[^"']*["']/, inCode: false },
  { rule: "Deno global", pattern: /(?<![.\w$])Deno\b/, inCode: true },
  { rule: "Bun global", pattern: /(?<![.\w$])Bun\b/, inCode: true },
  { rule: "process global", pattern: /(?<![.\w$])process\b/, inCode: true },
  { rule: "require()", pattern: /(?<![.\w$])require\s*\(/, inCode: true },
];

const ALLOWED_PACKAGES = new Set(["zod"]);

/** Removes comments (block and line) but keeps line numbers and string contents. */
export function stripComments(source: string, blankStrings = false): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    const next = source[i + 1];
    if (ch === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (ch === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end === -1 ? source.length : end;
      out += " ".repeat(stop - i);
      i = stop;
    } else if (ch === '"' || ch === "'" || ch === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== ch) j += source[j] === "\\" ? 2 : 1;
      const literal = source.slice(i, j + 1);
      out += blankStrings ? ch + literal.slice(1, -1).replace(/[^\n]/g, " ") + ch : literal;
      i = j + 1;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

const IMPORT_RE =
  /(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s*["']([^"']+)["']/g;

/**
 * Every local module reachable from `entry`, and the bare specifiers it imports (packages outside
 * `allowed`, by their scope or name, are violations).
 */
export function scanCore(
  entry: string,
  allowed: ReadonlySet<string> = ALLOWED_PACKAGES,
): { files: string[]; violations: Violation[] } {
  const root = dirname(resolve(entry));
  const seen = new Set<string>();
  const violations: Violation[] = [];
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const raw = readFileSync(file, "utf8");
    const source = stripComments(raw);
    const codeLines = stripComments(raw, true).split("\n");
    source.split("\n").forEach((text, index) => {
      for (const { rule, pattern, inCode } of FORBIDDEN) {
        if (pattern.test(inCode ? codeLines[index] : text)) {
          violations.push({ file: relative(root, file), line: index + 1, text: text.trim(), rule });
        }
      }
    });
    for (const match of source.matchAll(IMPORT_RE)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith(".")) {
        queue.push(join(dirname(file), specifier));
      } else if (!allowed.has(packageOf(specifier)) && !specifier.startsWith("node:")) {
        const line = source.slice(0, match.index).split("\n").length;
        violations.push({
          file: relative(root, file),
          line,
          text: specifier,
          rule: `package outside the allowed list (${[...allowed].join(", ")})`,
        });
      }
    }
  }
  return { files: [...seen].map((f) => relative(root, f)).sort(), violations };
}

/** `zod` for `zod/v4`, `@scope/name` for `@scope/name/sub`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}
