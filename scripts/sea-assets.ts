// What the single executable carries besides its small main script (scripts/sea-entry.ts), shared by the build
// (scripts/package.ts) and by the code inside the executable that reads it:
// - cli.cjs: the command line (yargs, every command, the UCloud client); complete.cjs: the completion executable;
//   kube.cjs: @kubernetes/client-node. Each is compiled when first needed, from a V8 code cache (.cache) where one
//   could be made: a start pays only for the program it runs (completion never deserializes yargs).
// - prerendered.json: the exact output of the commands that print the same thing at every start (`--help`,
//   `version --client`), rendered at build time by cli.cjs itself, per language.
import { getRawAsset } from 'node:sea';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { colourLevel } from '../cmd/colour.ts';
import { languageFromEnv, type Language } from '../lib/i18n/index.ts';

export const ASSET = { cli: 'cli.cjs', completion: 'complete.cjs', kube: 'kube.cjs', prerendered: 'prerendered.json' } as const;

/** The V8 code cache of a program asset. */
export function cacheAsset(program: string): string {
  return program.replace(/\.cjs$/, '.cache');
}

/** A program is wrapped as CommonJS wraps a file; the build and the run must compile the very same text. */
export function wrapProgram(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

type ModuleFunction = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** Evaluates a wrapped program as a CommonJS module whose require() reaches Node's built-in modules. */
export function runProgram(script: Script, path: string): unknown {
  const module = { exports: {} };
  (script.runInThisContext() as ModuleFunction)(module.exports, createRequire(path), module, path, dirname(path));
  return module.exports;
}

/** An asset of this executable, read in place (not copied: nothing writes to it). */
function optionalAsset(name: string): ArrayBuffer | undefined {
  try {
    return getRawAsset(name);
  } catch {
    // Not in this executable: a cross-built one has no code cache and nothing prerendered.
    return undefined;
  }
}

const loaded = new Map<string, unknown>();

/** The exports of a program asset of this executable, evaluated once. */
export function loadProgram(name: string): unknown {
  if (loaded.has(name)) return loaded.get(name);
  const cache = optionalAsset(cacheAsset(name));
  // Decoded by Buffer (simdutf) straight from the executable, not copied first as getAsset() does.
  const script = new Script(wrapProgram(Buffer.from(getRawAsset(name)).toString('utf8')), { filename: name, cachedData: cache && Buffer.from(cache) });
  const exports = runProgram(script, process.execPath);
  loaded.set(name, exports);
  return exports;
}

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
export const PRERENDERED: readonly (readonly string[])[] = [[], ['--help'], ['-h'], ['version', '--client'], ['version', '--client', '-o', 'json'], ['version', '--client', '-o', 'yaml']];

/** Environment variables a prerendered start checks (prerenderedOutput); rendering may read these and no others. */
export const PRERENDER_INPUTS: ReadonlySet<string> = new Set(['LC_ALL', 'LC_MESSAGES', 'LANG', 'FORCE_COLOR', 'NO_COLOR', 'TERM', 'YARGS_DISABLE_WRAP']);

export type PrerenderedTable = Partial<Record<Language, Readonly<Record<string, Rendered>>>>;

export function prerenderKey(argv: readonly string[]): string {
  return JSON.stringify(argv);
}

/** The prerendered outputs, when this executable has them. */
export function prerendered(): PrerenderedTable | undefined {
  const data = optionalAsset(ASSET.prerendered);
  return data && (JSON.parse(Buffer.from(data).toString('utf8')) as PrerenderedTable);
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
