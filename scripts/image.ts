// `npm run image`: builds the helper image with a real container engine (podman, or docker) from helper/Dockerfile and
// saves it as one OCI archive in out/image/, tagged uhub.service.ucloud.cn/uimgacc/uimgacc-helper:<package version>
// (the chart's default image).
//
//   npm run image                             base made here from Debian packages (scripts/image-base.sh), cached
//   npm run image -- --base=IMAGE             a published base instead (a release: gcr.io/distroless/cc-debian12)
//   npm run image -- --platforms=linux/amd64,linux/arm64   a manifest list (podman), one image per architecture
//   UIMGACC_CONTAINER_ENGINE=docker npm run image
//
// The Dockerfile runs nothing in a container (COPY only): the bundle is built here (`npm run build`), Node is the
// binary the repository pins (the `node` devDependency), so a build needs neither network nor an emulator.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nodeBinary, TARGETS } from './package.ts';

const ROOT = resolve(import.meta.dirname, '..');
export const IMAGE_REPOSITORY = 'uhub.service.ucloud.cn/uimgacc/uimgacc-helper';
export const IMAGE_DIR = join(ROOT, 'out', 'image');
const BASE_SCRIPT = join(ROOT, 'scripts', 'image-base.sh');
const BASE_REPOSITORY = 'localhost/uimgacc-helper-base';

export const packageVersion = (): string => (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
export const imageReference = (): string => `${IMAGE_REPOSITORY}:${packageVersion()}`;
export const imageArchive = (): string => join(IMAGE_DIR, `uimgacc-helper-${packageVersion()}.tar`);

/** podman unless UIMGACC_CONTAINER_ENGINE names another (docker); both take the same build, save and run arguments. */
export function containerEngine(): string {
  return process.env['UIMGACC_CONTAINER_ENGINE'] || 'podman';
}

function run(cmd: string, args: readonly string[], input?: Buffer): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}${cmd === containerEngine() ? ' (install podman: apt-get install -y podman runc)' : ''}`, { cause: r.error });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

function imageExists(engine: string, ref: string): boolean {
  return spawnSync(engine, ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0;
}

const GOARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' };
const hostArch = (): string => GOARCH[process.arch] ?? process.arch;

/**
 * The base made from Debian packages, imported as localhost/uimgacc-helper-base:<hash of the script>: built once
 * per version of image-base.sh (about 10 s), then reused.
 */
function localBase(engine: string, arch: string, log: (line: string) => void): string {
  const key = createHash('sha256').update(readFileSync(BASE_SCRIPT)).update(process.env['UIMGACC_DEBIAN_SUITE'] ?? '').digest('hex').slice(0, 16);
  const ref = `${BASE_REPOSITORY}:${key}-${arch}`;
  if (imageExists(engine, ref)) return ref;
  const started = Date.now();
  mkdirSync(IMAGE_DIR, { recursive: true });
  // A directory of its own: another build of this checkout (another architecture) may be making a base too.
  const work = mkdtempSync(join(IMAGE_DIR, '.base-'));
  const rootfs = join(work, 'rootfs');
  try {
    // Extracting packages of another architecture needs no emulator: nothing of them runs.
    run('bash', [BASE_SCRIPT, rootfs, arch]);
    const tar = execFileSync('tar', ['--numeric-owner', '--sort=name', '-C', rootfs, '-c', '.'], { maxBuffer: 1 << 30 });
    const platform = engine === 'podman' ? ['--os', 'linux', '--arch', arch] : ['--platform', `linux/${arch}`];
    run(engine, ['import', ...platform, '--change', 'USER 65532:65532', '--change', 'WORKDIR /home/nonroot', '-', ref], tar);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Bases of earlier versions of the script are of no further use.
  for (const old of run(engine, ['images', '--format', '{{.Repository}}:{{.Tag}}', BASE_REPOSITORY]).split('\n')) {
    if (old.endsWith(`-${arch}`) && old !== ref) spawnSync(engine, ['rmi', old], { stdio: 'ignore' });
  }
  log(`base ${ref} made from Debian packages in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return ref;
}

/**
 * The pinned Node (the `node` devDependency) for linux/ARCH: node_modules' binary for this machine, else npm's
 * node-linux-<arch> package of the same version (cached as for the release archives).
 */
function pinnedNode(arch: string): string {
  const file = join(ROOT, 'node_modules', 'node', 'bin', 'node');
  if (arch === hostArch() && existsSync(file)) return file;
  const target = TARGETS.find((t) => t.os === 'linux' && t.arch === arch);
  if (!target) throw new Error(`no Node build for linux/${arch}; known: ${TARGETS.filter((t) => t.os === 'linux').map((t) => `linux/${t.arch}`).join(', ')}`);
  return nodeBinary(target);
}

export interface BuiltImage {
  readonly reference: string;
  readonly archive: string;
  readonly id: string;
  readonly seconds: number;
}

export interface ImageOptions {
  /** A published base (a release); default: the one made from Debian packages. */
  readonly base?: string;
  /** linux/amd64, linux/arm64; more than one makes a manifest list. Default: this machine's. */
  readonly platforms?: readonly string[];
  /** Default: the chart's image, uhub.service.ucloud.cn/uimgacc/uimgacc-helper:<version>. */
  readonly reference?: string;
  /** Default: out/image/uimgacc-helper-<version>.tar, the only archive there. */
  readonly archive?: string;
  readonly log?: (line: string) => void;
}

export function buildImage(opts: ImageOptions = {}): BuiltImage {
  const log = opts.log ?? ((line: string): void => void process.stderr.write(`${line}\n`));
  const engine = containerEngine();
  const started = Date.now();
  for (const f of ['dist/helper.mjs', 'dist/package.json']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run npm run build first`);
  }
  const arches = (opts.platforms ?? [`linux/${hostArch()}`]).map((p) => {
    if (!/^linux\/[a-z0-9]+$/.test(p)) throw new Error(`unsupported platform ${p} (linux/amd64, linux/arm64)`);
    return p.slice('linux/'.length);
  });
  const list = arches.length > 1;
  if (list && engine !== 'podman') throw new Error('a multi-platform build needs podman (docker: docker buildx build --platform …)');
  mkdirSync(IMAGE_DIR, { recursive: true });
  // A small build context: the bundle, LICENSE and Node per architecture (the Dockerfile copies linux-$TARGETARCH).
  const context = mkdtempSync(join(IMAGE_DIR, '.context-'));
  const bases: string[] = [];
  const reference = opts.reference ?? imageReference();
  try {
    for (const arch of arches) {
      mkdirSync(join(context, 'nodejs', `linux-${arch}`), { recursive: true });
      copyFileSync(pinnedNode(arch), join(context, 'nodejs', `linux-${arch}`, 'node'));
    }
    for (const f of ['dist/helper.mjs', 'dist/package.json', 'LICENSE']) copyFileSync(join(ROOT, f), join(context, f.replace('dist/', '')));
    let commit = 'unknown';
    try {
      commit = run('git', ['-C', ROOT, 'rev-parse', 'HEAD']).trim();
    } catch {
      // Not a git checkout: the label says unknown.
    }
    // A manifest list is added to, not replaced: start from nothing (an image or a list of the same name).
    if (list) for (const what of ['manifest', 'image']) spawnSync(engine, [what, 'rm', reference], { stdio: 'ignore' });
    for (const arch of arches) {
      const base = opts.base ?? localBase(engine, arch, log);
      bases.push(base);
      const args = ['--build-arg', `BASE=${base}`, '--build-arg', `VERSION=${packageVersion()}`, '--build-arg', `REVISION=${commit}`];
      run(engine, ['build', '--platform', `linux/${arch}`, '--file', join(ROOT, 'helper', 'Dockerfile'), ...args, ...(list ? ['--manifest', reference] : ['--tag', reference]), context]);
    }
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  const id = list ? '' : run(engine, ['image', 'inspect', '--format', '{{.Id}}', reference]).trim();
  const archive = opts.archive ?? imageArchive();
  // Exactly one archive in out/image/: the one of this version.
  if (!opts.archive) for (const f of readdirSync(IMAGE_DIR)) if (f.endsWith('.tar')) rmSync(join(IMAGE_DIR, f));
  if (list) run(engine, ['manifest', 'push', '--all', reference, `oci-archive:${archive}:${reference}`]);
  else run(engine, engine === 'podman' ? ['save', '--format', 'oci-archive', '--output', archive, reference] : ['save', '--output', archive, reference]);
  const seconds = (Date.now() - started) / 1000;
  log(`${reference} (${list ? `manifest list: ${arches.map((a) => `linux/${a}`).join(', ')}` : id.slice(0, 12)}, base ${[...new Set(bases)].join(', ')}) saved to ${archive} (${(statSync(archive).size / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)}s`);
  return { reference, archive, id, seconds };
}

function parseArgs(argv: readonly string[]): { base?: string; platforms?: string[] } {
  let base: string | undefined;
  let platforms: string[] | undefined;
  for (const a of argv) {
    if (a.startsWith('--base=')) base = a.slice('--base='.length);
    else if (a.startsWith('--platforms=')) platforms = a.slice('--platforms='.length).split(',');
    else throw new Error(`unknown argument ${a} (usage: npm run image [-- --base=IMAGE] [--platforms=linux/amd64,linux/arm64])`);
  }
  return { base, platforms };
}

if (import.meta.main) {
  try {
    buildImage(parseArgs(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
