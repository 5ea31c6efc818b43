// What the single executable carries besides its small main script (scripts/sea-entry.ts), shared by the build
// (scripts/package.ts) and by the code inside the executable that reads it:
// - cli.cjs: the command line (yargs, every command, the UCloud client); complete.cjs: the completion executable;
//   kube.cjs: @kubernetes/client-node. Each is compiled when first needed, from a V8 code cache (.cache) where one
//   could be made: a start pays only for the program it runs (completion never deserializes yargs).
// - prerendered.json: the exact output of the commands that print the same thing at every start (`--help`,
//   `version --client`), rendered at build time by cli.cjs itself, per language (cmd/prerendered.ts).
import { getRawAsset } from 'node:sea';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import type { PrerenderedTable } from '../cmd/prerendered.ts';

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
  // UIMGACC_DEBUG_STARTUP=1 says how each program was compiled (test/e2e/startup.test.ts): a cache V8 rejects (another
  // Node, other V8 flags) changes no output, only the time this executable exists to save, so it would go unseen.
  if (process.env['UIMGACC_DEBUG_STARTUP'] === '1') process.stderr.write(`startup: ${name}: ${cache === undefined ? 'no code cache' : script.cachedDataRejected === true ? 'code cache rejected' : 'from its code cache'}\n`);
  const exports = runProgram(script, process.execPath);
  loaded.set(name, exports);
  return exports;
}

/** The prerendered outputs, when this executable has them. */
export function prerendered(): PrerenderedTable | undefined {
  const data = optionalAsset(ASSET.prerendered);
  return data && (JSON.parse(Buffer.from(data).toString('utf8')) as PrerenderedTable);
}
