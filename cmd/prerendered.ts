// Outputs rendered at build time (scripts/sea-cli.ts) and the choice, at a start, of whether one of them is exactly
// what the command line would print now: the single executable (scripts/sea-entry.ts) prerenders `--help` and
// `version --client`; the npm build (cmd/entry.ts) too, but `version` names the Node that runs the package, which its
// build cannot know: there it is a template that a start fills in (fillRuntime).
import { colourLevel } from './colour.ts';
import { languageFromEnv, type Language } from '../lib/i18n/language.ts';

/** What a command printed and how it ended. */
export interface Rendered {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
  /** The same at a terminal: rendered again for a narrow terminal with colours, it printed exactly this. */
  readonly anyTerminal?: boolean;
  /** A template: the Node that runs it fills RUNTIME's placeholders (fillRuntime). */
  readonly runtime?: boolean;
}

/**
 * Commands whose output depends on nothing but the arguments and the language, as long as neither stream is coloured
 * and stderr is no terminal (the help is laid out for stderr's width). The build checks that rendering them reads no
 * other setting of the environment.
 */
export const HELP: readonly (readonly string[])[] = [[], ['--help'], ['-h']];
export const VERSION: readonly (readonly string[])[] = [['version', '--client'], ['version', '--client', '-o', 'json'], ['version', '--client', '-o', 'yaml']];
export const PRERENDERED: readonly (readonly string[])[] = [...HELP, ...VERSION];

/** Environment variables a prerendered start checks (prerenderedOutput); rendering may read these and no others. */
export const PRERENDER_INPUTS: ReadonlySet<string> = new Set(['LC_ALL', 'LC_MESSAGES', 'LANG', 'FORCE_COLOR', 'NO_COLOR', 'TERM', 'YARGS_DISABLE_WRAP']);

export type PrerenderedTable = Partial<Record<Language, Readonly<Record<string, Rendered>>>>;

/** What `version` says of the Node that runs it (cmd/commands/version.ts), and its placeholder in a template. */
export interface Runtime {
  readonly version: string;
  readonly platform: string;
  readonly arch: string;
}
const PLACEHOLDERS = { node: '\u0000node\u0000', platform: '\u0000platform\u0000' } as const;

/**
 * The values `version` prints for this Node, if they are written alike as plain text, in JSON and in YAML (js-yaml):
 * no character JSON escapes, nothing YAML would quote (a number, true/null, an indicator, a space or colon). Node's
 * own names always are (v24.21.0, v25.0.0-nightly20250101abcdef, linux/x64); a template is not filled with others.
 */
function runtimeValues(node: Runtime): Record<keyof typeof PLACEHOLDERS, string> | undefined {
  const values = { node: node.version, platform: `${node.platform}/${node.arch}` };
  return /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/.test(values.node) && /^[a-z][a-z0-9_]*\/[a-z][a-z0-9_]*$/.test(values.platform) ? values : undefined;
}

/**
 * Build time: `version` as rendered by the build's Node made a template, each of that Node's values replaced by its
 * placeholder. Fails unless each value occurs exactly once on stdout (nothing else could be mistaken for it) and is
 * written as is (runtimeValues). Not marked as the same at any terminal: like the help, it is printed only when
 * stderr is no terminal and nothing is coloured.
 */
export function runtimeTemplate(rendered: Rendered, node: Runtime): Rendered {
  const values = runtimeValues(node);
  if (!values) throw new Error(`Node ${node.version} on ${node.platform}/${node.arch}: its names cannot be filled into a template`);
  let stdout = rendered.stdout;
  for (const [name, value] of Object.entries(values) as [keyof typeof PLACEHOLDERS, string][]) {
    const parts = stdout.split(value);
    if (parts.length !== 2 || rendered.stderr.includes(value)) throw new Error(`version: ${JSON.stringify(value)} occurs ${parts.length - 1} times in ${JSON.stringify(stdout)}`);
    stdout = parts.join(PLACEHOLDERS[name]);
  }
  return { stdout, stderr: rendered.stderr, code: rendered.code, runtime: true };
}

/** A start: the template filled in with what names this Node, or undefined when that would need escaping. */
export function fillRuntime(template: Rendered, node: Runtime): Rendered | undefined {
  const values = runtimeValues(node);
  if (!values) return undefined;
  return { stdout: template.stdout.replace(PLACEHOLDERS.node, () => values.node).replace(PLACEHOLDERS.platform, () => values.platform), stderr: template.stderr, code: template.code };
}

export function prerenderKey(argv: readonly string[]): string {
  return JSON.stringify(argv);
}

/** Whether a start with these arguments may have a prerendered output: the others need not read the table at all. */
export function mayBePrerendered(args: readonly string[]): boolean {
  const key = prerenderKey(args);
  return PRERENDERED.some((a) => prerenderKey(a) === key);
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
  node: Runtime = process,
): Rendered | undefined {
  const output = table?.[languageFromEnv(env)]?.[prerenderKey(args)];
  if (output === undefined || env['YARGS_DISABLE_WRAP'] !== undefined) return undefined;
  if (output.anyTerminal === true) return output;
  if (colourLevel({ isTTY: false }, env) !== 0 || isTerminal(2) || colourLevel({ isTTY: isTerminal(1) }, env) !== 0) return undefined;
  return output.runtime === true ? fillRuntime(output, node) : output;
}
