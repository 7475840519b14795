/**
 * Characters that could drive the terminal instead of being shown: C0 controls (ESC, CR, LF, BS,
 * TAB…), DEL, C1 controls (CSI, OSC…), bidirectional overrides and isolates, line and paragraph
 * separators, and unpaired surrogates.
 */
const UNSAFE = new RegExp(
  [
    "[\\u0000-\\u001f\\u007f-\\u009f]", // C0 controls, DEL, C1 controls
    "[\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]", // bidi marks, separators, overrides, isolates
    "[\\ud800-\\udbff](?![\\udc00-\\udfff])", // a high surrogate alone
    "(?<![\\ud800-\\udbff])[\\udc00-\\udfff]", // a low surrogate alone
  ].join("|"),
  "g",
);

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  const hex = code.toString(16);
  return code < 0x100 ? `\\x${hex.padStart(2, "0")}` : `\\u${hex.padStart(4, "0")}`;
}

/**
 * Makes user text (item ids, task status text, error messages, stage names) safe to print on a
 * terminal: every character that could move the cursor, change colours, reorder the line or break
 * it is replaced with a visible escape (`ESC` → `\x1b`, newline → `\n`, `U+202E` → `\u202e`).
 * Backslashes and printable text (accents, CJK, emoji) are left as they are.
 *
 * @param text Any text.
 * @returns The text with every control character escaped.
 *
 * @example
 * ```ts
 * import { escapeControlChars } from "@antflow/antflow/terminal";
 * console.log(escapeControlChars("bad\x1b[2J\nnews")); // bad\x1b[2J\nnews
 * ```
 */
export function escapeControlChars(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** `String(value)` escaped; `undefined`/`null` become `""`. */
export function safeText(value: unknown): string {
  return value === undefined || value === null ? "" : escapeControlChars(String(value));
}
