// `npm run sandbox`: a local UK8S look-alike for trying the plugin. Starts a real control plane (kube-apiserver, etcd,
// kube-scheduler, kube-controller-manager) with kwok nodes, the UCloud API simulator, and the helper built from this
// repository as a local process, registered through the chart's own webhook configuration; fills them with a
// realistic cluster whose Pods are scheduled and Running; writes .sandbox/{kubeconfig,env,bin/}, writes .sandbox/ready
// last, and stays in the foreground until Ctrl-C, cleaning up on exit. UIMGACC_KUBE_VERSION picks the Kubernetes
// version (default: the newest in test/testbin/versions.env).
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { kubeconfigYaml, kubectl, startControlPlane } from '../controlplane/controlplane.ts';
import { createNodes } from '../controlplane/nodes.ts';
import { kubectlBinary } from '../controlplane/testbin.ts';
import { startSimulator } from '../simulator/server.ts';
import { registerHelper, startHelper, type RunningHelper } from '../helpers/helper-process.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = process.env['UIMGACC_SANDBOX_DIR'] ? resolve(process.env['UIMGACC_SANDBOX_DIR']) : join(root, '.sandbox');
const CLUSTER_ID = 'uk8s-sandbox01';
const REGION = 'cn-bj2';
const PUBLIC_KEY = 'sandbox-public-key';
const PRIVATE_KEY = 'sandbox-private-key';
const UHUB = 'uhub.service.ucloud.cn/demo';

rmSync(dir, { recursive: true, force: true });
mkdirSync(join(dir, 'bin'), { recursive: true });

process.stderr.write('Starting kube-apiserver, etcd, kube-scheduler, kube-controller-manager and kwok…\n');
const cp = await startControlPlane({ scheduler: true, controllerManager: true, kwok: true });
process.stderr.write(`  ${cp.version} at ${cp.server} (${cp.startMs}ms)\n`);
const sim = await startSimulator({
  accounts: [{ publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY }],
  clusters: [
    {
      clusterId: CLUSTER_ID,
      region: REGION,
      Enable: true,
      NfsReady: true,
      AgentReady: true,
      NfsAddr: '10.9.0.10',
      SubnetId: 'subnet-sandbox',
      Images: [
        { OriginalImage: `${UHUB}/app:v1`, TargetImage: `${UHUB}/app:v1-acc` },
        { OriginalImage: `${UHUB}/ml-train:2024.1`, TargetImage: `${UHUB}/ml-train:2024.1-acc` },
        { OriginalImage: `${UHUB}/batch:3`, TargetImage: `${UHUB}/batch:3-acc` },
      ],
    },
  ],
  createDelayMs: 8000,
  deleteDelayMs: 5000,
  enableDelayMs: 10000,
  disableDelayMs: 3000,
});
process.stderr.write(`UCloud API simulator at ${sim.url}\n`);

// The helper as the chart runs it, but as a local process of this repository's build (dist/helper.mjs), registered
// through the chart's own webhook configuration once the cluster has what it reads.
let helper: RunningHelper | undefined;

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write('\nStopping the sandbox…\n');
  await helper?.stop();
  await sim.close();
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

async function apply(manifest: object[]): Promise<void> {
  const r = await kubectl(cp.kubeconfigPath, ['apply', '-f', '-'], manifest.map((m) => JSON.stringify(m)).join('\n'));
  if (r.code !== 0) throw new Error(`kubectl apply: ${r.stderr}`);
}

function podSpec(image: string, extra: object = {}): object {
  return { containers: [{ name: 'main', image }], ...extra };
}

function template(app: string, image: string): object {
  return { metadata: { labels: { app } }, spec: podSpec(image) };
}

/** Every Pod of the sandbox scheduled and Running (kwok runs what the scheduler binds). */
async function waitRunning(expected: number): Promise<void> {
  for (let i = 0; ; i++) {
    const r = await kubectl(cp.kubeconfigPath, ['get', 'pods', '-A', '-o', 'json']);
    if (r.code !== 0) throw new Error(`kubectl get pods: ${r.stderr}`);
    const all = (JSON.parse(r.stdout) as { items: { metadata: { namespace: string; name: string }; status: { phase: string } }[] }).items;
    if (all.length === expected && all.every((p) => p.status.phase === 'Running')) return;
    if (i > 480) throw new Error(`Pods not Running after 2 minutes: ${all.map((p) => `${p.metadata.namespace}/${p.metadata.name} ${p.status.phase}`).join(', ')}`);
    await delay(250);
  }
}

try {
  const ns = (name: string): object => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  // Nodes named like UK8S names them (their IPs): two accelerated with the current label, one with the old spelling
  // only (older UK8S nodes; the helper and patch accept either), two plain.
  await createNodes(cp, [
    { name: '10.9.1.11', acceleration: 'new', zone: 'cn-bj2-04' },
    { name: '10.9.1.12', acceleration: 'new', zone: 'cn-bj2-05' },
    { name: '10.9.1.13', acceleration: 'old', zone: 'cn-bj2-04' },
    { name: '10.9.1.14', zone: 'cn-bj2-04' },
    { name: '10.9.1.15', zone: 'cn-bj2-05' },
  ]);
  await apply([
    ns('web'),
    ns('ml'),
    ns('batch'),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'uk8sconfig', namespace: 'kube-system' },
      data: { UCLOUD_UK8S_CLUSTER_ID: CLUSTER_ID, UCLOUD_REGION_ID: REGION, UCLOUD_PROJECT_ID: 'org-sandbox', UCLOUD_SUBNET_ID: 'subnet-sandbox', UCLOUD_API_ENDPOINT: 'http://api.service.ucloud.cn' },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'uimgacc-credentials', namespace: 'kube-system' },
      stringData: { UCLOUD_PUBLIC_KEY: PUBLIC_KEY, UCLOUD_PRIVATE_KEY: PRIVATE_KEY, UHUB_USERNAME: 'sandbox-pusher', UHUB_PASSWORD: 'sandbox-uhub-password' },
    },
  ]);
  process.stderr.write('Starting the helper (dist/helper.mjs) and registering the chart\'s webhook configuration…\n');
  helper = await startHelper({ kubeconfig: cp.kubeconfigPath, ucloudUrl: sim.url, publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY, clusterId: CLUSTER_ID, region: REGION, pollInterval: '2s' });
  await registerHelper(cp.kubeconfigPath, helper, { name: 'uimgacc', probeNamespace: 'default', probeImage: `${UHUB}/app:v1-acc` });
  await apply([
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'frontend', namespace: 'web' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'frontend' } }, template: template('frontend', `${UHUB}/app:v1-acc`) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: template('api', `${UHUB}/app:v1`) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'trainer', namespace: 'ml' },
      spec: { replicas: 1, serviceName: 'trainer', selector: { matchLabels: { app: 'trainer' } }, template: template('trainer', `${UHUB}/ml-train:2024.1`) },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'batch' },
      spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: { spec: podSpec(`${UHUB}/batch:3-acc`, { restartPolicy: 'OnFailure' }) } } } },
    },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'frontend-manual', namespace: 'web' }, spec: podSpec(`${UHUB}/app:v1-acc`) },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'default' }, spec: podSpec('nginx:1.27') },
  ]);
  // frontend 3 + api 2 + trainer 1 + frontend-manual + debug.
  await waitRunning(8);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(cp, 'admin', cp.adminToken), { mode: 0o600 });
  // `kubectl uimgacc` finds the plugin on PATH as kubectl-uimgacc; run it with the repository's Node 24.
  // kubectl_complete-uimgacc next to it gives TAB completion (kubectl ≥ 1.26) in the sandbox too.
  for (const name of ['kubectl-uimgacc', 'kubectl_complete-uimgacc']) {
    const shim = join(dir, 'bin', name);
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'dist', `${name}.mjs`)}" "$@"\n`);
    chmodSync(shim, 0o755);
  }
  symlinkSync(kubectlBinary(), join(dir, 'bin', 'kubectl'));
  writeFileSync(
    join(dir, 'env'),
    [
      '# Generated by `npm run sandbox`: source it in another terminal.',
      `export KUBECONFIG='${kubeconfig}'`,
      `export UCLOUD_API_BASE_URL='${sim.url}'`,
      `export PATH='${join(dir, 'bin')}':"$PATH"`,
      '# Cluster ID, region and key pair come from the cluster (ConfigMap kube-system/uk8sconfig and Secret',
      '# kube-system/uimgacc-credentials), as on a real UK8S cluster. `kubectl uimgacc status -v` shows it.',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'ready'), new Date().toISOString() + '\n');
  process.stdout.write(
    [
      '',
      'Sandbox ready. In another terminal:',
      '',
      `  source ${join(dir, 'env')}`,
      '  kubectl get pods -A -o wide                 # frontend runs on the accelerated nodes 10.9.1.11-13',
      '  kubectl uimgacc status',
      '  kubectl uimgacc patch deploy/api -n web     # api moves onto accelerated nodes',
      '  kubectl uimgacc who-uses',
      '',
      'README "Try it" walks through the rest.',
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
} catch (err) {
  process.stderr.write(`sandbox failed: ${(err as Error).message}\n`);
  await shutdown(1);
}
