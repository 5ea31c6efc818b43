// The cluster that is checked must be the cluster UCloud acts on. Against a control plane of its own (the
// ConfigMap kube-system/uk8sconfig is cluster-wide, so it cannot be shared with other test files) and a simulator
// with two clusters: the context is on cluster A, UCLOUD_UK8S_CLUSTER_ID still names cluster B.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, kubectl, type ControlPlane } from '../controlplane/controlplane.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { kubeconfigRecording, runCli, type CliResult } from '../helpers/cli.ts';

const A = 'uk8s-clustera1';
const B = 'uk8s-clusterb1';
const PUBLIC = 'identity-public';
const PRIVATE = 'identity-private-key';
const IMG = 'uhub.service.ucloud.cn/ident/app:1';
const IMG_ACC = `${IMG}-acc`;

let cp: ControlPlane;
let sim: Simulator;

async function k(args: string[], input?: string): Promise<string> {
  const r = await kubectl(cp.kubeconfigPath, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function setUk8sConfig(data: Record<string, string> | undefined): Promise<void> {
  await k(['-n', 'kube-system', 'delete', 'configmap', 'uk8sconfig', '--ignore-not-found']);
  if (data) await k(['-n', 'kube-system', 'create', 'configmap', 'uk8sconfig', ...Object.entries(data).map(([key, v]) => `--from-literal=${key}=${v}`)]);
}

const A_CONFIG = { UCLOUD_UK8S_CLUSTER_ID: A, UCLOUD_REGION_ID: 'cn-sh2', UCLOUD_SUBNET_ID: 'subnet-a' };

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli([...args, '--poll-interval=40ms'], {
    UCLOUD_PUBLIC_KEY: PUBLIC,
    UCLOUD_PRIVATE_KEY: PRIVATE,
    UCLOUD_API_BASE_URL: sim.url,
    UCLOUD_REGION: 'cn-sh2',
    KUBECONFIG: cp.kubeconfigPath,
    ...env,
  });
}

const mutations = (): string[] => sim.requests().filter((q) => q.action !== 'GetUK8SImageAccelerate').map((q) => q.action);
const MISMATCH = `the Kubernetes cluster of this context is ${A} \\(from ConfigMap kube-system/uk8sconfig\\), but the UCloud cluster is ${B} \\(from env UCLOUD_UK8S_CLUSTER_ID\\)`;

before(async () => {
  cp = await startControlPlane();
  const ready = { region: 'cn-sh2', Enable: true, NfsReady: true, AgentReady: true };
  sim = await startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE }],
    clusters: [
      { clusterId: A, ...ready, Images: [{ OriginalImage: 'uhub.service.ucloud.cn/ident/other:1', TargetImage: 'uhub.service.ucloud.cn/ident/other:1-acc' }] },
      { clusterId: B, ...ready, Images: [{ OriginalImage: IMG, TargetImage: IMG_ACC }] },
    ],
  });
  await setUk8sConfig(A_CONFIG);
  await k(['create', 'deployment', 'web', `--image=${IMG}`]);
});

after(async () => {
  await sim.close();
  await cp.stop();
});

test('delete and disable refuse when the context is another cluster, naming both and how to fix it; --force does not override', async () => {
  sim.clearRequests();
  for (const args of [['delete', IMG], ['delete', IMG, '--force'], ['disable'], ['disable', '--force'], ['delete', IMG, '--dry-run']]) {
    const r = await cli(args, { UCLOUD_UK8S_CLUSTER_ID: B });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^error: refusing to (delete the acceleration of ${IMG.replace(/\./g, '\\.')}|disable image acceleration on cluster ${B}): ${MISMATCH}\n`));
    assert.match(r.stderr, new RegExp(`hint: to act on ${B}, switch to its context`));
    assert.match(r.stderr, new RegExp(`hint: to act on ${A}, unset UCLOUD_UK8S_CLUSTER_ID \\(or set it to ${A}\\)`));
    assert.equal(r.stdout, '');
  }
  assert.deepEqual(mutations(), [], 'no UCloud mutation was sent');
  assert.equal(sim.cluster(B).Images.length, 1);
  assert.equal(sim.cluster(B).Enable, true);
});

test('in Simplified Chinese the refusal still names both clusters with their sources and how to proceed; -o json is unchanged', async () => {
  const ZH = { LANG: 'zh_CN.UTF-8', UCLOUD_UK8S_CLUSTER_ID: B };
  const mismatch = `当前上下文的 Kubernetes 集群是 ${A}（来源：ConfigMap kube-system/uk8sconfig），而 UCloud 集群是 ${B}（来源：环境变量 UCLOUD_UK8S_CLUSTER_ID）`;
  for (const args of [['delete', IMG, '--force'], ['disable']]) {
    const r = await cli(args, ZH);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^错误：拒绝.+：${mismatch.replace(/[.()]/g, '\\$&')}\n`));
    assert.match(r.stderr, new RegExp(`^提示：要操作 ${B}，请切换到它的上下文（--context 或 \`kubectl config use-context\`）$`, 'm'));
    assert.match(r.stderr, new RegExp(`^提示：要操作 ${A}，请取消设置 UCLOUD_UK8S_CLUSTER_ID（或将其设为 ${A}）$`, 'm'));
    assert.match(r.stderr, /^（--force 不能跳过此检查/m);
    assert.equal(r.stdout, '');
  }
  assert.equal(sim.cluster(B).Images.length, 1);
  // status acts on the UCloud cluster and warns once, in Chinese.
  const status = await cli(['status'], ZH);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stderr, new RegExp(`^警告：${mismatch.replace(/[.()]/g, '\\$&')}：本命令将操作 UK8S 集群 ${B}$`, 'm'));
  const doctor = await cli(['doctor'], ZH);
  assert.match(doctor.stdout, new RegExp(`^✗ 集群身份：${mismatch.replace(/[.()]/g, '\\$&')}\n {4}修复：要操作 ${B}，请切换到它的上下文`, 'm'));
  const [en, zh] = await Promise.all([cli(['doctor', '-o', 'json'], { UCLOUD_UK8S_CLUSTER_ID: B }), cli(['doctor', '-o', 'json'], ZH)]);
  assert.equal(zh.stdout, en.stdout);
  assert.match(zh.stdout, /"name": "Cluster identity"/);
});

test('a stale cluster ID recorded on the context is caught by uk8sconfig too', async () => {
  const stale = kubeconfigRecording(cp.kubeconfigPath, B);
  const r = await cli(['delete', IMG], { KUBECONFIG: stale });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`the UCloud cluster is ${B} \\(from kubeconfig context "test"\\)`));
  assert.match(r.stderr, new RegExp(`record the right cluster on the context: \`kubectl uimgacc configure --cluster-id ${A}\``));
});

test('patch, unpatch, who-uses and list -o wide refuse on a mismatch; completion offers no images', async () => {
  for (const args of [['patch', 'deploy/web'], ['unpatch', 'deploy/web'], ['who-uses', IMG], ['list', '-o', 'wide']]) {
    const r = await cli(args, { UCLOUD_UK8S_CLUSTER_ID: B });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^error: refusing to .*: ${MISMATCH}\n`), args.join(' '));
  }
  const template = JSON.parse(await k(['get', 'deploy', 'web', '-o', 'json'])) as { spec: { template: { spec: { containers: { image: string }[] } } } };
  assert.equal(template.spec.template.spec.containers[0]?.image, IMG, 'patch changed nothing');
  // The current word comes last, so no extra flags; a generous deadline, as the machine may be busy.
  const complete = (id: string): Promise<CliResult> =>
    runCli(['__complete', 'delete', 'uhub'], { UCLOUD_PUBLIC_KEY: PUBLIC, UCLOUD_PRIVATE_KEY: PRIVATE, UCLOUD_API_BASE_URL: sim.url, UCLOUD_REGION: 'cn-sh2', KUBECONFIG: cp.kubeconfigPath, UCLOUD_UK8S_CLUSTER_ID: id, XDG_CACHE_HOME: `/tmp/uimgacc-identity-cache-${process.pid}`, UIMGACC_COMPLETION_TIMEOUT_MS: '30000' });
  const other = await complete(B);
  assert.equal(other.stdout, ':4\n');
  const own = await complete(A);
  assert.match(own.stdout, /^uhub\.service\.ucloud\.cn\/ident\/other:1\n/);
});

test('status, list, create and enable act on the UCloud cluster, with one warning line', async () => {
  const warning = `Warning: ${MISMATCH.replace(/\\/g, '')}: acting on ${B}\n`;
  for (const args of [['status'], ['list'], ['enable'], ['create', 'uhub.service.ucloud.cn/ident/new:1', '--no-wait']]) {
    const r = await cli(args, { UCLOUD_UK8S_CLUSTER_ID: B });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.split(warning).length - 1, 1, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.equal(sim.requests().filter((q) => q.action === 'CreateUK8SImageAccelerate' && q.params['ClusterId'] === B).length, 1);
  // Nothing to warn about when they agree.
  const same = await cli(['status'], { UCLOUD_UK8S_CLUSTER_ID: A });
  assert.equal(same.stderr, '');
});

test('doctor fails the identity check, says how to fix it, and stops there', async () => {
  const r = await cli(['doctor'], { UCLOUD_UK8S_CLUSTER_ID: B });
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`✗ Cluster identity: ${MISMATCH}\n {4}fix: to act on ${B}, switch to its context`));
  assert.doesNotMatch(r.stdout, /UCloud API|Agent Deployment/);
  const ok = await cli(['doctor'], { UCLOUD_UK8S_CLUSTER_ID: A });
  assert.match(ok.stdout, new RegExp(`✓ Cluster identity: the context's cluster is ${A} \\(from ConfigMap kube-system/uk8sconfig\\)`));
});

test('cluster ID, region and subnet come from uk8sconfig on its own cluster only', async () => {
  const own = await cli(['list', '-o', 'name', '-v'], { UCLOUD_REGION: undefined });
  assert.equal(own.code, 0, own.stderr);
  assert.equal(own.stdout, 'uhub.service.ucloud.cn/ident/other:1\n');
  assert.match(own.stderr, new RegExp(`cluster ID: ${A} \\(from ConfigMap kube-system/uk8sconfig\\)`));
  assert.match(own.stderr, /region: cn-sh2 \(from ConfigMap kube-system\/uk8sconfig\)/);
  const other = await cli(['status'], { UCLOUD_UK8S_CLUSTER_ID: B, UCLOUD_REGION: undefined });
  assert.equal(other.code, 1);
  assert.match(other.stderr, /^error: cannot tell the UCloud region of the cluster/);
  assert.match(other.stderr, new RegExp(`note: ConfigMap kube-system/uk8sconfig describes cluster ${A}, not ${B}: its UCLOUD_REGION_ID is not used`));
  // enable would take the cluster's own subnet only for its own cluster.
  sim.setCluster(B, { Enable: false, AgentReady: false, NfsReady: false, Images: [] });
  const enable = await cli(['enable', '--dry-run', '--nfs-addr', '10.9.0.10', '--uhub-username', 'u'], { UCLOUD_UK8S_CLUSTER_ID: B, UHUB_PASSWORD: 'pw' });
  assert.equal(enable.code, 1);
  assert.match(enable.stderr, /enable needs --subnet-id \(or SUBNET_ID\)/);
  sim.setCluster(B, { Enable: true, AgentReady: true, NfsReady: true, Images: [{ OriginalImage: IMG, TargetImage: IMG_ACC }] });
  // On its own cluster the subnet falls back to uk8sconfig's, and that is said on stderr, not only with -v.
  sim.setCluster(A, { Enable: false, AgentReady: false, NfsReady: false });
  const ownSubnet = await cli(['enable', '--dry-run', '--nfs-addr', '10.9.0.10', '--uhub-username', 'u'], { UCLOUD_UK8S_CLUSTER_ID: A, UHUB_PASSWORD: 'pw' });
  assert.equal(ownSubnet.code, 0, ownSubnet.stderr);
  assert.match(ownSubnet.stderr, /^note: using the cluster's subnet subnet-a \(from ConfigMap kube-system\/uk8sconfig\) for the NFS mount; --subnet-id chooses another\n/);
  assert.match(ownSubnet.stdout, /would be enabled on cluster uk8s-clustera1 with NFS 10\.9\.0\.10 in subnet-a \(dry run\)/);
  sim.setCluster(A, { Enable: true, AgentReady: true, NfsReady: true });
});

test('when the context\'s cluster cannot be told, delete and disable refuse unless --force, saying why', async () => {
  await setUk8sConfig(undefined);
  try {
    sim.clearRequests();
    const r = await cli(['delete', IMG], { UCLOUD_UK8S_CLUSTER_ID: B });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: refusing to delete the acceleration of ${IMG.replace(/\./g, '\\.')}: cannot tell which UK8S cluster this Kubernetes context is \\(ConfigMap kube-system/uk8sconfig does not exist; context "test" records no cluster ID\\)`));
    assert.match(r.stderr, new RegExp(`hint: record the cluster on this context with \`kubectl uimgacc configure --cluster-id ${B}\``));
    const disable = await cli(['disable'], { UCLOUD_UK8S_CLUSTER_ID: B });
    assert.equal(disable.code, 1);
    assert.deepEqual(mutations(), []);
    // patch is not refused for an unknown identity (only for a known different one).
    const patch = await cli(['patch', 'deploy/web', '--dry-run=client'], { UCLOUD_UK8S_CLUSTER_ID: B });
    assert.equal(patch.code, 0, patch.stderr);
    // Recorded by configure: known, the same, no refusal.
    const recorded = await cli(['delete', IMG, '--dry-run'], { UCLOUD_UK8S_CLUSTER_ID: B, KUBECONFIG: kubeconfigRecording(cp.kubeconfigPath, B) });
    assert.equal(recorded.code, 0, recorded.stderr);
    const forced = await cli(['delete', IMG, '--force'], { UCLOUD_UK8S_CLUSTER_ID: B });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /^Warning: cannot tell which UK8S cluster this Kubernetes context is .*; going ahead \(--force\)\n/);
    assert.deepEqual(mutations(), ['DeleteUK8SImageAccelerate']);
  } finally {
    await setUk8sConfig(A_CONFIG);
  }
});
