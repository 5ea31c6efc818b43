// The helper's cost of knowing the Nodes, in the real apiserver with many Nodes: watching the labelled Nodes
// (default) against listing every Node on every poll (--node-watch=false, the old way). Both runs read the same
// apiserver through a counting proxy, with the same Node churn, in the same run: requests per minute to the
// apiserver and the helper's resident memory.
// Usage: node bench/nodes.ts [nodes=5000] [seconds=40] [pollInterval=2s]
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { startControlPlane, type ControlPlaneInfo } from '../test/controlplane/controlplane.ts';
import { makeServingCert } from '../test/helpers/tls.ts';
import { startSimulator } from '../test/simulator/server.ts';
import { createAll, processMemory, startCountingProxy } from './lib.ts';

const NODES = Number(process.argv[2] ?? 5000);
const SECONDS = Number(process.argv[3] ?? 40);
const POLL = process.argv[4] ?? '2s';
const LABELLED_EVERY = 10; // one Node in ten is accelerated, alternating spellings

function patchNode(cp: ControlPlaneInfo, name: string, body: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(new URL(`/api/v1/nodes/${name}`, cp.server), {
      method: 'PATCH',
      ca: Buffer.from(cp.caData, 'base64'),
      headers: { Authorization: `Bearer ${cp.adminToken}`, 'Content-Type': 'application/merge-patch+json', 'Content-Length': Buffer.byteLength(data) },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PATCH node ${name}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const log = (m: string): void => void process.stderr.write(`[nodes] ${m}\n`);
const cp = await startControlPlane();
const sim = await startSimulator({ accounts: [{ publicKey: 'b', privateKey: 'b' }], clusters: [{ clusterId: 'uk8s-bench0003', region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true }] });
const tls = makeServingCert();
const rows: string[] = [];
try {
  const t0 = Date.now();
  await createAll(cp, Array.from({ length: NODES }, (_, i) => {
    const labels: Record<string, string> = { 'kubernetes.io/hostname': `10.0.${i >> 8}.${i & 255}` };
    if (i % LABELLED_EVERY === 0) labels[i % (2 * LABELLED_EVERY) === 0 ? 'node.uk8s.ucloud.cn/image_accel' : 'node.uk8s.ucloud.cn/uimgacc'] = 'true';
    return { path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: `10.0.${i >> 8}.${i & 255}`, labels } } };
  }));
  log(`${NODES} Nodes created in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  for (const watch of [true, false]) {
    const proxy = await startCountingProxy(cp);
    const child = spawn(process.execPath, ['dist/helper.mjs', '--port', '0', '--metrics-port', '0', '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--kubeconfig', proxy.kubeconfigPath, '--poll-interval', POLL, '--node-watch', String(watch), '--shutdown-delay', '0s'], {
      env: { PATH: process.env['PATH'], HOME: tls.dir, UCLOUD_PUBLIC_KEY: 'b', UCLOUD_PRIVATE_KEY: 'b', UCLOUD_UK8S_CLUSTER_ID: 'uk8s-bench0003', UCLOUD_REGION: 'cn-bj2', UCLOUD_API_BASE_URL: sim.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const memory = processMemory(child.pid as number);
    // Churn like kubelets and controllers cause: a few Nodes change every second (most of them unlabelled).
    const end = Date.now() + SECONDS * 1000;
    let peak = 0;
    let churn = 0;
    while (Date.now() < end) {
      const batch = Array.from({ length: 20 }, () => Math.floor(Math.random() * NODES));
      await Promise.all(batch.map((i) => patchNode(cp, `10.0.${i >> 8}.${i & 255}`, { metadata: { annotations: { 'bench/churn': String(churn) } } })));
      churn++;
      peak = Math.max(peak, memory().rssMiB);
      await delay(1000);
    }
    const final = memory();
    const minutes = (Date.now() - proxy.startedAt) / 60_000;
    const traffic = [...proxy.traffic()];
    const sum = (keep: (key: string) => boolean, field: 'requests' | 'bytes'): number => traffic.filter(([k]) => keep(k)).reduce((a, [, v]) => a + v[field], 0);
    const lists = sum((k) => k.startsWith('GET /api/v1/nodes') && !k.endsWith('(watch)'), 'requests');
    const watches = sum((k) => k.endsWith('(watch)'), 'requests');
    const all = sum(() => true, 'requests');
    const mib = sum(() => true, 'bytes') / 1024 / 1024;
    if (!/"msg":"acceleration node labels"/.test(out)) throw new Error(`the helper never reported the node labels:\n${out.slice(-2000)}`);
    rows.push(`| ${watch ? 'watch labelled Nodes (default)' : 'list every Node each poll'} | ${(all / minutes).toFixed(1)} | ${(lists / minutes).toFixed(1)} | ${(watches / minutes).toFixed(1)} | ${(mib / minutes).toFixed(2)} | ${Math.max(peak, final.rssMiB)} | ${final.peakRssMiB} |`);
    child.kill('SIGKILL');
    await proxy.close();
    log(`node-watch=${watch}: ${all} requests in ${minutes.toFixed(2)} min`);
  }
} finally {
  await sim.close();
  await cp.stop();
}
process.stdout.write(`${NODES} Nodes (one in ${LABELLED_EVERY} accelerated, both spellings), poll interval ${POLL}, ${SECONDS}s per mode, 20 Node updates/s\n\n`);
process.stdout.write('| helper | apiserver requests/min | node lists/min (pages of 500) | watches/min | MiB/min from the apiserver | RSS MiB (sampled max) | peak RSS MiB (VmHWM) |\n|---|---:|---:|---:|---:|---:|---:|\n');
process.stdout.write(rows.join('\n') + '\n');
