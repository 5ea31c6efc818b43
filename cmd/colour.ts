// Colour on a terminal, as kubectl and helm users expect: decided per stream (stdout piped and stderr on a terminal
// colours only stderr), never for `-o` output (machine output is written unstyled), and never carrying meaning alone
// (every coloured word is also a word: ✓/!/✗, "error:", the status itself).
// chalk is imported only when a stream will be coloured: its colour detection reads the environment and the terminal
// when evaluated, which a start writing to a pipe should not pay for.
import type { ChalkInstance } from 'chalk';

/** What a piece of text means; the palette picks its colour. */
export type Style = 'ok' | 'warn' | 'fail' | 'progress' | 'heading' | 'muted';

/** Text with styled parts. Plain strings are escaped like any output; styled parts too, then coloured. */
export type StyledText = readonly (string | { readonly style: Style; readonly text: string })[];

export type Paint = (style: Style, text: string) => string;

/** Styled text without its styles: what a pipe or a file gets. */
export function plainText(parts: StyledText): string {
  return parts.map((p) => (typeof p === 'string' ? p : p.text)).join('');
}

interface Tty {
  readonly isTTY?: boolean | undefined;
}

/**
 * The colour level for a stream: FORCE_COLOR (0/false off, 1/true/empty basic, 2 = 256, 3 = truecolour) beats
 * NO_COLOR (any non-empty value: off), as in Node itself; otherwise basic colours on a terminal unless TERM=dumb.
 */
export function colourLevel(stream: object, env: Readonly<Record<string, string | undefined>>): 0 | 1 | 2 | 3 {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2') return 2;
    if (force === '3') return 3;
    return 1;
  }
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return 0;
  if ((stream as Tty).isTTY !== true || env['TERM'] === 'dumb') return 0;
  return 1;
}

function palette(chalk: ChalkInstance): Paint {
  const styles: Record<Style, (text: string) => string> = {
    ok: chalk.green,
    warn: chalk.yellow,
    fail: chalk.red,
    progress: chalk.cyan,
    heading: chalk.bold,
    muted: chalk.dim,
  };
  return (style, text) => styles[style](text);
}

/** The painter for a stream, or undefined when it is not coloured. */
export async function painterFor(stream: object, env: Readonly<Record<string, string | undefined>>): Promise<Paint | undefined> {
  const level = colourLevel(stream, env);
  if (level === 0) return undefined;
  const { Chalk } = await import('chalk');
  return palette(new Chalk({ level }));
}

/** The style of a UCloud acceleration status (Ready, Creating, CreateError…), for tables and the status summary. */
export function statusStyle(status: string): Style | undefined {
  if (status === 'Ready' || status === 'Enabled') return 'ok';
  if (/Error$|^Failed|^Unknown$/.test(status)) return 'fail';
  if (/ing$/.test(status)) return 'progress';
  return undefined;
}
