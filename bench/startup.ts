// Start-up time of the quick paths (`--help`, `version --client`, completion) and of `status` against the UCloud
// simulator, for the npm build and for the single executable, each compared in the same run with `node -e 0` on the
// same Node and with `kubectl version --client`; `--help` and `version --client` also in Simplified Chinese
// (LANG=zh_CN.UTF-8: a start pays only for the language it uses); plus which bundle files each npm command loads (the
// Kubernetes client must not be among them, nor the Chinese catalog in English).
//
//   npm run bench:startup [-- --runs=25 --sea=PATH]     PATH: a single executable; default: `npm run package -- --host`
//   ... --before-npm=DIR --before-sea=PATH               also time an older npm build (a checkout with dist/ and bin/)
//                                                        and an older single executable, in the same rounds
//
// Goals (issue #17): single executable --help, version --client and completion ≤ 0.9× kubectl version --client;
// its `status` ≤ 2× node -e 0 plus one UCloud API round trip (measured here on a new connection, as a new process
// makes it); npm build --help and version --client ≤ 2× node -e 0.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib.ts';
import { flattenParams, signParams } from '../lib/ucloud/signature.ts';
import { zhCN } from '../lib/i18n/zh-CN/index.ts';
import { allMessages } from '../lib/i18n/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const runs = Number(option('runs') ?? 25);

// Records every module file the ESM loader loads, printed at exit (a synchronous hook: nothing is changed).
const TRACE = `data:text/javascript,${encodeURIComponent(
  "import{registerHooks}from'node:module';const l=[];registerHooks({load(u,c,n){l.push(u);return n(u,c)}});process.on('exit',()=>process.stderr.write('\\n@@loaded '+JSON.stringify(l)+'\\n'))",
)}`;

/** Chunks of the bundle that hold @kubernetes/client-node (its generated models carry attributeTypeMap). */
export function kubeChunks(dist = DIST): Set<string> {
  const dir = join(dist, 'chunks');
  return new Set(readdirSync(dir).filter((f) => f.endsWith('.mjs') && readFileSync(join(dir, f), 'utf8').includes('attributeTypeMap')).map((f) => join(dir, f)));
}

/** Chunks of the bundle that hold the Simplified Chinese catalog. */
export function chineseChunks(dist = DIST): Set<string> {
  const dir = join(dist, 'chunks');
  // esbuild writes non-ASCII characters as \uXXXX escapes.
  const escape = (m: string): string => m.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  const messages = Object.values(allMessages(zhCN)).filter((m) => m.length >= 3 && /[\u0100-\uffff]/.test(m)).map(escape);
  return new Set(readdirSync(dir).filter((f) => f.endsWith('.mjs') && messages.some((m) => readFileSync(join(dir, f), 'utf8').includes(m))).map((f) => join(dir, f)));
}

/** The bundle files a command loads. */
export async function loadedFiles(argv: readonly string[], env: Readonly<Record<string, string>> = {}, dist = DIST): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', TRACE, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: '/nonexistent-uimgacc-home', ...env } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await new Promise((resolve) => child.on('close', resolve));
  const line = stderr.split('\n').find((l) => l.startsWith('@@loaded '));
  const urls = line ? (JSON.parse(line.slice(9)) as string[]) : [];
  return urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)).filter((f) => f.startsWith(dist));
}

type Goal = 'node' | 'kubectl' | 'api' | undefined;

interface Case {
  readonly build: string;
  readonly name: string;
  readonly cmd: string;
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly goal?: Goal;
  /** For npm builds: the dist/ whose files the command loads are listed. */
  readonly dist?: string;
}

// Asynchronous, so that the in-process simulator can answer `status` while it runs.
function once(c: Case): Promise<number> {
  const t = process.hrtime.bigint();
  const child = spawn(c.cmd, c.argv, { stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent-uimgacc-home', ...c.env } });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Number(process.hrtime.bigint() - t) / 1e6);
      else reject(new Error(`${c.cmd} ${c.argv.join(' ')} exited ${code}`));
    });
  });
}

/** One signed UCloud API call to the simulator on a new connection, as the `status` process makes it. */
function apiRoundTrip(url: string, clusterId: string): Promise<number> {
  const body = new URLSearchParams(signParams(flattenParams({ Action: 'GetUK8SImageAccelerate', Region: 'cn-bj2', ClusterId: clusterId }), 'bench-pub', 'bench-priv')).toString();
  const t = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(Number(process.hrtime.bigint() - t) / 1e6));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Median per case. The cases take turns (round robin) rather than running one after another, so that a slow spell
 * of a shared machine hits every case alike and the ratios stay fair. Two warm-up rounds fill the on-disk compile
 * cache, as any second invocation in real use finds it.
 */
async function timeAll(cases: readonly Case[], extra: () => Promise<number>): Promise<{ times: number[]; extra: number }> {
  const samples = cases.map((): number[] => []);
  const extras: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    for (const [j, c] of cases.entries()) {
      const ms = await once(c);
      if (i >= 2) samples[j]?.push(ms);
    }
    const ms = await extra();
    if (i >= 2) extras.push(ms);
  }
  return { times: samples.map(median), extra: median(extras) };
}

/** The single executable of this checkout, as `npm run package -- --host` makes it. */
function packageHost(): { path: string; cleanup: () => void } {
  const out = mkdtempSync(join(tmpdir(), 'uimgacc-bench-sea-'));
  execFileSync(process.execPath, [join(ROOT, 'scripts/package.ts'), '--host', `--out=${out}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const archive = readdirSync(out).find((f) => f.endsWith('.tar.gz'));
  if (!archive) throw new Error(`npm run package -- --host left no archive in ${out}`);
  execFileSync('tar', ['-xzf', join(out, archive), '-C', out]);
  return { path: join(out, 'kubectl-uimgacc'), cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

const ZH = { LANG: 'zh_CN.UTF-8' };

function npmCases(build: string, dir: string, simEnv: Record<string, string>): Case[] {
  const cli = join(dir, 'bin', 'kubectl-uimgacc.mjs');
  const comp = join(dir, 'bin', 'kubectl_complete-uimgacc.mjs');
  const dist = join(dir, 'dist');
  return [
    { build, name: '--help', cmd: process.execPath, argv: [cli, '--help'], goal: 'node', dist },
    { build, name: 'version --client', cmd: process.execPath, argv: [cli, 'version', '--client'], goal: 'node', dist },
    { build, name: 'completion (patch --d)', cmd: process.execPath, argv: [comp, 'patch', '--d'], goal: 'node', dist },
    { build, name: 'status (simulator)', cmd: process.execPath, argv: [cli, 'status'], env: simEnv, dist },
    { build, name: '--help (zh_CN)', cmd: process.execPath, argv: [cli, '--help'], env: ZH, goal: 'node', dist },
    { build, name: 'version --client (zh_CN)', cmd: process.execPath, argv: [cli, 'version', '--client'], env: ZH, goal: 'node', dist },
  ];
}

function seaCases(build: string, sea: string, simEnv: Record<string, string>): Case[] {
  return [
    { build, name: '--help', cmd: sea, argv: ['--help'], goal: 'kubectl' },
    { build, name: 'version --client', cmd: sea, argv: ['version', '--client'], goal: 'kubectl' },
    { build, name: 'completion (patch --d)', cmd: sea, argv: ['__complete', 'patch', '--d'], goal: 'kubectl' },
    { build, name: 'status (simulator)', cmd: sea, argv: ['status'], env: simEnv, goal: 'api' },
    { build, name: '--help (zh_CN)', cmd: sea, argv: ['--help'], env: ZH, goal: 'kubectl' },
    { build, name: 'version --client (zh_CN)', cmd: sea, argv: ['version', '--client'], env: ZH, goal: 'kubectl' },
  ];
}

if (import.meta.main) {
  const { kubectlBinary } = await import('../test/controlplane/testbin.ts');
  const { startSimulator } = await import('../test/simulator/server.ts');
  const packaged = option('sea') === undefined ? packageHost() : undefined;
  const sea = option('sea') ?? packaged?.path ?? '';
  const sim = await startSimulator({
    accounts: [{ publicKey: 'bench-pub', privateKey: 'bench-priv' }],
    clusters: [{ clusterId: 'uk8s-bench0001', region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: 'uhub.service.ucloud.cn/bench/app:v1', TargetImage: 'uhub.service.ucloud.cn/bench/app:v1-acc' }] }],
  });
  // status with the cluster and key pair from the environment: no Kubernetes cluster involved, one signed API call.
  const simEnv = { UCLOUD_PUBLIC_KEY: 'bench-pub', UCLOUD_PRIVATE_KEY: 'bench-priv', UCLOUD_API_BASE_URL: sim.url, UCLOUD_UK8S_CLUSTER_ID: 'uk8s-bench0001', UCLOUD_REGION: 'cn-bj2' };
  const beforeNpm = option('before-npm');
  const beforeSea = option('before-sea');
  const cases: Case[] = [
    { build: '-', name: 'node -e 0', cmd: process.execPath, argv: ['-e', '0'] },
    { build: '-', name: 'kubectl version --client', cmd: kubectlBinary(), argv: ['version', '--client'] },
    ...npmCases('npm', ROOT, simEnv),
    ...seaCases('single executable', sea, simEnv),
    ...(beforeNpm ? npmCases('npm (before)', beforeNpm, simEnv) : []),
    ...(beforeSea ? seaCases('single executable (before)', beforeSea, simEnv) : []),
  ];
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  let times: number[];
  let rtt: number;
  let traces: (string[] | undefined)[];
  try {
    ({ times, extra: rtt } = await timeAll(cases, () => apiRoundTrip(sim.url, 'uk8s-bench0001')));
    traces = await Promise.all(cases.map((c) => (c.dist && c.argv[0] ? loadedFiles(c.argv, c.env, c.dist) : undefined)));
  } finally {
    await sim.close();
    packaged?.cleanup();
  }
  const node0 = times[0] ?? 1;
  const kubectl = times[1] ?? 1;
  const heavy = new Map<string, Set<string>>();
  const chinese = new Map<string, Set<string>>();
  const rows = cases.map((c, i) => {
    const ms = times[i] ?? 0;
    const files = traces[i];
    const chunks = c.dist ? (heavy.get(c.dist) ?? heavy.set(c.dist, kubeChunks(c.dist)).get(c.dist)) : undefined;
    const kube = files && chunks ? (files.some((f) => chunks.has(f)) ? 'YES' : 'no') : '-';
    const zh = c.dist ? (chinese.get(c.dist) ?? chinese.set(c.dist, chineseChunks(c.dist)).get(c.dist)) : undefined;
    const catalog = files && zh ? (files.some((f) => zh.has(f)) ? 'yes' : 'no') : '-';
    const limit = c.goal === 'node' ? 2 * node0 : c.goal === 'kubectl' ? 0.9 * kubectl : c.goal === 'api' ? 2 * node0 + rtt : undefined;
    const goal = limit === undefined ? '-' : `${c.goal === 'node' ? '≤ 2× node' : c.goal === 'kubectl' ? '≤ 0.9× kubectl' : '≤ 2× node + API'} (${limit.toFixed(0)} ms): ${ms <= limit ? 'met' : 'missed'}`;
    return [c.name, c.build, ms.toFixed(1), (ms / node0).toFixed(2) + '×', (ms / kubectl).toFixed(2) + '×', goal, files ? String(files.length) : '-', kube, catalog];
  });
  const head = ['command', 'build', 'median ms', '× node -e 0', '× kubectl version --client', 'goal', 'bundle files', 'client-node loaded', 'zh-CN catalog loaded'];
  process.stdout.write(`Node ${process.version}, ${runs} interleaved runs each (median), ${cpus().length} CPUs, load average ${load} at the start; UCloud API round trip (new connection, simulator): ${rtt.toFixed(1)} ms\n\n`);
  process.stdout.write(`| ${head.join(' | ')} |\n|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|\n`);
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
}
