// Packages this machine's platform as `npm run package` does, checks the archive, validates the krew manifests with
// krew's own validator, then installs the archive with a real krew and runs the plugin through kubectl's plugin
// discovery and kubectl's plugin completion.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { kubectlBinary, krewBinary, kubernetesVersion, newestKubernetesVersion, rcodesignBinary, validateKrewManifestBinary } from '../controlplane/testbin.ts';
import { sharedControlPlane } from '../controlplane/shared.ts';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KREW = krewBinary();
const VALIDATE = validateKrewManifestBinary();
const KUBECTL = kubectlBinary();
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const ARCHIVE = `kubectl-uimgacc_v${pkg.version}_linux_amd64.tar.gz`;

const skip = process.platform === 'linux' && process.arch === 'x64' ? false : 'packages and installs the linux/amd64 archive only';

async function validate(manifest: string, dir: string): Promise<void> {
  // krew-index requires the file to be named after the plugin.
  const file = join(dir, 'uimgacc.yaml');
  copyFileSync(manifest, file);
  // -skip-install: its install step downloads the uri (a GitHub release, out of reach here); the next test installs
  // the very archive with a real krew instead.
  const r = await run(VALIDATE, ['-manifest', file, '-skip-install']).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`validate-krew-manifest ${manifest} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  assert.match(r.stdout + r.stderr, /is valid|validated|ok/i);
}

describe('release archive and krew', { skip }, () => {
  let tmp: string;
  let out: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'uimgacc-krew-'));
    out = join(tmp, 'release');
    const started = Date.now();
    // Only the host platform: the five-platform run (`npm run package`) takes about a minute more.
    await run(process.execPath, [join(ROOT, 'scripts/package.ts'), '--host', `--out=${out}`], { cwd: ROOT, maxBuffer: 16 << 20 });
    process.stderr.write(`# packaged linux/amd64 in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('holds the binary, the completion executable and LICENSE, and its sha256 is listed', async () => {
    const { stdout } = await run('tar', ['-tzvf', join(out, ARCHIVE)]);
    const entries = stdout.trim().split('\n').map((l) => ({ mode: l.split(/\s+/)[0] ?? '', name: l.split(/\s+/).at(-1) ?? '' }));
    assert.deepEqual(entries.map((e) => e.name).sort(), ['LICENSE', 'kubectl-uimgacc', 'kubectl_complete-uimgacc']);
    for (const e of entries.filter((x) => x.name !== 'LICENSE')) assert.match(e.mode, /^-rwx/, e.name);
    const sum = createHash('sha256').update(readFileSync(join(out, ARCHIVE))).digest('hex');
    assert.equal(readFileSync(join(out, 'sha256sums.txt'), 'utf8'), `${sum}  ${ARCHIVE}\n`);
    assert.match(readFileSync(join(out, 'uimgacc.yaml'), 'utf8'), new RegExp(`sha256: ${sum}\\n`));
  });

  it('has krew manifests that krew-index validation accepts (the committed one and the generated one)', async () => {
    const dir = join(tmp, 'validate');
    mkdirSync(join(dir, 'committed'), { recursive: true });
    mkdirSync(join(dir, 'generated'), { recursive: true });
    await validate(join(ROOT, 'krew-manifest.yaml'), join(dir, 'committed'));
    await validate(join(out, 'uimgacc.yaml'), join(dir, 'generated'));
    const committed = readFileSync(join(ROOT, 'krew-manifest.yaml'), 'utf8');
    assert.equal(committed.match(/sha256: [0-9a-f]{64}\n/g)?.length, 5);
    assert.match(committed, /caveats: \|[\s\S]*kubectl_complete-uimgacc[\s\S]*helm install uimgacc charts\/uimgacc/);
    // Chinese-speaking users learn from `kubectl krew info uimgacc` that the plugin speaks their language, and how.
    for (const manifest of [committed, readFileSync(join(out, 'uimgacc.yaml'), 'utf8')]) {
      assert.match(manifest, /description: \|[\s\S]*Simplified Chinese \(简体中文\)[\s\S]*LANG=zh_CN\.UTF-8[\s\S]*支持简体中文[\s\S]*caveats: \|/);
    }
  });

  it('installs with krew, runs through kubectl plugin discovery and completion, and uninstalls', async () => {
    const krewRoot = join(tmp, 'krew');
    const krewBin = join(tmp, 'krew-bin');
    mkdirSync(krewBin, { recursive: true });
    symlinkSync(KREW, join(krewBin, 'kubectl-krew'));
    const env = { PATH: [join(krewRoot, 'bin'), dirname(KUBECTL), krewBin, '/usr/bin', '/bin'].join(':'), HOME: tmp, KREW_ROOT: krewRoot, KUBECONFIG: join(tmp, 'no-kubeconfig') };
    const kubectl = (...args: string[]) => run(KUBECTL, args, { env, timeout: 60_000 });

    await kubectl('krew', 'install', `--manifest=${join(out, 'uimgacc.yaml')}`, `--archive=${join(out, ARCHIVE)}`);
    const version = await kubectl('uimgacc', 'version', '--client');
    assert.match(version.stdout, new RegExp(`^Plugin Version: ${pkg.version.replace(/\./g, '\\.')}\\nCommit: \\S+\\nNode\\.js: v24\\.\\d+\\.\\d+ \\(linux/x64\\)\\n$`));
    // Against a real cluster the executable loads the Kubernetes client, which it keeps as a SEA asset.
    const cp = await sharedControlPlane();
    const server = await run(KUBECTL, ['uimgacc', 'version'], { env: { ...env, KUBECONFIG: cp.kubeconfigPath }, timeout: 60_000 });
    assert.match(server.stdout, new RegExp(`\\nServer Version: ${kubernetesVersion().replace(/\./g, '\\.')}\\n$`));

    // The completion executable as the caveats tell the user to create it.
    const wrapper = join(krewRoot, 'bin', 'kubectl_complete-uimgacc');
    writeFileSync(wrapper, '#!/bin/sh\nexec kubectl-uimgacc __complete "$@"\n', { mode: 0o755 });
    const comp = await kubectl('__complete', 'uimgacc', 'pat');
    assert.match(comp.stdout, /^patch\tSwitch workloads/m);
    assert.match(comp.stdout, /\n:4\n$/);
    const flags = await kubectl('__complete', 'uimgacc', 'list', '-o', '');
    assert.match(flags.stdout, /^json\nyaml\nwide\nname\n:4\n$/);
    // The archive's own wrapper works from any directory too.
    const direct = await run(join(krewRoot, 'store', 'uimgacc', `v${pkg.version}`, 'kubectl_complete-uimgacc'), ['ver'], { env });
    assert.equal(direct.stdout, 'version\tPrint the plugin, Node.js and server versions\n:4\n');

    // krew refuses to uninstall without an index; `krew update` would clone it from GitHub: an empty one will do.
    await run('git', ['init', '-q', join(krewRoot, 'index', 'default')]);
    await kubectl('krew', 'uninstall', 'uimgacc');
    await assert.rejects(kubectl('uimgacc', 'version', '--client'), /unknown command "uimgacc"|not found/);
  });

  // Not version-dependent: packaging and signing run once, with the newest Kubernetes.
  it('signs the darwin executables ad hoc, so that Apple Silicon runs them', { skip: kubernetesVersion() === newestKubernetesVersion() ? false : 'runs with the newest Kubernetes only' }, async () => {
    const mac = join(tmp, 'darwin');
    await run(process.execPath, [join(ROOT, 'scripts/package.ts'), '--platforms=darwin/arm64', `--out=${mac}`], { cwd: ROOT, maxBuffer: 16 << 20 });
    const x = join(mac, 'x');
    mkdirSync(x);
    await run('tar', ['-xzf', join(mac, `kubectl-uimgacc_v${pkg.version}_darwin_arm64.tar.gz`), '-C', x]);
    const { stdout } = await run(rcodesignBinary(), ['print-signature-info', join(x, 'kubectl-uimgacc')], { maxBuffer: 16 << 20 });
    assert.match(stdout, /flags: CodeSignatureFlags\(ADHOC\)/);
    assert.match(stdout, /identifier: kubectl-uimgacc\n/);
  });
});
