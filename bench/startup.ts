// Start-up time of the quick paths (`--help`, `version --client`, completion) and of `status` against the UCloud
// simulator, compared with `node -e 0` on the same runtime and with `kubectl version --client`; plus which bundle
// chunks each one loads (the Kubernetes client must not be among them).
//   npm run bench:startup [-- --runs=20 --sea=PATH_TO_SINGLE_EXECUTABLE]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const args = process.argv.slice(2);
const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 20);
const sea = args.find((a) => a.startsWith('--sea='))?.slice(6);

// Records every module file the ESM loader loads, printed at exit (a synchronous hook: nothing is changed).
const TRACE = `data:text/javascript,${encodeURIComponent(
  "import{registerHooks}from'node:module';const l=[];registerHooks({load(u,c,n){l.push(u);return n(u,c)}});process.on('exit',()=>process.stderr.write('\\n@@loaded '+JSON.stringify(l)+'\\n'))",
)}`;

/** Chunks of the bundle that hold @kubernetes/client-node (its generated models carry attributeTypeMap). */
export function kubeChunks(): Set<string> {
  const dir = join(DIST, 'chunks');
  return new Set(readdirSync(dir).filter((f) => f.endsWith('.mjs') && readFileSync(join(dir, f), 'utf8').includes('attributeTypeMap')).map((f) => join(dir, f)));
}

/** The bundle files a command loads. */
export async function loadedFiles(argv: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', TRACE, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: '/nonexistent-uimgacc-home', ...env } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await new Promise((resolve) => child.on('close', resolve));
  const line = stderr.split('\n').find((l) => l.startsWith('@@loaded '));
  const urls = line ? (JSON.parse(line.slice(9)) as string[]) : [];
  return urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)).filter((f) => f.startsWith(DIST));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

interface Case {
  readonly name: string;
  readonly cmd: string;
  readonly argv: readonly string[];
  readonly trace?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

// Asynchronous, so that the in-process simulator can answer `status` while it runs.
function once(c: Case): Promise<number> {
  const t = process.hrtime.bigint();
  const child = spawn(c.cmd, c.argv, { stdio: 'ignore', env: { ...process.env, HOME: '/nonexistent-uimgacc-home', ...c.env } });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Number(process.hrtime.bigint() - t) / 1e6);
      else reject(new Error(`${c.cmd} ${c.argv.join(' ')} exited ${code}`));
    });
  });
}

/**
 * Median per case. The cases take turns (round robin) rather than running one after another, so that a slow spell
 * of a shared machine hits every case alike and the ratios stay fair. Two warm-up rounds fill the on-disk compile
 * cache, as any second invocation in real use finds it.
 */
async function timeAll(cases: readonly Case[]): Promise<number[]> {
  const samples = cases.map((): number[] => []);
  for (let i = 0; i < runs + 2; i++) {
    for (const [j, c] of cases.entries()) {
      const ms = await once(c);
      if (i >= 2) samples[j]?.push(ms);
    }
  }
  return samples.map(median);
}

if (import.meta.main) {
  const { kubectlBinary } = await import('../test/controlplane/testbin.ts');
  const { startSimulator } = await import('../test/simulator/server.ts');
  const sim = await startSimulator({
    accounts: [{ publicKey: 'bench-pub', privateKey: 'bench-priv' }],
    clusters: [{ clusterId: 'uk8s-bench0001', region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: 'uhub.service.ucloud.cn/bench/app:v1', TargetImage: 'uhub.service.ucloud.cn/bench/app:v1-acc' }] }],
  });
  // status with the cluster and key pair from the environment: no Kubernetes cluster involved, one signed API call.
  const simEnv = { UCLOUD_PUBLIC_KEY: 'bench-pub', UCLOUD_PRIVATE_KEY: 'bench-priv', UCLOUD_API_BASE_URL: sim.url, UCLOUD_UK8S_CLUSTER_ID: 'uk8s-bench0001', UCLOUD_REGION: 'cn-bj2' };
  const cli = join(DIST, 'kubectl-uimgacc.mjs');
  const comp = join(DIST, 'kubectl_complete-uimgacc.mjs');
  const cases: Case[] = [
    { name: 'node -e 0', cmd: process.execPath, argv: ['-e', '0'] },
    { name: 'kubectl version --client', cmd: kubectlBinary(), argv: ['version', '--client'] },
    { name: '--help', cmd: process.execPath, argv: [cli, '--help'], trace: [cli, '--help'] },
    { name: 'version --client', cmd: process.execPath, argv: [cli, 'version', '--client'], trace: [cli, 'version', '--client'] },
    { name: 'completion (patch --d)', cmd: process.execPath, argv: [comp, 'patch', '--d'], trace: [comp, 'patch', '--d'] },
    { name: 'status (simulator)', cmd: process.execPath, argv: [cli, 'status'], trace: [cli, 'status'], env: simEnv },
  ];
  if (sea) {
    cases.push(
      { name: 'SEA version --client', cmd: sea, argv: ['version', '--client'] },
      { name: 'SEA --help', cmd: sea, argv: ['--help'] },
      { name: 'SEA completion', cmd: sea, argv: ['__complete', 'patch', '--d'] },
    );
  }
  let times: number[];
  let traces: (string[] | undefined)[];
  try {
    times = await timeAll(cases);
    traces = await Promise.all(cases.map((c) => (c.trace ? loadedFiles(c.trace, c.env) : undefined)));
  } finally {
    await sim.close();
  }
  const heavy = kubeChunks();
  const node0 = times[0] ?? 1;
  const kubectl = times[1] ?? 1;
  const rows = cases.map((c, i) => {
    const ms = times[i] ?? 0;
    const files = traces[i];
    const kube = files ? (files.some((f) => heavy.has(f)) ? 'YES' : 'no') : '-';
    const quick = i >= 2 && !c.name.startsWith('status');
    return [c.name, ms.toFixed(1), (ms / node0).toFixed(2) + '×', (ms / kubectl).toFixed(2) + '×', quick ? (ms / node0 <= 2 ? 'ok' : 'over 2×') : '-', files ? String(files.length) : '-', kube];
  });
  const head = ['command', 'median ms', '× node -e 0', '× kubectl version --client', 'goal ≤ 2× node', 'bundle files', 'client-node loaded'];
  process.stdout.write(`Node ${process.version}, ${runs} interleaved runs each (median), ${cpus().length} CPUs\n\n`);
  process.stdout.write(`| ${head.join(' | ')} |\n|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|\n`);
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
}
