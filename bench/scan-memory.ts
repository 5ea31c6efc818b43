// Memory of the in-use scan as the cluster grows: scanImageUses (paged, streaming, keeps only matches) against
// loading every Pod in one unpaged list, on the same real apiserver, each measurement in a fresh process.
// Usage: node bench/scan-memory.ts [N ...]   (default 1000 5000 10000; needs the test binaries: npm run testbin)
//
// Each N is measured twice: with Node's default heap sizing, and with the V8 heap capped (old space 64 MiB, young
// semi-space 8 MiB), which shows the working set: a scan that streams fits in the same small heap at any N, a scan
// that loads everything runs out of memory. Reports peak RSS (getrusage), peak V8 heap in use (sampled every ms),
// the peak size of V8's young generation, and the heap still held after the scan and a full GC (what the result
// keeps). Env: SCAN_MEMORY_PAGE_SIZE (default 500), SCAN_MEMORY_CAP_FLAGS (the capped round's node flags).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const SELF = fileURLToPath(import.meta.url);
const TARGET = 'uhub.service.ucloud.cn/bench/app:v1-acc';
const NAMESPACES = 20;
const CAP_FLAGS = (process.env['SCAN_MEMORY_CAP_FLAGS'] ?? '--max-old-space-size=64 --max-semi-space-size=8').split(' ').filter(Boolean);

interface Sample {
  readonly seconds: number;
  readonly rssBeforeMiB: number;
  readonly peakRssMiB: number;
  readonly peakHeapUsedMiB: number;
  /** V8 sizes its young generation by allocation rate: most of the RSS growth without caps is this. */
  readonly peakNewSpaceMiB: number;
  readonly peakOldSpaceMiB: number;
  readonly keptAfterGcMiB: number;
  readonly objects: number;
  readonly uses: number;
}

const MiB = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** The measured side: one scan in this fresh process; prints a Sample as JSON. */
async function child(mode: string, kubeconfig: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const { KubeAccess } = await import('../lib/kube/access.ts');
  const { scanImageUses } = await import('../lib/inuse/scan.ts');
  const { listPages } = await import('../lib/kube/rawlist.ts');
  const kube = new KubeAccess({ kubeconfig }, {});
  // Warm up (module loading, TLS) so that only the scan itself differs between runs.
  await scanImageUses(kube, [TARGET], { namespace: 'kube-system' });
  gc();
  const rssBefore = process.memoryUsage().rss;
  let peakHeap = 0;
  let peakNew = 0;
  let peakOld = 0;
  const sample = (): void => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    for (const s of v8.getHeapSpaceStatistics()) {
      if (s.space_name === 'new_space') peakNew = Math.max(peakNew, s.space_size);
      if (s.space_name === 'old_space') peakOld = Math.max(peakOld, s.space_size);
    }
  };
  sample();
  const timer = setInterval(sample, 1);
  const started = performance.now();
  let objects: number;
  let uses: number;
  let keep: unknown;
  if (mode === 'scan') {
    const r = await scanImageUses(kube, [TARGET], { pageSize: Number(process.env['SCAN_MEMORY_PAGE_SIZE'] ?? 500) });
    objects = Object.values(r.scanned).reduce((a, b) => a + b, 0);
    uses = r.uses.length;
    keep = r;
  } else {
    // The naive way: every Pod in one response, parsed whole, then searched.
    type PodLike = { spec?: { containers?: { image?: string }[] } };
    const all: PodLike[] = [];
    for await (const page of listPages<PodLike>(kube, '/api/v1/pods', 1_000_000_000)) {
      sample();
      all.push(...page.items);
    }
    objects = all.length;
    uses = all.filter((p) => p.spec?.containers?.some((c) => c.image === TARGET)).length;
    keep = all;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  gc();
  const kept = process.memoryUsage().heapUsed;
  const out: Sample = {
    seconds: Math.round(seconds * 100) / 100,
    rssBeforeMiB: MiB(rssBefore),
    peakRssMiB: MiB(process.resourceUsage().maxRSS * 1024),
    peakHeapUsedMiB: MiB(peakHeap),
    peakNewSpaceMiB: MiB(peakNew),
    peakOldSpaceMiB: MiB(peakOld),
    keptAfterGcMiB: MiB(kept),
    objects,
    uses,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  void keep;
}

/** One measurement in a fresh process; undefined when it ran out of memory under capped flags. */
function runChild(mode: string, kubeconfig: string, flags: readonly string[]): Promise<Sample | undefined> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', ...flags, SELF, '--child', mode, kubeconfig], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code === 0) return resolve(JSON.parse(out) as Sample);
      if (flags.length && /heap out of memory|Allocation failed/.test(err)) return resolve(undefined);
      reject(new Error(`child ${mode} exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** A Pod of a realistic size (~2.5 KB of JSON): labels, annotations, env, resources, probe, init and sidecar. */
function podBody(i: number): object {
  // One Pod in a hundred uses the target; the rest use look-alikes that must not match.
  const image = i % 100 === 0 ? TARGET : `uhub.service.ucloud.cn/bench/app:v1-acc-${i % 7}`;
  return {
    metadata: {
      name: `p-${i}`,
      labels: { app: `app-${i % 50}`, tier: 'web', 'pod-template-hash': `h${i % 13}` },
      annotations: { 'example.com/owner': `team-${i % 9}`, 'example.com/config': 'x'.repeat(300) },
    },
    spec: {
      initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'true'] }],
      containers: [
        {
          name: 'main',
          image,
          env: Array.from({ length: 8 }, (_, k) => ({ name: `VAR_${k}`, value: `value-${k}-${'y'.repeat(40)}` })),
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
        },
        { name: 'sidecar', image: 'docker.io/library/nginx:1.27' },
      ],
    },
  };
}

interface Row {
  readonly pods: number;
  readonly mode: 'scan' | 'unpaged';
  readonly flags: string;
  readonly sample: Sample | undefined;
}

async function main(): Promise<void> {
  const { startControlPlane } = await import('../test/controlplane/controlplane.ts');
  const { createAll } = await import('./lib.ts');
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const cp = await startControlPlane();
  const rows: Row[] = [];
  try {
    await createAll(cp, Array.from({ length: NAMESPACES }, (_, i) => ({ path: '/api/v1/namespaces', body: { metadata: { name: `mem-${i}` } } })));
    let seeded = 0;
    for (const n of sizes.length ? sizes : [1000, 5000, 10000]) {
      const t = Date.now();
      const items: { path: string; body: object }[] = [];
      for (; seeded < n; seeded++) items.push({ path: `/api/v1/namespaces/mem-${seeded % NAMESPACES}/pods`, body: podBody(seeded) });
      await createAll(cp, items, 32);
      process.stderr.write(`seeded ${n} Pods in ${((Date.now() - t) / 1000).toFixed(1)}s\n`);
      for (const flags of [[], CAP_FLAGS]) {
        for (const mode of ['scan', 'unpaged'] as const) {
          const row: Row = { pods: n, mode, flags: flags.join(' '), sample: await runChild(mode, cp.kubeconfigPath, flags) };
          rows.push(row);
          process.stderr.write(`${JSON.stringify(row)}\n`);
        }
      }
    }
  } finally {
    await cp.stop();
  }
  const how = (r: Row): string => `${r.mode === 'scan' ? 'scanImageUses, pages of 500' : 'one unpaged list of every Pod'}${r.flags ? `, ${r.flags}` : ''}`;
  process.stdout.write('| Pods | how | seconds | peak RSS MiB (before scan) | peak heap used MiB | peak young gen MiB | heap kept after GC MiB | uses |\n');
  process.stdout.write('|---:|---|---:|---:|---:|---:|---:|---:|\n');
  for (const r of rows) {
    const s = r.sample;
    if (!s) process.stdout.write(`| ${r.pods} | ${how(r)} | out of memory | | | | | |\n`);
    else process.stdout.write(`| ${r.pods} | ${how(r)} | ${s.seconds} | ${s.peakRssMiB} (${s.rssBeforeMiB}) | ${s.peakHeapUsedMiB} | ${s.peakNewSpaceMiB} | ${s.keptAfterGcMiB} | ${s.uses} |\n`);
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/scan-memory.json', JSON.stringify(rows, null, 2) + '\n');
}

if (process.argv[2] === '--child') await child(process.argv[3] as string, process.argv[4] as string);
else await main();
