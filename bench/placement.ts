// Placement at scale, on a real kube-apiserver, kube-scheduler and kube-controller-manager with kwok nodes:
//  1. Pod creation throughput with the helper registered against the same cluster without it (and with a webhook that
//     answers with a fixed patch, for what any webhook costs): rounds of Deployments using a target image, in a
//     symmetric order so that drift (the cluster filling up) cancels; Pods reaching Running per second (created →
//     scheduled → Running by kwok), and apiserver-side latency of Pod creation and of the webhook call, from the
//     apiserver's /metrics.
//  2. The cluster left with N Pods Running (Deployments, one in ten using the target image): `who-uses -A` and
//     `delete --dry-run` against `kubectl get pods,deploy,sts,ds,rs,rc,job,cronjob -A -o json` (bench/lib.ts).
//  3. The helper over the whole run and at rest: RSS, and its requests to the apiserver (counted by a proxy in front
//     of the apiserver that only that helper uses), at the kwok node count and again with plain Node objects added up
//     to BENCH_NODES_HIGH; the registered helper watches Nodes (the default), a second one, running alongside and
//     never called, lists them on every poll (--node-watch=false), so the two ways are measured in the same windows.
// Usage: node bench/placement.ts  (needs `npm run build` and the test binaries, kwok included)
// Env: BENCH_NODES (1000), BENCH_ACCELERATED (100), BENCH_PODS (20000), BENCH_ROUND_PODS (2000), BENCH_RUNS (3),
//      BENCH_NODES_HIGH (5000), BENCH_IDLE_SECONDS (60).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { startControlPlane } from '../test/controlplane/controlplane.ts';
import { createNodes, type NodeSpec } from '../test/controlplane/nodes.ts';
import { startSimulator } from '../test/simulator/server.ts';
import { registerHelper, startHelper } from '../test/helpers/helper-process.ts';
import { ACCELERATION_LABELS, addAccelerationAffinity } from '../lib/affinity.ts';
import { countPods, createAll, histogramDelta, measureScanCommands, processMemory, scanTable, scrapeMetrics, startCountingProxy, startFixedWebhook, uk8sconfigMap, type ScanRow, type Traffic } from './lib.ts';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const NODES = env('BENCH_NODES', 1000);
const ACCELERATED = env('BENCH_ACCELERATED', 100);
const PODS = env('BENCH_PODS', 20000);
const ROUND_PODS = env('BENCH_ROUND_PODS', 2000);
const RUNS = env('BENCH_RUNS', 3);
const NODES_HIGH = env('BENCH_NODES_HIGH', 5000);
const IDLE_SECONDS = env('BENCH_IDLE_SECONDS', 60);
const REPLICAS = 100;
const NAMESPACES = 50;
const ORIGINAL = 'uhub.service.ucloud.cn/bench/app:v1';
const TARGET = `${ORIGINAL}-acc`;
const CLUSTER = 'uk8s-bench0001';
const log = (s: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

const cp = await startControlPlane({ scheduler: true, controllerManager: true, kwok: true, qps: 1000 });
const sim = await startSimulator({
  accounts: [{ publicKey: 'bench-pub', privateKey: 'bench-priv' }],
  clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: ORIGINAL, TargetImage: TARGET }] }],
});
const proxy = await startCountingProxy(cp);
const listProxy = await startCountingProxy(cp);
/** Waits until `n` Pods (in `ns`, or all) are Running; fails when the count stops growing for two minutes. */
async function runningAtLeast(ns: string, n: number, pollMs: number): Promise<number> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const count = await countPods(cp, ns, 'Running');
    if (count >= n) return count;
    if (count !== last) [last, since] = [count, Date.now()];
    else if (Date.now() - since > 120_000) throw new Error(`stuck at ${count} of ${n} Running Pods${ns ? ` in ${ns}` : ''} for two minutes (${await countPods(cp, ns, 'Pending')} Pending)`);
    await delay(pollMs);
  }
}

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' / ');
const out: string[] = [`Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, shared; Node ${process.version}; Kubernetes ${cp.version} (kube-apiserver, kube-scheduler, kube-controller-manager), kwok; load average (1/5/15 min) at the start: ${load()}.`, ''];
try {
  let t = Date.now();
  // Room for 250 Pods a node (kubelet's default is 110): the throughput rounds put 4 × BENCH_ROUND_PODS Pods on the
  // accelerated tenth of the nodes.
  const specs: NodeSpec[] = Array.from({ length: NODES }, (_, i) => ({ name: `node-${i}`, zone: `zone-${i % 3}`, pods: 250, ...(i % Math.round(NODES / ACCELERATED) === 0 ? { acceleration: 'new' as const } : {}) }));
  await createNodes(cp, specs);
  log(`${NODES} kwok nodes Ready in ${((Date.now() - t) / 1000).toFixed(0)}s`);
  const helper = await startHelper({ kubeconfig: proxy.kubeconfigPath, ucloudUrl: sim.url, publicKey: 'bench-pub', privateKey: 'bench-priv', clusterId: CLUSTER, pollInterval: '30s' });
  const lister = await startHelper({ kubeconfig: listProxy.kubeconfigPath, ucloudUrl: sim.url, publicKey: 'bench-pub', privateKey: 'bench-priv', clusterId: CLUSTER, pollInterval: '30s', extraArgs: ['--node-watch', 'false'] });
  const watched = { name: 'watching Nodes (default)', proxy, memory: processMemory(helper.pid) };
  const listed = { name: 'listing Nodes every poll', proxy: listProxy, memory: processMemory(lister.pid) };
  await createAll(cp, [uk8sconfigMap(CLUSTER), ...Array.from({ length: NAMESPACES }, (_, i) => ({ path: '/api/v1/namespaces', body: { metadata: { name: `bench-${i}` } } }))]);
  const deployment = (name: string, image: string, replicas: number): object => ({
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image, resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } } },
  });

  // 1. Throughput: no webhook, the helper, and a webhook that answers every Pod with the helper's affinity (what any
  // webhook costs here). Symmetric order, so that the cluster filling up weighs on each alike.
  type Mode = 'none' | 'helper' | 'fixed';
  const fixed = await startFixedWebhook([{ op: 'add', path: '/spec/affinity', value: addAccelerationAffinity(undefined, ACCELERATION_LABELS).affinity }]);
  let unregister: (() => Promise<void>) | undefined;
  let registered: Mode = 'none';
  const use = async (mode: Mode): Promise<void> => {
    if (mode === registered) return;
    if (unregister) await unregister();
    unregister = mode === 'none' ? undefined : await registerHelper(cp.kubeconfigPath, mode === 'helper' ? helper : fixed, { name: 'uimgacc', probeNamespace: 'default', probeImage: TARGET });
    registered = mode;
  };
  const rounds: { mode: Mode; pods: number; seconds: number; podsPerSecond: number; createMeanMs: number; createP99Ms: number; webhookMeanMs: number; webhookCalls: number }[] = [];
  for (const [i, mode] of (['none', 'helper', 'fixed', 'fixed', 'helper', 'none'] as const).entries()) {
    await use(mode);
    const ns = `round-${i}`;
    await createAll(cp, [{ path: '/api/v1/namespaces', body: { metadata: { name: ns } } }]);
    const before = await scrapeMetrics(cp);
    t = Date.now();
    await createAll(cp, Array.from({ length: Math.ceil(ROUND_PODS / REPLICAS) }, (_, d) => ({ path: `/apis/apps/v1/namespaces/${ns}/deployments`, body: deployment(`d-${d}`, TARGET, REPLICAS) })));
    await runningAtLeast(ns, ROUND_PODS, 500);
    const seconds = (Date.now() - t) / 1000;
    const after = await scrapeMetrics(cp);
    const create = histogramDelta(before, after, 'apiserver_request_duration_seconds', { verb: 'POST', resource: 'pods', subresource: '' });
    const hook = histogramDelta(before, after, 'apiserver_admission_webhook_admission_duration_seconds', { name: 'pods.uimgacc.ucloud.cn' });
    const row = { mode, pods: ROUND_PODS, seconds, podsPerSecond: ROUND_PODS / seconds, createMeanMs: create.mean * 1000, createP99Ms: create.p99 * 1000, webhookMeanMs: hook.mean * 1000, webhookCalls: hook.count };
    rounds.push(row);
    log(JSON.stringify(row));
  }
  await fixed.close();
  const rate = (m: Mode): number => rounds.filter((r) => r.mode === m).reduce((a, r) => a + r.pods, 0) / rounds.filter((r) => r.mode === m).reduce((a, r) => a + r.seconds, 0);
  const modeName: Record<Mode, string> = { none: 'none', helper: 'the helper', fixed: 'fixed-answer webhook' };
  out.push(`### Pod creation throughput (${NODES} kwok nodes, ${ACCELERATED} accelerated; ${ROUND_PODS} Pods per round through Deployments of ${REPLICAS}, all using the target image)`, '');
  out.push('| round | webhook | Pods Running / s | POST pods mean ms | POST pods p99 ms | webhook mean ms | webhook calls |', '|---:|---|---:|---:|---:|---:|---:|');
  rounds.forEach((r, i) => out.push(`| ${i + 1} | ${modeName[r.mode]} | ${r.podsPerSecond.toFixed(1)} | ${r.createMeanMs.toFixed(1)} | ${r.createP99Ms.toFixed(0)} | ${r.mode === 'none' ? '-' : r.webhookMeanMs.toFixed(1)} | ${r.webhookCalls} |`));
  out.push('', `Pods Running per second: without a webhook ${rate('none').toFixed(1)}; with the helper ${rate('helper').toFixed(1)}, **${(rate('helper') / rate('none')).toFixed(2)}×** (goal ≥ 0.9×); with the fixed-answer webhook ${rate('fixed').toFixed(1)}, ${(rate('fixed') / rate('none')).toFixed(2)}×.`, '');

  // 2. Fill up to PODS Pods, helper registered, one Deployment in ten using the target image.
  await use('helper');
  const have = rounds.length * ROUND_PODS;
  const deployments = Math.max(0, Math.ceil((PODS - have) / REPLICAS));
  t = Date.now();
  await createAll(cp, Array.from({ length: deployments }, (_, d) => ({ path: `/apis/apps/v1/namespaces/bench-${d % NAMESPACES}/deployments`, body: deployment(`d-${d}`, d % 10 === 0 ? TARGET : `uhub.service.ucloud.cn/bench/other:${d % 7}`, REPLICAS) })), 8);
  const runningPods = await runningAtLeast('', have + deployments * REPLICAS, 2000);
  log(`${runningPods} Pods Running after ${((Date.now() - t) / 1000).toFixed(0)}s of filling`);
  const cliEnv = { ...process.env, KUBECONFIG: cp.kubeconfigPath, UCLOUD_PUBLIC_KEY: 'bench-pub', UCLOUD_PRIVATE_KEY: 'bench-priv', UCLOUD_API_BASE_URL: sim.url, UCLOUD_UK8S_CLUSTER_ID: CLUSTER, UCLOUD_REGION: 'cn-bj2' };
  const scan: ScanRow[] = await measureScanCommands(cliEnv, TARGET, runningPods, RUNS, (row) => log(JSON.stringify(row)));
  out.push(`### In-use scan with ${runningPods} Pods Running on ${NODES} nodes (median of ${RUNS})`, '', scanTable(scan));

  // 3. The helpers: over the whole run so far, then at rest with NODES and with NODES_HIGH Node objects.
  const helperRows: { helper: string; phase: string; nodes: number; seconds: number; requests: number; perMinute: number; kibPerMinute: number; rssMiB: number; peakRssMiB: number; byRequest: string }[] = [];
  const record = (h: typeof watched, phase: string, nodes: number, seconds: number, before: Traffic, after: Traffic): void => {
    const diff = [...after].map(([k, v]) => [k, { requests: v.requests - (before.get(k)?.requests ?? 0), bytes: v.bytes - (before.get(k)?.bytes ?? 0) }] as const).filter(([, v]) => v.requests > 0 || v.bytes > 0);
    const requests = diff.reduce((a, [, v]) => a + v.requests, 0);
    const bytes = diff.reduce((a, [, v]) => a + v.bytes, 0);
    const m = h.memory();
    const row = { helper: h.name, phase, nodes, seconds, requests, perMinute: (requests / seconds) * 60, kibPerMinute: (bytes / 1024 / seconds) * 60, rssMiB: m.rssMiB, peakRssMiB: m.peakRssMiB, byRequest: diff.map(([k, v]) => `${k} ×${v.requests} (${Math.round(v.bytes / 1024)} KiB)`).join('; ') };
    helperRows.push(row);
    log(JSON.stringify(row));
  };
  const atRest = async (nodes: number): Promise<void> => {
    const before = [watched, listed].map((h) => h.proxy.traffic());
    const started = Date.now();
    await delay(IDLE_SECONDS * 1000);
    const seconds = (Date.now() - started) / 1000;
    [watched, listed].forEach((h, i) => record(h, 'at rest', nodes, seconds, before[i] as Traffic, h.proxy.traffic()));
  };
  for (const h of [watched, listed]) record(h, `whole run so far (${rounds.length} rounds and the fill: ${runningPods} Pods)`, NODES, (Date.now() - h.proxy.startedAt) / 1000, new Map(), h.proxy.traffic());
  await atRest(NODES);
  if (NODES_HIGH > NODES) {
    // Plain Node objects (not kwok's: 5,000 simulated kubelets would swamp this machine); Ready, as the helper sees them.
    t = Date.now();
    const now = new Date().toISOString();
    await createAll(cp, Array.from({ length: NODES_HIGH - NODES }, (_, i) => ({ path: '/api/v1/nodes', body: { metadata: { name: `extra-${i}`, labels: { 'kubernetes.io/hostname': `extra-${i}`, ...(i % 10 === 0 ? { 'node.uk8s.ucloud.cn/image_accel': 'true' } : {}) } }, spec: { taints: [{ key: 'bench/unschedulable', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }] } } })), 16);
    log(`${NODES_HIGH - NODES} more Node objects in ${((Date.now() - t) / 1000).toFixed(0)}s`);
    await atRest(NODES_HIGH);
  }
  out.push('### The helper (its Kubernetes client through a counting proxy; UCloud polled every 30 s)', '');
  out.push('| helper | phase | nodes | seconds | requests to the apiserver | per minute | KiB / minute | RSS MiB | peak RSS MiB | requests |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of helperRows) out.push(`| ${r.helper} | ${r.phase} | ${r.nodes} | ${r.seconds.toFixed(0)} | ${r.requests} | ${r.perMinute.toFixed(1)} | ${r.kibPerMinute.toFixed(0)} | ${r.rssMiB} | ${r.peakRssMiB} | ${r.byRequest} |`);
  out.push('');
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/placement.json', JSON.stringify({ nodes: NODES, accelerated: ACCELERATED, rounds, scan, helper: helperRows }, null, 2) + '\n');
  await helper.stop();
  await lister.stop();
  out.push(`Load average at the end: ${load()}.`, '');
} finally {
  await proxy.close();
  await listProxy.close();
  await sim.close();
  await cp.stop();
}
process.stdout.write(out.join('\n') + '\n');
