// esbuild plugins shared by the npm build (scripts/build.ts) and the single executables (scripts/package.ts).
import { dirname } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * string-width (cliui and wrap-ansi lay out yargs' help with it) builds an Intl.Segmenter and Unicode-property
 * regular expressions when its module is evaluated: ~35 ms of ICU set-up on every start, before a single width is
 * measured — more than all the rest of `--help`. Each ESM copy is put behind a wrapper that measures printable ASCII
 * (which all our help text is) directly and evaluates the real module on the first other string.
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
      contents: `let real;
export default function stringWidth(string, options) {
  if (typeof string === 'string' && /^[\\x20-\\x7e]*$/.test(string)) return string.length;
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
