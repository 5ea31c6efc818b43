// Sustained AdmissionReview load over HTTPS loopback at fixed concurrency: the helper vs a bare Node HTTPS server
// that returns a fixed AdmissionReview. Same client, same certificate, same machine, same run.
// Usage: node bench/webhook.ts [seconds=10] [concurrency=16]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { makeServingCert } from '../test/helpers/tls.ts';
import { startSimulator } from '../test/simulator/server.ts';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 16);
const tls = makeServingCert();
const ca = readFileSync(tls.caFile);
const APP = 'uhub.service.ucloud.cn/bench/app:v1';

function admission(i: number): string {
  // A realistic mix: a third of the Pods use a target image (mutated), the rest are left alone.
  const image = i % 3 === 0 ? `${APP}-acc` : `uhub.service.ucloud.cn/bench/other:${i % 11}`;
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${i}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      operation: 'CREATE',
      namespace: 'bench',
      object: {
        metadata: { name: `p-${i}`, namespace: 'bench', labels: { app: 'bench' } },
        spec: {
          containers: [{ name: 'main', image, resources: { requests: { cpu: '100m' } } }, { name: 'side', image: 'busybox:1' }],
          affinity: i % 2 ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } : undefined,
        },
      },
    },
  });
}

const bodies = Array.from({ length: 99 }, (_, i) => admission(i));

async function load(port: number): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca });
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const one = (body: string): Promise<void> =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = request({ host: '127.0.0.1', port, path: '/mutate', method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const worker = async (): Promise<void> => {
    while (Date.now() < end) await one(bodies[n++ % bodies.length] as string);
  };
  // Warm up connections and JIT, then measure.
  await Promise.all(Array.from({ length: concurrency }, () => one(bodies[0] as string)));
  latencies.length = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { rps: latencies.length / elapsed, p50: pct(50), p99: pct(99), errors };
}

async function startProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  for (let i = 0; i < 200; i++) {
    const m = /"port":(\d+)/.exec(out) ?? /^PORT (\d+)$/m.exec(out);
    if (m) return { child, port: Number(m[1]) };
    await delay(50);
  }
  child.kill();
  throw new Error(`did not start: ${out}`);
}

const bare = `
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
const fixed = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'x', allowed: true } });
const s = createServer({ cert: readFileSync(process.env.CERT), key: readFileSync(process.env.KEY), keepAlive: true }, (req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(fixed) }); res.end(fixed); });
});
s.listen(0, '127.0.0.1', () => console.log('PORT ' + s.address().port));
`;

const sim = await startSimulator({ accounts: [{ publicKey: 'b', privateKey: 'b' }], clusters: [{ clusterId: 'uk8s-bench0002', region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] }] });
const results: Record<string, Awaited<ReturnType<typeof load>>> = {};
try {
  const b = await startProcess(['--input-type=module', '-e', bare], { ...process.env, CERT: tls.certFile, KEY: tls.keyFile });
  results['bare Node HTTPS server (fixed answer)'] = await load(b.port);
  b.child.kill();
  const h = await startProcess(['dist/helper.mjs', '--port', '0', '--metrics-port', '0', '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--ready-grace', '0s'], {
    PATH: process.env['PATH'], HOME: tls.dir, UCLOUD_PUBLIC_KEY: 'b', UCLOUD_PRIVATE_KEY: 'b', UCLOUD_UK8S_CLUSTER_ID: 'uk8s-bench0002', UCLOUD_REGION: 'cn-bj2', UCLOUD_API_BASE_URL: sim.url,
  });
  await delay(500);
  // The comparison only means something if the helper really mutates: check one answer first.
  const sample = await new Promise<string>((resolve, reject) => {
    const body = bodies[0] as string;
    const req = request({ host: '127.0.0.1', port: h.port, path: '/mutate', method: 'POST', ca, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
  if (!(JSON.parse(sample) as { response?: { patch?: string } }).response?.patch) throw new Error(`the helper did not mutate a Pod using a target image: ${sample}`);
  results['uimgacc helper'] = await load(h.port);
  h.child.kill();
} finally {
  await sim.close();
}
const base = results['bare Node HTTPS server (fixed answer)'];
process.stdout.write(`| server (concurrency ${concurrency}, ${seconds}s) | req/s | × bare | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|---:|\n`);
for (const [name, r] of Object.entries(results)) {
  process.stdout.write(`| ${name} | ${Math.round(r.rps)} | ${(r.rps / (base?.rps ?? 1)).toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} |\n`);
}
