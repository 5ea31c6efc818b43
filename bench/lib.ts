import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { kubeconfigYaml, type ControlPlaneInfo } from '../test/controlplane/controlplane.ts';
import { makeServingCert } from '../test/helpers/tls.ts';
import { kubectlBinary } from '../test/controlplane/testbin.ts';

export interface Measured {
  readonly seconds: number;
  readonly maxRssKiB: number;
  readonly code: number;
}

/** Runs a command under GNU time: wall seconds and peak RSS of the process. Output is discarded. */
export function measure(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = err.trim().split('\n').pop() ?? '';
      const m = /^([\d.]+) (\d+)$/.exec(last);
      if (!m) return reject(new Error(`could not read GNU time output: ${err.slice(-500)}`));
      resolve({ seconds: Number(m[1]), maxRssKiB: Number(m[2]), code: code ?? 1 });
    });
  });
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** POSTs objects to the apiserver with bounded concurrency (seeding thousands of objects quickly). */
export async function createAll(cp: ControlPlaneInfo, items: readonly { path: string; body: object }[], concurrency = 24): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as { path: string; body: object };
      await post(cp, item.path, item.body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function post(cp: ControlPlaneInfo, path: string, body: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(new URL(path, cp.server), {
      method: 'POST',
      ca: Buffer.from(cp.caData, 'base64'),
      headers: { Authorization: `Bearer ${cp.adminToken}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300) || res.statusCode === 409 ? resolve() : reject(new Error(`POST ${path}: HTTP ${res.statusCode}`)));
    });
    req.on('error', reject);
    req.end(data);
  });
}

export interface ScanRow {
  readonly pods: number;
  readonly command: string;
  readonly seconds: number;
  readonly maxRssMiB: number;
  readonly exit: number;
}

/**
 * The in-use scan commands against kubectl reading the same kinds, each the median of `runs` runs in a fresh process:
 * `delete TARGET --dry-run`, `who-uses -A`, and `who-uses -A` with the V8 heap capped at 48 MiB (what the scan keeps
 * must not grow with the cluster). `env` points at the cluster and the UCloud simulator; the cluster must say who it is
 * (uk8sconfigMap) and use `target`, or delete refuses before scanning.
 */
export async function measureScanCommands(env: NodeJS.ProcessEnv, target: string, pods: number, runs: number, log: (row: ScanRow) => void = () => undefined): Promise<ScanRow[]> {
  const node = process.execPath;
  const cli = 'dist/kubectl-uimgacc.mjs';
  const rows: ScanRow[] = [];
  const run = async (command: string, cmd: string, args: string[], exit = 0): Promise<void> => {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await measure(cmd, args, env));
    // A command that stopped early (an error, a refusal before the scan) measured nothing worth comparing.
    const wrong = results.find((r) => r.code !== exit);
    if (wrong) throw new Error(`${command} exited with ${wrong.code}, not ${exit}: run it by hand with -v to see why`);
    const row = { pods, command, seconds: median(results.map((r) => r.seconds)), maxRssMiB: Math.round(median(results.map((r) => r.maxRssKiB)) / 1024), exit: results[0]?.code ?? -1 };
    rows.push(row);
    log(row);
  };
  await run('kubectl get pods,deploy,sts,ds,rs,rc,job,cronjob -A -o json', kubectlBinary(), ['get', 'pods,deploy,sts,ds,rs,rc,job,cronjob', '-A', '-o', 'json']);
  // Exit 3: refused because in use, after the whole scan (the seeded cluster has uses of the target).
  await run('kubectl uimgacc delete IMAGE --dry-run', node, [cli, 'delete', target, '--dry-run'], 3);
  await run('kubectl uimgacc who-uses -A', node, [cli, 'who-uses', '-A', '-o', 'json']);
  await run('kubectl uimgacc who-uses -A (heap capped at 48 MiB)', node, ['--max-old-space-size=48', cli, 'who-uses', '-A', '-o', 'json']);
  return rows;
}

/** Markdown table of ScanRows, each against the kubectl row of the same size. */
export function scanTable(rows: readonly ScanRow[]): string {
  const base = new Map(rows.filter((r) => r.command.startsWith('kubectl get')).map((r) => [r.pods, r]));
  let out = '| Pods | command | seconds | × kubectl | peak RSS MiB |\n|---:|---|---:|---:|---:|\n';
  for (const r of rows) out += `| ${r.pods} | ${r.command} | ${r.seconds} | ${(r.seconds / (base.get(r.pods)?.seconds ?? NaN)).toFixed(2)} | ${r.maxRssMiB} |\n`;
  return out;
}

type Api = Pick<ControlPlaneInfo, 'server' | 'caData' | 'adminToken'>;

/** GET as admin, with extra headers; rejects on a non-2xx answer. */
function get(cp: Api, path: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, cp.server), { ca: Buffer.from(cp.caData, 'base64'), headers: { Authorization: `Bearer ${cp.adminToken}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`GET ${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Pods in `phase` (in `namespace`, or all when empty), counted by the apiserver's field selector, metadata only. */
export async function countPods(cp: Api, namespace: string, phase: string): Promise<number> {
  let count = 0;
  let cont = '';
  do {
    const q = new URLSearchParams({ fieldSelector: `status.phase=${phase}`, limit: '5000', ...(cont ? { continue: cont } : {}) });
    const page = JSON.parse(await get(cp, `/api/v1${namespace ? `/namespaces/${namespace}` : ''}/pods?${q}`, { Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' })) as { items: unknown[] | null; metadata: { continue?: string } };
    count += (page.items ?? []).length;
    cont = page.metadata.continue ?? '';
  } while (cont);
  return count;
}

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The apiserver's /metrics, parsed (Prometheus text format). */
export async function scrapeMetrics(cp: Api): Promise<Sample[]> {
  const text = await get(cp, '/metrics');
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/**
 * What a histogram recorded between two scrapes, over the series whose labels match `match` (a label matched with ''
 * must be empty or absent): count, mean and the 99th percentile (the upper bound of its bucket).
 */
export function histogramDelta(before: readonly Sample[], after: readonly Sample[], name: string, match: Record<string, string>): { count: number; mean: number; p99: number } {
  const matches = (s: Sample): boolean => Object.entries(match).every(([k, v]) => (s.labels[k] ?? '') === v);
  const total = (samples: readonly Sample[], suffix: string, le?: string): number =>
    samples.filter((s) => s.name === `${name}${suffix}` && matches(s) && (le === undefined || s.labels['le'] === le)).reduce((a, s) => a + s.value, 0);
  const count = total(after, '_count') - total(before, '_count');
  const sum = total(after, '_sum') - total(before, '_sum');
  const bounds = [...new Set(after.filter((s) => s.name === `${name}_bucket` && matches(s)).map((s) => s.labels['le'] as string))].sort((a, b) => Number(a) - Number(b));
  let p99 = Number.NaN;
  for (const le of bounds) {
    if (total(after, '_bucket', le) - total(before, '_bucket', le) >= 0.99 * count) {
      p99 = Number(le);
      break;
    }
  }
  return { count, mean: count ? sum / count : Number.NaN, p99 };
}

/** Current and peak resident memory of a process (Linux /proc), in MiB. */
export function processMemory(pid: number): () => { rssMiB: number; peakRssMiB: number } {
  return () => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: Math.round(kib('VmRSS') / 1024), peakRssMiB: Math.round(kib('VmHWM') / 1024) };
  };
}

/** Requests through the counting proxy and the bytes of their responses, by method and path. */
export type Traffic = Map<string, { requests: number; bytes: number }>;

/**
 * An HTTPS proxy in front of the apiserver that counts what goes through it, by method and path (watches apart),
 * with a kubeconfig that points at it: give that kubeconfig to one client to learn what that client asks for.
 */
export async function startCountingProxy(cp: ControlPlaneInfo): Promise<{ kubeconfigPath: string; startedAt: number; traffic(): Traffic; close(): Promise<void> }> {
  const tls = makeServingCert();
  const traffic: Traffic = new Map();
  const upstreamCa = Buffer.from(cp.caData, 'base64');
  const server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
    const url = new URL(req.url ?? '/', cp.server);
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const key = `${req.method} ${url.pathname}${watch ? ' (watch)' : ''}`;
    const entry = traffic.get(key) ?? { requests: 0, bytes: 0 };
    traffic.set(key, entry);
    entry.requests++;
    const up = request(url, { method: req.method, headers: { ...req.headers, host: url.host }, ca: upstreamCa }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.on('data', (c: Buffer) => (entry.bytes += c.length));
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const kubeconfigPath = join(tls.dir, 'proxy.kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml({ server: `https://127.0.0.1:${port}`, caData: tls.caBundle }, 'admin', cp.adminToken), { mode: 0o600 });
  return {
    kubeconfigPath,
    startedAt: Date.now(),
    traffic: () => new Map([...traffic].map(([k, v]) => [k, { ...v }])),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * The least a mutating webhook can be: a Node HTTPS server (keep-alive, like the helper's) that answers every
 * AdmissionReview with the same JSON patch, parsing only the uid. Registered in place of the helper, it shows what any
 * webhook costs on this machine, apart from what the helper itself adds.
 */
export async function startFixedWebhook(patch: readonly object[]): Promise<{ port: number; caBundle: string; close(): Promise<void> }> {
  const tls = makeServingCert();
  const encoded = Buffer.from(JSON.stringify(patch)).toString('base64');
  const server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const uid = /"uid":"([^"]+)"/.exec(Buffer.concat(chunks).toString())?.[1] ?? '';
      const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true, patchType: 'JSONPatch', patch: encoded } });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    caBundle: tls.caBundle,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** ConfigMap kube-system/uk8sconfig naming the UK8S cluster, which delete checks against the cluster it acts on. */
export function uk8sconfigMap(clusterId: string): { path: string; body: object } {
  return { path: '/api/v1/namespaces/kube-system/configmaps', body: { metadata: { name: 'uk8sconfig' }, data: { UCLOUD_UK8S_CLUSTER_ID: clusterId, UCLOUD_REGION_ID: 'cn-bj2' } } };
}
