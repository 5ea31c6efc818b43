// esbuild plugins shared by the npm build (scripts/build.ts) and the single executables (scripts/package.ts).
import { builtinModules, createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const QUICK_WIDTH = fileURLToPath(new URL('./quick-string-width.ts', import.meta.url));

/**
 * string-width (cliui and wrap-ansi lay out yargs' help with it) builds an Intl.Segmenter and Unicode-property
 * regular expressions when its module is evaluated: ~35 ms of ICU set-up on every start, before a single width is
 * measured — more than all the rest of `--help`. Each ESM copy is put behind a wrapper that measures printable ASCII
 * and Chinese text (all our help, in either language: scripts/quick-string-width.ts) directly and evaluates the real
 * module on the first other string.
 */
export const lazyStringWidth: Plugin = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      // cli-table3's CommonJS string-width@4 is cheap to load and expects module.exports to be the function.
      if (args.kind !== 'import-statement' || args.namespace === 'lazy-string-width') return undefined;
      const real = await b.resolve('string-width', { resolveDir: args.resolveDir, kind: args.kind, namespace: 'lazy-string-width' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      resolveDir: dirname(args.path),
      loader: 'js',
      // require() of a bundled ES module: esbuild evaluates it at the first call, not at start-up.
      contents: `import { quickWidth } from ${JSON.stringify(QUICK_WIDTH)};
let real;
export default function stringWidth(string, options) {
  const quick = typeof string === 'string' && options === undefined ? quickWidth(string) : undefined;
  if (quick !== undefined) return quick;
  real ??= require(${JSON.stringify(args.path)}).default;
  return real(string, options);
}
`,
    }));
  },
};

/**
 * yargs imports node:assert for two internal invariant checks. Loading node:assert also loads its error formatting,
 * which sets up terminal colours and the stderr stream: ~5 ms of every start. yargs gets the two functions it uses,
 * with node:assert's semantics (Object.is), from a module of its own.
 */
export const yargsAssert: Plugin = {
  name: 'yargs-assert',
  setup(b) {
    b.onResolve({ filter: /^assert$/ }, (args) => (/[\\/]node_modules[\\/]yargs[\\/]/.test(args.importer) ? { path: 'assert', namespace: 'yargs-assert' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'yargs-assert' }, () => ({
      loader: 'js',
      contents: `function fail(message, fallback) {
  throw message instanceof Error ? message : Object.assign(new Error(message ?? fallback), { code: 'ERR_ASSERTION' });
}
export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) fail(message, 'Expected values to be strictly equal: ' + String(actual) + ' !== ' + String(expected));
}
export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) fail(message, 'Expected "actual" to be strictly unequal to: ' + String(expected));
}
`,
    }));
  },
};

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * In ES module output, `import { readFileSync } from 'fs'` makes Node build the whole namespace of the built-in
 * module, and a CommonJS wrapper (esbuild's __toESM) copies every property: either way each lazy export is evaluated.
 * For `fs` and `util` that loads and compiles 35 more internal modules (fs/promises, readline, worker_threads, the
 * stderr stream…) at every start: `--cpu-prof` shows them under compileForInternalLoader, called from `get
 * TextDecoder`. Each built-in is therefore imported through a module of our own that takes it with require() and
 * exports each property through a pure call, so that esbuild keeps (and Node evaluates) only the ones the bundle
 * imports. Names come from the Node that builds; a name it lacks fails the build rather than the run.
 */
export const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(b) {
    const require = createRequire(import.meta.url);
    // One wrapper per importing module: with code splitting, a wrapper shared by every importer would keep the union
    // of what they import, and `import * as fs` anywhere would evaluate every export again.
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      // require() in bundled CommonJS code must keep getting the module itself (`class extends require('events')`).
      if (!BUILTINS.has(args.path) || args.namespace === 'builtins-by-require' || args.kind === 'require-call') return undefined;
      // `await import('node:http')` keeps every export of its wrapper, so there the lazy ones (accessors, such as
      // http's WebSocket, which loads undici and node:crypto) are left out: import those statically.
      const dynamic = args.kind === 'dynamic-import';
      return { path: args.path, namespace: 'builtins-by-require', suffix: `?${dynamic ? 'dynamic&' : ''}${args.importer}`, pluginData: dynamic };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtins-by-require' }, (args) => {
      const real = require(args.path) as object;
      const names = Object.getOwnPropertyNames(real).filter((n) => IDENTIFIER.test(n) && n !== 'default' && (args.pluginData !== true || Object.getOwnPropertyDescriptor(real, n)?.get === undefined));
      const id = JSON.stringify(args.path);
      return {
        loader: 'js',
        // A bare `require` here is the one the bundle's banner makes (scripts/build.ts).
        contents: [`const __m = require(${id});`, 'const __get = (k) => __m[k];', 'export default __m;', ...names.map((n) => `export const ${n} = /* @__PURE__ */ __get(${JSON.stringify(n)});`)].join('\n'),
      };
    });
  },
};

/** Replaces text in a dependency's file, failing the build when the text is gone (the dependency changed). */
function patched(source: string, file: string, edits: readonly (readonly [string, string])[]): string {
  let out = source;
  for (const [from, to] of edits) {
    if (!out.includes(from)) throw new Error(`yargs-patches: "${from}" not found in ${file}: check the patch against this yargs version`);
    out = out.replace(from, to);
  }
  return out;
}

/**
 * Work yargs does at every start that a kubectl plugin never uses:
 * - after running a command's handler it lays out that command's whole help text, in case the handler shows it
 *   (`--cpu-prof` of `version --client`: cacheHelpMessage → help); our handlers never do, and a failure prints its own
 *   message (cmd/main.ts);
 * - it looks for a package.json from the working directory up to / (readdir of each directory) for its version and
 *   a "yargs" section; our version is built in, and the package.json of whatever directory the user is in must not
 *   change how the plugin parses its arguments;
 * - it reads the terminal width when its module is evaluated: we pass the width (`.wrap()`), and the single
 *   executable's help, rendered at build time, must not depend on the terminal of the build.
 */
export const yargsPatches: Plugin = {
  name: 'yargs-patches',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]yargs[\\/]build[\\/]lib[\\/]command\.js$/ }, async (args) => ({
      loader: 'js',
      contents: patched(await readFile(args.path, 'utf8'), args.path, [['yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();', '']]),
    }));
    b.onLoad({ filter: /[\\/]node_modules[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, async (args) => ({
      loader: 'js',
      resolveDir: dirname(args.path),
      contents: patched(await readFile(args.path, 'utf8'), args.path, [
        ['findUp: escalade,', 'findUp: () => undefined,'],
        ["stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null", 'stdColumns: null'],
      ]),
    }));
  },
};

/**
 * Fails a build whose JavaScript output holds a character outside ASCII (the single executable's programs, minified:
 * no comments). esbuild writes strings as escapes, but not a regular expression literal: one `µ` made V8 hold the
 * whole command line program (550 KB) as a two-byte string, decoded to UTF-16 at every start and scanned as such —
 * write such characters as \u escapes in the source.
 */
export const asciiOnly: Plugin = {
  name: 'ascii-only',
  setup(b) {
    b.initialOptions.metafile = true;
    b.onEnd((result) => {
      for (const file of Object.keys(result.metafile?.outputs ?? {}).filter((f) => /\.[cm]?js$/.test(f))) {
        const text = readFileSync(file, 'utf8');
        const at = text.search(/[^\0-\x7f]/);
        if (at >= 0) throw new Error(`${file} holds a character outside ASCII, ${JSON.stringify(text[at])} in ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 20))}: write it as a \\u escape`);
      }
    });
  },
};
