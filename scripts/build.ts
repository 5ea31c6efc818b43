// Bundles the plugin, the completion executable and the helper into dist/ with esbuild.
// ESM with code splitting: heavy modules (@kubernetes/client-node) land in chunks that load only when a command needs
// the cluster, which keeps `--help`, `version --client` and completion fast.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { builtinsByRequire, lazyStringWidth, yargsAssert, yargsPatches } from './esbuild-plugins.ts';
import { LANGUAGES } from '../lib/i18n/index.ts';
import { PRERENDERED, prerenderKey, runtimeTemplate, VERSION, type PrerenderedTable, type Rendered } from '../cmd/prerendered.ts';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
let commit = process.env['UIMGACC_COMMIT'] ?? 'unknown';
if (commit === 'unknown') {
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Not a git checkout (e.g. an unpacked source archive): keep "unknown".
  }
}

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
  plugins: [lazyStringWidth, yargsAssert, yargsPatches, builtinsByRequire],
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
// `--help` and `version --client` as the command line renders them, per language, in a process with an empty
// environment (the rendering fails if it reads any setting cmd/entry.ts does not check): cmd/entry.ts prints them
// without evaluating yargs when nothing else can change them. `version` names the Node that runs the package, which
// the build cannot know: it is kept as a template that a start fills in with its own Node's names. The renderer is bundled on its own, as one file: an entry point in the build above would change how dist/ is split into
// chunks (the command line's code would move out of its chunk, into one shared with the renderer).
const renderer = mkdtempSync(join(tmpdir(), 'uimgacc-prerender-'));
try {
  await build({
    entryPoints: { prerender: 'scripts/sea-cli.ts' },
    outdir: renderer,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
    banner: { js: "import { createRequire as __uimgaccCreateRequire } from 'node:module'; const require = __uimgaccCreateRequire(import.meta.url);" },
    define: { UIMGACC_VERSION: JSON.stringify(pkg.version), UIMGACC_COMMIT: JSON.stringify(commit) },
    plugins: [lazyStringWidth, yargsAssert, yargsPatches, builtinsByRequire],
  });
  const prerendered: PrerenderedTable = {};
  for (const language of LANGUAGES) {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(join(renderer, 'prerender.mjs')).href)}); process.stdout.write(JSON.stringify(await m.prerender(${JSON.stringify(language)}, ${JSON.stringify(PRERENDERED)})));`;
    // Rendered by this Node (process.execPath): its names are the ones to take out of version's output.
    const rendered = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { HOME: '/nonexistent-uimgacc-home' }, encoding: 'utf8' })) as Record<string, Rendered>;
    for (const args of VERSION) {
      const key = prerenderKey(args);
      const output = rendered[key];
      if (output) rendered[key] = runtimeTemplate(output, process);
    }
    prerendered[language] = rendered;
  }
  writeFileSync('dist/prerendered.json', JSON.stringify(prerendered));
} finally {
  rmSync(renderer, { recursive: true, force: true });
}
chmodSync('dist/kubectl-uimgacc.mjs', 0o755);
chmodSync('dist/kubectl_complete-uimgacc.mjs', 0o755);
console.log(`built dist/ (version ${pkg.version}, commit ${commit})`);
