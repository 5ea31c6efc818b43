// Apart from output.ts so that commands printing no table (version, machine output) do not load string-width.
import stringWidth from 'string-width';
import { safeField } from './safe-text.ts';

const GAP = 3;

/**
 * A borderless table like kubectl's: upper-case headers, columns three spaces apart, no trailing spaces. Laid out in
 * one pass over the cells (cli-table3, used before, takes time quadratic in the rows: 27 s for the 6,000-row refusal
 * of a delete on a big cluster).
 */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  // One cell is one line: a newline or escape sequence in a name must not forge rows or repaint the screen.
  const lines = [[...head], ...rows.map((row) => row.map(safeField))];
  const widths: number[] = [];
  const measured = lines.map((cells) =>
    cells.map((cell, i) => {
      const w = stringWidth(cell);
      widths[i] = Math.max(widths[i] ?? 0, w);
      return w;
    }),
  );
  return lines.map((cells, r) => cells.map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - (measured[r]?.[i] ?? 0) + GAP)).join('').trimEnd()).join('\n') + '\n';
}
