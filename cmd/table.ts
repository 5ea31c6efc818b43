// Apart from output.ts so that commands printing no table (version, machine output) do not load cli-table3.
import Table from 'cli-table3';
import { safeField } from './safe-text.ts';

/** A borderless table like kubectl's: upper-case headers, columns three spaces apart. */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const table = new Table({
    head: [...head],
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 3 },
  });
  // One cell is one line: a newline or escape sequence in a name must not forge rows or repaint the screen.
  for (const row of rows) table.push(row.map(safeField));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n') + '\n';
}
