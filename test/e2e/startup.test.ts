// Start-up (issue #17). The single executable built for this platform prints `--help` and `version --client` as
// rendered at build time when nothing else can change them, and otherwise runs its programs from code caches made at
// build time (scripts/sea-entry.ts, scripts/sea-assets.ts): it must behave exactly as the npm build, whatever the
// environment, arguments and terminal it runs with — what the build saw must never leak into a start. And the npm
// build must not load what its quick paths never use.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CLI } from '../helpers/cli.ts';
import { collectOutput, type ProcessOutput } from '../helpers/process.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const skip = process.platform === 'linux' && process.arch === 'x64' ? false : 'packages the linux/amd64 executable only';
const hasScript = ['/usr/bin/script', '/bin/script'].some((p) => existsSync(p));

function exec(cmd: string, args: readonly string[], env: Readonly<Record<string, string>>): Promise<ProcessOutput> {
  return collectOutput(spawn(cmd, args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent-uimgacc-home', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe('the single executable prepared at build time', { skip }, () => {
  let tmp: string;
  let sea: string;
  let sim: Simulator;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'uimgacc-startup-'));
    // The same commit as dist/, so that `version` prints the same line from both builds.
    const { stdout } = await run(process.execPath, [CLI, 'version', '--client', '-o', 'json']);
    const commit = (JSON.parse(stdout) as { clientVersion: { commit: string } }).clientVersion.commit;
    const out = join(tmp, 'release');
    // A build environment unlike the one the tests run with: a prerendered output or cache that kept any of it would show.
    const built = await run(process.execPath, [join(ROOT, 'scripts/package.ts'), '--host', `--out=${out}`], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
      env: { ...process.env, UIMGACC_COMMIT: commit, LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8', FORCE_COLOR: '3', NO_COLOR: '1', COLUMNS: '40', UCLOUD_REGION: 'cn-build-time' },
    });
    assert.match(built.stdout, /linux\/amd64: .*start-up prepared/);
    const x = join(tmp, 'x');
    mkdirSync(x);
    await run('tar', ['-xzf', join(out, `kubectl-uimgacc_v${pkg.version}_linux_amd64.tar.gz`), '-C', x]);
    sea = join(x, 'kubectl-uimgacc');
    sim = await startSimulator({
      accounts: [{ publicKey: 'startup-pub', privateKey: 'startup-priv' }],
      clusters: [{ clusterId: 'uk8s-startup01', region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: 'uhub.service.ucloud.cn/startup/app:v1', TargetImage: 'uhub.service.ucloud.cn/startup/app:v1-acc' }] }],
    });
  });
  after(async () => {
    await sim?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const same = async (args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ProcessOutput> => {
    const [plain, snapshot] = await Promise.all([exec(process.execPath, [CLI, ...args], env), exec(sea, args, env)]);
    assert.deepEqual(snapshot, plain, `kubectl-uimgacc ${args.join(' ')} with ${JSON.stringify(env)}`);
    return snapshot;
  };

  it('prints the same help, version and machine output as the npm build', async () => {
    assert.match((await same(['--help'])).stdout, /^kubectl uimgacc: /);
    await same([]);
    await same(['-h']);
    await same(['patch', '--help']);
    await same(['--help', '-v']);
    assert.match((await same(['version', '--client'])).stdout, /^Plugin Version: /);
    assert.equal(JSON.parse((await same(['version', '--client', '-o', 'json'])).stdout).clientVersion.node, process.version);
    await same(['version', '--client', '-o', 'yaml']);
  });

  it('prints the same at a terminal (a pseudo-terminal from script(1)), where only version is prerendered', { skip: hasScript ? false : 'no script(1)' }, async () => {
    const atTerminal = (cmd: readonly string[], env: Readonly<Record<string, string>>): Promise<ProcessOutput> => exec('script', ['-qec', cmd.join(' '), '/dev/null'], env);
    for (const args of [['--help'], ['version', '--client'], ['version', '--client', '-o', 'json']]) {
      for (const env of [{}, { LANG: 'zh_CN.UTF-8' }, { FORCE_COLOR: '3', COLUMNS: '50' }] as Record<string, string>[]) {
        const snapshot = await atTerminal([sea, ...args], env);
        assert.deepEqual(snapshot, await atTerminal([process.execPath, CLI, ...args], env), `${args.join(' ')} with ${JSON.stringify(env)}`);
        assert.equal(snapshot.code, 0);
      }
    }
  });

  it('fails the same way, with the same exit code', async () => {
    assert.equal((await same(['no-such-command'])).code, 1);
    assert.equal((await same(['status', '-o', 'bogus'])).code, 1);
    assert.equal((await same(['version', '--client', '--no-such-flag'])).code, 1);
  });

  it('reads the environment when it runs, not when it was built: locale, colour, UCloud settings', async () => {
    await same(['--help'], { LANG: 'en_US.UTF-8' });
    await same(['--help'], { LC_ALL: 'zh_CN.UTF-8' });
    await same(['no-such-command'], { LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'C' });
    await same(['--help'], { FORCE_COLOR: '1' });
    await same(['--help'], { NO_COLOR: '1', COLUMNS: '200' });
    // Each of these changes what --help or version prints, or may: the executable runs the command line instead of
    // printing what it rendered at build time.
    await same(['--help'], { YARGS_DISABLE_WRAP: '1' });
    await same(['version', '--client'], { FORCE_COLOR: '1' });
    await same(['version', '--client', '-o', 'json'], { LANG: 'zh_CN.UTF-8' });
    await same(['version', '--client'], { LC_ALL: 'zh_CN.UTF-8' });
    await same([], { LANG: 'zh_CN.UTF-8' });
    const env = { UCLOUD_PUBLIC_KEY: 'startup-pub', UCLOUD_PRIVATE_KEY: 'startup-priv', UCLOUD_API_BASE_URL: sim.url, UCLOUD_UK8S_CLUSTER_ID: 'uk8s-startup01', UCLOUD_REGION: 'cn-bj2' };
    const status = await same(['status', '-o', 'json'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /startup\/app:v1-acc/);
    await same(['status', '-v'], env);
    // Missing settings are explained alike (nothing from the build environment fills them in).
    assert.equal((await same(['status'], { UCLOUD_API_BASE_URL: sim.url })).code, 1);
  });

  it('talks to a Kubernetes cluster the same way (the Kubernetes client, a program of its own, compiled from its code cache)', async () => {
    const cp = await sharedControlPlane();
    const ns = await uniqueNamespace('startup');
    await kubectlAdmin(['-n', ns, 'create', 'deployment', 'web', '--image=uhub.service.ucloud.cn/startup/app:v1-acc']);
    const env = { UCLOUD_PUBLIC_KEY: 'startup-pub', UCLOUD_PRIVATE_KEY: 'startup-priv', UCLOUD_API_BASE_URL: sim.url, UCLOUD_UK8S_CLUSTER_ID: 'uk8s-startup01', UCLOUD_REGION: 'cn-bj2', KUBECONFIG: cp.kubeconfigPath };
    const uses = await same(['who-uses', 'uhub.service.ucloud.cn/startup/app:v1-acc', '-n', ns, '-o', 'json'], env);
    assert.equal(uses.code, 0, uses.stderr);
    assert.match(uses.stdout, /"web"/);
    // Refused (by the in-use check, or earlier by the cluster identity check): whichever, alike in both builds.
    assert.notEqual((await same(['delete', 'uhub.service.ucloud.cn/startup/app:v1', '--dry-run=client'], env)).code, 0);
  });

  it('starts each program from its code cache, which V8 accepts in this executable with its options', async () => {
    const env = { UCLOUD_PUBLIC_KEY: 'startup-pub', UCLOUD_PRIVATE_KEY: 'startup-priv', UCLOUD_API_BASE_URL: sim.url, UCLOUD_UK8S_CLUSTER_ID: 'uk8s-startup01', UCLOUD_REGION: 'cn-bj2', UIMGACC_DEBUG_STARTUP: '1' };
    const status = await exec(sea, ['status'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stderr, /^startup: cli\.cjs: from its code cache$/m);
    const kube = await exec(sea, ['who-uses', 'uhub.service.ucloud.cn/startup/app:v1-acc', '--server=http://127.0.0.1:1'], env);
    assert.match(kube.stderr, /^startup: kube\.cjs: from its code cache$/m);
    assert.match((await exec(sea, ['__complete', 'patch', '--d'], { UIMGACC_DEBUG_STARTUP: '1' })).stderr, /^startup: complete\.cjs: from its code cache$/m);
    // Nothing is said without the setting.
    assert.doesNotMatch((await exec(sea, ['status'], { ...env, UIMGACC_DEBUG_STARTUP: '' })).stderr, /startup:/);
  });

  it('completes the same candidates', async () => {
    const r = await exec(sea, ['__complete', 'patch', '--d'], {});
    assert.deepEqual(r, await exec(process.execPath, [CLI, '__complete', 'patch', '--d'], {}));
    assert.match(r.stdout, /^--dry-run\n--diff\n:4\n$/);
    // Command descriptions in the user's language, as the npm build gives them.
    for (const env of [{}, { LANG: 'zh_CN.UTF-8' }] as Record<string, string>[]) assert.deepEqual(await exec(sea, ['__complete', ''], env), await exec(process.execPath, [CLI, '__complete', ''], env));
  });
});

/** The internal modules of Node a command of the npm build loads (process.moduleLoadList at exit). */
async function builtinsLoaded(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string[]> {
  const hook = "process.on('exit',()=>process.stderr.write('\\n@@builtins '+JSON.stringify(process.moduleLoadList)+'\\n'))";
  const r = await exec(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, CLI, ...args], env);
  const line = r.stderr.split('\n').find((l) => l.startsWith('@@builtins '));
  assert.ok(line, r.stderr);
  return JSON.parse(line.slice('@@builtins '.length)) as string[];
}

describe('the npm build', () => {
  it('prints --help as rendered at build time exactly as its command line renders it (run from source)', async () => {
    const source = join(ROOT, 'cmd', 'entry.ts');
    for (const args of [[], ['--help'], ['-h']]) {
      for (const env of [{}, { LANG: 'zh_CN.UTF-8' }, { FORCE_COLOR: '1' }, { YARGS_DISABLE_WRAP: '1' }, { COLUMNS: '40' }] as Record<string, string>[]) {
        const [built, fromSource] = await Promise.all([exec(process.execPath, [CLI, ...args], env), exec(process.execPath, [source, ...args], env)]);
        assert.deepEqual(built, fromSource, `${args.join(' ')} with ${JSON.stringify(env)}`);
      }
    }
    // The prerendered help needs no command line: yargs is not loaded.
    const { loadedFiles } = await import('../../bench/startup.ts');
    const files = await loadedFiles([CLI, '--help']);
    assert.ok(files.length > 0 && !files.some((f) => /[\\/]main-[^/\\]*\.mjs$/.test(f)), files.join(', '));
  });

  it('prints version --client as rendered at build time, filled in with the Node that runs it, exactly as its command line prints it', async () => {
    // The real command line of the same build: a copy of dist/ without the prerendered outputs runs it.
    const tmp = mkdtempSync(join(tmpdir(), 'uimgacc-npm-version-'));
    try {
      cpSync(dirname(CLI), tmp, { recursive: true });
      rmSync(join(tmp, 'prerendered.json'));
      const real = join(tmp, 'kubectl-uimgacc.mjs');
      // A Node unlike the one that built the package: a template kept with the build's names, or filled wrongly, shows.
      const other = `data:text/javascript,${encodeURIComponent("for (const [k, v] of Object.entries({ version: 'v99.1.2-rc.1', platform: 'freebsd', arch: 'riscv64' })) Object.defineProperty(process, k, { value: v });")}`;
      for (const node of [[], ['--import', other]]) {
        for (const args of [['version', '--client'], ['version', '--client', '-o', 'json'], ['version', '--client', '-o', 'yaml']]) {
          for (const env of [{}, { LANG: 'zh_CN.UTF-8' }, { FORCE_COLOR: '1' }, { YARGS_DISABLE_WRAP: '1' }] as Record<string, string>[]) {
            const [built, fromCommandLine] = await Promise.all([exec(process.execPath, [...node, CLI, ...args], env), exec(process.execPath, [...node, real, ...args], env)]);
            assert.deepEqual(built, fromCommandLine, `${node.join(' ')} ${args.join(' ')} with ${JSON.stringify(env)}`);
            assert.equal(built.code, 0);
          }
        }
      }
      const yaml = await exec(process.execPath, ['--import', other, CLI, 'version', '--client', '-o', 'yaml'], {});
      assert.match(yaml.stdout, /\n {2}node: v99\.1\.2-rc\.1\n {2}platform: freebsd\/riscv64\n$/);
      assert.match((await exec(process.execPath, [CLI, 'version', '--client'], { LANG: 'zh_CN.UTF-8' })).stdout, new RegExp(`Node\\.js：${process.version.replaceAll('.', '\\.')}（${process.platform}/${process.arch}）\n$`));
      // Printed without the command line (yargs is not loaded), in each language.
      const { loadedFiles } = await import('../../bench/startup.ts');
      for (const env of [{}, { LANG: 'zh_CN.UTF-8' }] as Record<string, string>[]) {
        for (const args of [['version', '--client'], ['version', '--client', '-o', 'json']]) {
          const files = await loadedFiles([CLI, ...args], env);
          assert.ok(files.length > 0 && !files.some((f) => /[\\/]main-[^/\\]*\.mjs$/.test(f)), files.join(', '));
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('loads no Node module that --help and version --client never use', async () => {
    for (const args of [['--help'], ['version', '--client']]) {
      const loaded = await builtinsLoaded(args);
      // Imported as whole ES module namespaces, fs and util used to evaluate every lazy export (fs/promises, readline,
      // worker_threads…); configuration code used to pull in the UCloud client and with it node:crypto.
      for (const unused of ['NativeModule internal/fs/promises', 'NativeModule worker_threads', 'NativeModule internal/readline/interface', 'NativeModule crypto']) {
        assert.ok(!loaded.includes(unused), `${args.join(' ')} loads ${unused}`);
      }
    }
  });

  it('sends the UCloud API request of status without Node\'s HTTP clients (node:http, fetch), and over http:// without node:crypto', async () => {
    const sim = await startSimulator({ accounts: [{ publicKey: 'startup-pub', privateKey: 'startup-priv' }], clusters: [{ clusterId: 'uk8s-startup02', region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true }] });
    try {
      const loaded = await builtinsLoaded(['status'], { UCLOUD_PUBLIC_KEY: 'startup-pub', UCLOUD_PRIVATE_KEY: 'startup-priv', UCLOUD_API_BASE_URL: sim.url, UCLOUD_UK8S_CLUSTER_ID: 'uk8s-startup02', UCLOUD_REGION: 'cn-bj2' });
      assert.ok(loaded.includes('NativeModule net'), 'status made no connection');
      // lib/ucloud/transport.ts speaks HTTP/1.1 itself: node:http compiles its agent, client and server modules at the
      // first request, fetch loads undici.
      for (const unused of ['NativeModule http', 'NativeModule _http_client', 'NativeModule internal/deps/undici/undici']) assert.ok(!loaded.includes(unused), `status loads ${unused}`);
      // The signature (SHA1, @noble/hashes) and the retry jitter need no node:crypto; over https node:tls loads it.
      assert.ok(!loaded.includes('NativeModule crypto'), 'status over http:// loads node:crypto');
    } finally {
      await sim.close();
    }
  });
});
