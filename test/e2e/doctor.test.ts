// doctor against its own control plane (it inspects cluster-wide objects such as webhook configurations).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { helmBinary } from '../controlplane/testbin.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';

let cp: ControlPlane;
let sim: Simulator;
const CLUSTER = 'uk8s-doctor001';

async function k(args: string[], input?: string): Promise<string> {
  const r = await kubectl(cp.kubeconfigPath, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function doctor(extra: string[] = []): Promise<CliResult> {
  return runCli(['doctor', '--kubeconfig', cp.kubeconfigPath, ...extra], {
    UCLOUD_PUBLIC_KEY: 'doc-pub',
    UCLOUD_PRIVATE_KEY: 'doc-priv',
    UCLOUD_API_BASE_URL: sim.url,
    UCLOUD_UK8S_CLUSTER_ID: CLUSTER,
    UCLOUD_REGION: 'cn-bj2',
  });
}

before(async () => {
  cp = await startControlPlane();
  sim = await startSimulator({ accounts: [{ publicKey: 'doc-pub', privateKey: 'doc-priv' }], clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, NfsAddr: '10.9.0.10' }] });
});
after(async () => {
  await sim.close();
  await cp.stop();
});

test('doctor names what is missing, with a fix, and exits 1', async () => {
  const r = await doctor();
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /✓ Kubernetes: reachable, v1\.36/);
  assert.match(r.stdout, /✓ UCloud configuration: cluster uk8s-doctor001 \(from env UCLOUD_UK8S_CLUSTER_ID\), key pair from env UCLOUD_PUBLIC_KEY/);
  assert.match(r.stdout, /✓ UCloud API: reachable, signature accepted/);
  assert.match(r.stdout, /! Agent Deployment: kube-system\/uimgacc-agent not found/);
  assert.match(r.stdout, /✗ Accelerated nodes: no Ready node carries node.uk8s.ucloud.cn\/image_accel=true \(0 nodes\)\n {4}fix: only nodes added after enabling/);
  assert.match(r.stdout, /! Helper webhook: not installed/);
  const bad = await runCli(['doctor', '--kubeconfig', cp.kubeconfigPath], { UCLOUD_PUBLIC_KEY: 'doc-pub', UCLOUD_PRIVATE_KEY: 'wrong', UCLOUD_API_BASE_URL: sim.url, UCLOUD_UK8S_CLUSTER_ID: CLUSTER, UCLOUD_REGION: 'cn-bj2' });
  assert.match(bad.stdout, /✗ UCloud API: .*RetCode 171.*\n {4}fix: signature rejected/);
});

test('doctor with the agent, labelled nodes and the helper chart installed checks the webhook', async () => {
  await k(['-n', 'kube-system', 'create', 'deployment', 'uimgacc-agent', '--image=agent:1']);
  await k(['-n', 'kube-system', 'patch', 'deployment', 'uimgacc-agent', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":1,"readyReplicas":1}}']);
  await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: '10.9.1.1', labels: { 'node.uk8s.ucloud.cn/image_accel': 'true' } } }));
  await k(['patch', 'node', '10.9.1.1', '--subresource=status', '--type=merge', '-p', '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}']);
  const home = mkdtempSync(join(tmpdir(), 'uimgacc-doc-'));
  await new Promise<void>((resolve, reject) =>
    execFile(helmBinary(), ['install', 'uimgacc', 'charts/uimgacc', '-n', 'uimgacc', '--create-namespace', '--set', 'credentials.publicKey=a', '--set', 'credentials.privateKey=b'], { env: { PATH: process.env['PATH'], HOME: home, KUBECONFIG: cp.kubeconfigPath, HELM_CACHE_HOME: join(home, 'c'), HELM_CONFIG_HOME: join(home, 'f'), HELM_DATA_HOME: join(home, 'd') } }, (err, _o, e) => (err ? reject(new Error(e)) : resolve())),
  );
  const r = await doctor();
  assert.match(r.stdout, /✓ Agent Deployment: kube-system\/uimgacc-agent 1\/1 ready/);
  assert.match(r.stdout, /✓ Accelerated nodes: 1 of 1 nodes carry node.uk8s.ucloud.cn\/image_accel=true/);
  assert.match(r.stdout, /✓ Helper webhook: MutatingWebhookConfiguration uimgacc/);
  assert.match(r.stdout, /✓ Webhook failure policy: failurePolicy Ignore/);
  assert.match(r.stdout, /✓ Webhook caBundle: signs the serving certificate for uimgacc.uimgacc.svc/);
  // No kubelet here, so the helper never becomes ready: doctor says so and fails.
  assert.match(r.stdout, /✗ Helper endpoints: 0 ready endpoint\(s\) behind Service uimgacc\/uimgacc/);
  assert.equal(r.code, 1);
  const json = JSON.parse((await doctor(['-o', 'json'])).stdout) as { healthy: boolean; checks: { name: string; status: string }[] };
  assert.equal(json.healthy, false);
  assert.ok(json.checks.some((c) => c.name === 'Webhook caBundle' && c.status === 'ok'));
  // A webhook that fails closed is flagged.
  await k(['patch', 'mutatingwebhookconfiguration', 'uimgacc', '--type=json', '-p', '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Fail"}]']);
  assert.match((await doctor()).stdout, /✗ Webhook failure policy: failurePolicy Fail\n {4}fix: set webhook.failurePolicy=Ignore/);
});
