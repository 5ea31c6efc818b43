// Bundles the plugin, the completion executable and the helper into dist/ with esbuild.
// ESM with code splitting: heavy modules (@kubernetes/client-node) land in chunks that load only when a command needs
// the cluster, which keeps `--help`, `version --client` and completion fast.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build, type Plugin } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
let commit = process.env['UIMGACC_COMMIT'] ?? 'unknown';
if (commit === 'unknown') {
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Not a git checkout (e.g. an unpacked source archive): keep "unknown".
  }
}

/**
 * string-width (cliui and wrap-ansi lay out yargs' help with it) builds an Intl.Segmenter and Unicode-property
 * regular expressions when its module is evaluated: ~35 ms of ICU set-up on every start, before a single width is
 * measured — more than all the rest of `--help`. Each ESM copy is put behind a wrapper that measures printable ASCII
 * (which all our help text is) directly and evaluates the real module on the first other string.
 */
const lazyStringWidth: Plugin = {
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
  real ??= require(${JSON.stringify('__REAL__')}).default;
  return real(string, options);
}
`.replace(JSON.stringify('__REAL__'), JSON.stringify(args.path)),
    }));
  },
};

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { 'kubectl-uimgacc': 'cmd/entry.ts', 'kubectl_complete-uimgacc': 'cmd/complete-entry.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies (cli-table3) call require(); ESM output has none unless we provide it.
  banner: { js: "import { createRequire as __uimgaccCreateRequire } from 'node:module'; const require = __uimgaccCreateRequire(import.meta.url);" },
  define: { UIMGACC_VERSION: JSON.stringify(pkg.version), UIMGACC_COMMIT: JSON.stringify(commit) },
  plugins: [lazyStringWidth],
});
// The helper ships in a container image: one self-contained file, no node_modules.
await build({
  entryPoints: { helper: 'helper/main.ts' },
  minify: true,
  keepNames: true,
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __uimgaccCreateRequire } from 'node:module'; const require = __uimgaccCreateRequire(import.meta.url);" },
  define: { UIMGACC_VERSION: JSON.stringify(pkg.version), UIMGACC_COMMIT: JSON.stringify(commit) },
});
writeFileSync('dist/package.json', JSON.stringify({ type: 'module' }) + '\n');
chmodSync('dist/kubectl-uimgacc.mjs', 0o755);
chmodSync('dist/kubectl_complete-uimgacc.mjs', 0o755);
console.log(`built dist/ (version ${pkg.version}, commit ${commit})`);
