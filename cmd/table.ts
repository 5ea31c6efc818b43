// Apart from output.ts so that commands printing no table (version, machine output) do not load string-width.
import stringWidth from 'string-width';
import { plainText, type Style, type StyledText } from './colour.ts';
import { safeField } from './safe-text.ts';

const GAP = 3;

/** A table cell: plain text, or text styled by what it means (a status); the style never changes the layout. */
export type Cell = string | { readonly style: Style | undefined; readonly text: string };

type Part = StyledText[number];

/**
 * A borderless table like kubectl's: upper-case headers, columns three spaces apart, no trailing spaces. Laid out in
 * one pass over the cells (cli-table3, used before, takes time quadratic in the rows: 27 s for the 6,000-row refusal
 * of a delete on a big cluster).
 */
export function renderTable(head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return plainText(renderStyledTable(head, rows));
}

/**
 * The same table with styled cells, for writeStyled: the layout is computed on the escaped plain text (display width,
 * CJK characters counting two columns) and the padding stays outside the styled parts, so colour (added only when the
 * stream is a terminal) cannot move a column.
 */
export function renderStyledTable(head: readonly string[], rows: readonly (readonly Cell[])[]): StyledText {
  // One cell is one line: a newline or escape sequence in a name must not forge rows or repaint the screen.
  const lines: (readonly Part[])[] = [head, ...rows.map((row) => row.map((c) => (typeof c === 'string' ? safeField(c) : c.style === undefined ? safeField(c.text) : { style: c.style, text: safeField(c.text) })))];
  const widths: number[] = [];
  const measured = lines.map((cells) =>
    cells.map((cell, i) => {
      const w = stringWidth(typeof cell === 'string' ? cell : cell.text);
      widths[i] = Math.max(widths[i] ?? 0, w);
      return w;
    }),
  );
  const out: Part[] = [];
  let plain = '';
  lines.forEach((cells, r) => {
    // Cells then padding, trailing white space dropped as trimEnd() would drop it from the plain line.
    const parts: Part[] = [];
    cells.forEach((cell, i) => {
      parts.push(cell, ' '.repeat((widths[i] ?? 0) - (measured[r]?.[i] ?? 0) + GAP));
    });
    while (parts.length > 0) {
      const last = parts[parts.length - 1] as Part;
      const text = (typeof last === 'string' ? last : last.text).trimEnd();
      if (text !== '') {
        parts[parts.length - 1] = typeof last === 'string' ? text : { style: last.style, text };
        break;
      }
      parts.pop();
    }
    parts.push('\n');
    // Plain runs are merged: a table of thousands of rows stays one string per styled cell, not one per cell.
    for (const p of parts) {
      if (typeof p === 'string') plain += p;
      else {
        if (plain !== '') out.push(plain);
        plain = '';
        out.push(p);
      }
    }
  });
  if (plain !== '') out.push(plain);
  return out;
}
