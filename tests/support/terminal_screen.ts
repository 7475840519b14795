/**
 * A minimal terminal emulator for the terminal display tests: it replays the escape sequences the
 * display uses (cursor up, cursor to column, erase line, erase below, cursor visibility, CR, LF as CR LF) onto a grid of lines,
 * so a test can check what the screen finally shows. Anything else it does not know is recorded.
 */
export interface Screen {
  /** The screen's lines, trailing blanks removed. */
  lines: string[];
  /** Whether the cursor is visible at the end. */
  cursorVisible: boolean;
  /** Escape sequences it did not understand. */
  unknown: string[];
}

// deno-lint-ignore no-control-regex
const SEQUENCE = /^\x1b\[(\??)(\d*)([A-Za-z])/;

/** Replays `output` on an empty screen. */
export function replay(output: string): Screen {
  const grid: string[][] = [[]];
  let row = 0;
  let col = 0;
  let cursorVisible = true;
  const unknown: string[] = [];
  const line = (): string[] => (grid[row] ??= []);
  let i = 0;
  while (i < output.length) {
    const char = output[i];
    if (char === "\x1b") {
      const match = SEQUENCE.exec(output.slice(i, i + 16));
      if (match === null) {
        unknown.push(JSON.stringify(output.slice(i, i + 8)));
        i++;
        continue;
      }
      const [whole, private_, arg, command] = match;
      const n = arg === "" ? 1 : Number(arg);
      if (private_ === "?" && arg === "25") cursorVisible = command === "h";
      else if (command === "A") row = Math.max(0, row - n);
      else if (command === "G") col = Math.max(0, n - 1);
      else if (command === "K" && arg === "2") grid[row] = [];
      else if (command === "J" && (arg === "" || arg === "0")) {
        const cells = line();
        if (cells.length > col) cells.length = col;
        grid.length = row + 1;
      } else unknown.push(JSON.stringify(whole));
      i += whole.length;
      continue;
    }
    if (char === "\r") col = 0;
    else if (char === "\n") {
      // A terminal's output processing (onlcr) turns LF into CR LF.
      row++;
      col = 0;
      line();
    } else {
      const cells = line();
      while (cells.length < col) cells.push(" ");
      cells[col++] = char;
    }
    i++;
  }
  for (let r = 0; r < grid.length; r++) grid[r] ??= [];
  const lines = grid.map((cells) => cells.join("").trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return { lines, cursorVisible, unknown };
}

/** The escape sequences the display itself writes. */
// deno-lint-ignore no-control-regex
export const OWN_SEQUENCES = /\x1b\[(?:\d+A|2K|J|\?25[lh])/g;
