// Outputs rendered at build time (scripts/sea-cli.ts) and the choice, at a start, of whether one of them is exactly
// what the command line would print now: the single executable (scripts/sea-entry.ts) prerenders `--help` and
// `version --client`, the npm build (cmd/entry.ts) `--help` only, since `version` names the Node that runs it.
import { colourLevel } from './colour.ts';
import { languageFromEnv, type Language } from '../lib/i18n/index.ts';

/** What a command printed and how it ended. */
export interface Rendered {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
  /** The same at a terminal: rendered again for a narrow terminal with colours, it printed exactly this. */
  readonly anyTerminal?: boolean;
}

/**
 * Commands whose output depends on nothing but the arguments and the language, as long as neither stream is coloured
 * and stderr is no terminal (the help is laid out for stderr's width). The build checks that rendering them reads no
 * other setting of the environment.
 */
export const HELP: readonly (readonly string[])[] = [[], ['--help'], ['-h']];
export const PRERENDERED: readonly (readonly string[])[] = [...HELP, ['version', '--client'], ['version', '--client', '-o', 'json'], ['version', '--client', '-o', 'yaml']];

/** Environment variables a prerendered start checks (prerenderedOutput); rendering may read these and no others. */
export const PRERENDER_INPUTS: ReadonlySet<string> = new Set(['LC_ALL', 'LC_MESSAGES', 'LANG', 'FORCE_COLOR', 'NO_COLOR', 'TERM', 'YARGS_DISABLE_WRAP']);

export type PrerenderedTable = Partial<Record<Language, Readonly<Record<string, Rendered>>>>;

export function prerenderKey(argv: readonly string[]): string {
  return JSON.stringify(argv);
}

/**
 * The prerendered output of a start with these arguments and environment, if there is one: not when yargs is told not
 * to wrap the help, and, unless the output is the same at any terminal, not when stderr is a terminal (the help is
 * laid out for its width) or a stream is coloured.
 * `isTerminal` is asked last: node:tty, which answers, is not loaded for starts that have no prerendered output.
 */
export function prerenderedOutput(
  table: PrerenderedTable | undefined,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  isTerminal: (fd: 1 | 2) => boolean,
): Rendered | undefined {
  const output = table?.[languageFromEnv(env)]?.[prerenderKey(args)];
  if (output === undefined || env['YARGS_DISABLE_WRAP'] !== undefined) return undefined;
  if (output.anyTerminal === true) return output;
  if (colourLevel({ isTTY: false }, env) !== 0 || isTerminal(2) || colourLevel({ isTTY: isTerminal(1) }, env) !== 0) return undefined;
  return output;
}
