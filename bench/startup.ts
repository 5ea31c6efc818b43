// Start-up time of the quick paths (`--help`, `version --client`, completion) against `node -e 0` on the same
// runtime, median of N runs, plus which bundle chunks each one loads (the Kubernetes client must not be among them).
//   npm run bench:startup [-- --runs=20 --sea=PATH_TO_SINGLE_EXECUTABLE]
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
export function loadedFiles(argv: readonly string[]): string[] {
  const r = spawnSync(process.execPath, ['--import', TRACE, ...argv], { encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent-uimgacc-home' } });
  const line = r.stderr.split('\n').find((l) => l.startsWith('@@loaded '));
  const urls = line ? (JSON.parse(line.slice(9)) as string[]) : [];
  return urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)).filter((f) => f.startsWith(DIST));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function time(cmd: string, argv: readonly string[]): number {
  const samples: number[] = [];
  // Two warm-up runs fill the on-disk compile cache, as any second invocation in real use finds it.
  for (let i = 0; i < runs + 2; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, argv, { stdio: 'ignore', env: { ...process.env, HOME: '/nonexistent-uimgacc-home' } });
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}`);
    if (i >= 2) samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(samples);
}

if (import.meta.main) {
  const cli = join(DIST, 'kubectl-uimgacc.mjs');
  const comp = join(DIST, 'kubectl_complete-uimgacc.mjs');
  const cases: { name: string; cmd: string; argv: string[]; trace?: string[] }[] = [
    { name: 'node -e 0', cmd: process.execPath, argv: ['-e', '0'] },
    { name: '--help', cmd: process.execPath, argv: [cli, '--help'], trace: [cli, '--help'] },
    { name: 'version --client', cmd: process.execPath, argv: [cli, 'version', '--client'], trace: [cli, 'version', '--client'] },
    { name: 'completion (patch --d)', cmd: process.execPath, argv: [comp, 'patch', '--d'], trace: [comp, 'patch', '--d'] },
  ];
  if (sea) {
    cases.push(
      { name: 'SEA version --client', cmd: sea, argv: ['version', '--client'] },
      { name: 'SEA --help', cmd: sea, argv: ['--help'] },
      { name: 'SEA completion', cmd: sea, argv: ['__complete', 'patch', '--d'] },
    );
  }
  const heavy = kubeChunks();
  const rows: string[][] = [];
  let base = 0;
  for (const c of cases) {
    const ms = time(c.cmd, c.argv);
    if (!base) base = ms;
    const files = c.trace ? loadedFiles(c.trace) : undefined;
    const kube = files ? (files.some((f) => heavy.has(f)) ? 'YES' : 'no') : '-';
    rows.push([c.name, ms.toFixed(1), (ms / base).toFixed(2) + '×', ms / base <= 2 ? 'ok' : 'over 2×', files ? String(files.length) : '-', kube]);
  }
  const head = ['command', 'median ms', 'vs node -e 0', 'goal ≤ 2×', 'bundle files', 'client-node loaded'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i] ?? 0)).join('   ').trimEnd();
  console.log(`Node ${process.version}, ${runs} runs each (median)`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}
