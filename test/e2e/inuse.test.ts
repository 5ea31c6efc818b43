// The in-use safety scan against the real apiserver: every kind and container kind, identity matching, RBAC gaps,
// and the guarded delete/disable of the real CLI process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { kubeconfigYaml } from '../controlplane/controlplane.ts';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { kubernetesMinor } from '../controlplane/testbin.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { kubeconfigRecording, runCli, type CliResult, ucloudEnv } from '../helpers/cli.ts';
import { KubeAccess } from '../../lib/kube/access.ts';
import { scanImageUses } from '../../lib/inuse/scan.ts';

const CLUSTER = 'uk8s-inuse0001';
const PUBLIC = 'inuse-public';
const PRIVATE = 'inuse-private-key';
// Unique per run: the control plane is shared with other test files.
const REPO = `uhub.service.ucloud.cn/inuse-${randomBytes(3).toString('hex')}`;
const APP = `${REPO}/app:v1`;
const APP_ACC = `${APP}-acc`;
const TOOL = `${REPO}/tool:2`;
const TOOL_ACC = `${TOOL}-acc`;
const DIGEST = `sha256:${'c'.repeat(64)}`;

let sim: Simulator;
let ns: string;
let quietNs: string;
let kubeconfig: string;

function pod(name: string, spec: object, extra: object = {}): object {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...extra }, spec };
}
const c = (name: string, image: string): object => ({ name, image });
const tmpl = (image: string, extra: object = {}): object => ({ metadata: { labels: { app: 'x' } }, spec: { containers: [c('main', image)], ...extra } });

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...args, '--poll-interval=40ms'], { ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, clusterId: CLUSTER, kubeconfig }), ...env });
}

before(async () => {
  const cp = await sharedControlPlane();
  kubeconfig = kubeconfigRecording(cp.kubeconfigPath, CLUSTER);
  sim = await startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE }],
    clusters: [
      {
        clusterId: CLUSTER,
        region: 'cn-bj2',
        Enable: true,
        NfsReady: true,
        AgentReady: true,
        Images: [
          { OriginalImage: APP, TargetImage: APP_ACC },
          { OriginalImage: TOOL, TargetImage: TOOL_ACC },
          { OriginalImage: 'docker.io/library/nginx:1.27', TargetImage: 'docker.io/library/nginx:1.27-acc' },
          { OriginalImage: `${REPO}/unused:1`, TargetImage: `${REPO}/unused:1-acc` },
        ],
      },
    ],
    deleteDelayMs: 100,
  });
  ns = await uniqueNamespace('inuse');
  quietNs = await uniqueNamespace('inuse-quiet');
  const objects = [
    pod('plain', { containers: [c('app', APP_ACC)] }),
    pod('init', { initContainers: [c('setup', APP_ACC)], containers: [c('main', 'busybox:1')] }),
    pod('sidecar', { initContainers: [{ ...c('proxy', TOOL_ACC), restartPolicy: 'Always' }], containers: [c('main', 'busybox:1')] }),
    pod('short-name', { containers: [c('web', 'nginx:1.27-acc')] }),
    pod('pinned', { containers: [c('app', `${APP_ACC}@${DIGEST}`)] }),
    pod('prefix-trap', { containers: [c('a', `${APP_ACC}-old`), c('b', `${REPO}/app-extra:v1-acc`), c('c', `${REPO}/app:v1`)] }),
    pod('finished', { containers: [c('app', APP_ACC)], restartPolicy: 'Never' }),
    pod('crashed', { containers: [c('app', APP_ACC)], restartPolicy: 'Never' }),
    // Same repository, pinned by digest only: it may be the target or not; only the registry could say.
    pod('digest-only', { containers: [c('app', `${REPO}/app@sha256:${'d'.repeat(64)}`)] }),
    pod('leaving', { containers: [c('app', APP_ACC)] }, { finalizers: ['uimgacc.test/hold'] }),
    pod('debugged', { containers: [c('main', 'busybox:1')] }),
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'scaled-to-zero' }, spec: { replicas: 0, selector: { matchLabels: { app: 'x' } }, template: tmpl(APP_ACC) } },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'x' } }, template: tmpl(APP_ACC) } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'x' } }, template: tmpl(TOOL_ACC) } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'old-rollout' }, spec: { replicas: 0, selector: { matchLabels: { app: 'x' } }, template: tmpl(APP_ACC) } },
    { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy' }, spec: { replicas: 1, selector: { app: 'x' }, template: tmpl(APP_ACC) } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once' }, spec: { suspend: true, template: tmpl(APP_ACC, { restartPolicy: 'Never' }) } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' }, spec: { schedule: '0 2 * * *', suspend: true, jobTemplate: { spec: { template: tmpl(APP_ACC, { restartPolicy: 'OnFailure' }) } } } },
  ];
  // Before 1.28 a container has no restartPolicy: kubectl's strict validation would refuse the sidecar, so let the
  // apiserver drop the field as it does for any older client; the init container is a user either way.
  const validate = kubernetesMinor() < 28 ? ['--validate=false'] : [];
  await kubectlAdmin(['-n', ns, 'apply', ...validate, '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n'));
  await kubectlAdmin(['-n', ns, 'patch', 'pod', 'finished', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Succeeded"}}']);
  await kubectlAdmin(['-n', ns, 'patch', 'pod', 'crashed', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Failed"}}']);
  await kubectlAdmin(['-n', ns, 'delete', 'pod', 'leaving', '--wait=false']);
  const core = await new KubeAccess({ kubeconfig }, {}).core();
  const debugged = await core.readNamespacedPod({ namespace: ns, name: 'debugged' });
  await core.replaceNamespacedPodEphemeralcontainers({
    namespace: ns,
    name: 'debugged',
    body: { ...debugged, spec: { ...debugged.spec, containers: debugged.spec?.containers ?? [], ephemeralContainers: [{ name: 'debugger', image: TOOL_ACC }] } },
  });
  await kubectlAdmin(['-n', quietNs, 'run', 'unrelated', '--image=busybox:1']);
});

after(async () => {
  await kubectlAdmin(['-n', ns, 'patch', 'pod', 'leaving', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']).catch(() => undefined);
  await sim.close();
});

test('the scan finds every kind and container kind, by identity, and skips finished Pods', async () => {
  const kube = new KubeAccess({ kubeconfig }, {});
  const result = await scanImageUses(kube, [APP_ACC, TOOL_ACC, 'docker.io/library/nginx:1.27-acc'], { namespace: ns, pageSize: 3 });
  const found = result.uses.map((u) => `${u.kind}/${u.name}/${u.container}/${u.containerType}`).sort();
  assert.deepEqual(found, [
    'CronJob/nightly/main/container',
    'DaemonSet/agent/main/container',
    'Deployment/scaled-to-zero/main/container',
    'Job/once/main/container',
    'Pod/debugged/debugger/ephemeralContainer',
    'Pod/digest-only/app/container',
    'Pod/init/setup/initContainer',
    'Pod/leaving/app/container',
    'Pod/pinned/app/container',
    'Pod/plain/app/container',
    'Pod/short-name/web/container',
    'Pod/sidecar/proxy/initContainer',
    'ReplicaSet/old-rollout/main/container',
    'ReplicationController/legacy/main/container',
    'StatefulSet/db/main/container',
  ]);
  assert.equal(result.uses.find((u) => u.name === 'leaving')?.terminating, true);
  // Both sides of the sidecar change: kept as a sidecar where the server has them (1.29+ by default), an ordinary init
  // container before; counted as a user on every version.
  const sidecar = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'pod', 'sidecar', '-o', 'json'])) as { spec: { initContainers: { restartPolicy?: string }[] } };
  assert.equal(sidecar.spec.initContainers[0]?.restartPolicy, kubernetesMinor() >= 29 ? 'Always' : undefined);
  assert.equal(result.uses.find((u) => u.name === 'scaled-to-zero')?.replicas, 0);
  assert.equal(result.uses.find((u) => u.name === 'nightly')?.suspended, true);
  assert.equal(result.uses.find((u) => u.name === 'short-name')?.target, 'docker.io/library/nginx:1.27-acc');
  assert.deepEqual(result.uses.filter((u) => !u.certain).map((u) => u.name), ['digest-only']);
  assert.deepEqual(result.unseen, []);
  assert.ok(result.scanned.Pod >= 9, 'paged through all Pods with a small page size');
});

test('who-uses: one image by its original name, all images, digest references, -o json, -n and -A', async () => {
  const one = await cli(['who-uses', APP, '-n', ns]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^NAMESPACE\s+KIND\s+NAME\s+CONTAINER\s+IMAGE\s+STATUS\n/);
  assert.match(one.stdout, /Deployment\s+scaled-to-zero\s+main\s+\S+\s+replicas=0/);
  assert.match(one.stdout, /Pod\s+leaving\s+app\s+\S+\s+Terminating/);
  assert.match(one.stdout, /Pod\s+init\s+setup \(initContainer\)/);
  assert.doesNotMatch(one.stdout, /prefix-trap|finished|crashed|agent|short-name/);
  assert.match(one.stdout, /Pod\s+digest-only\s+app\s+\S+@sha256:d+\s+Pending, maybe \(tag vs digest\)/);
  assert.match(one.stderr, /namespace .* only; without -n, who-uses looks in all namespaces/);
  assert.match(one.stderr, /^11 containers use .*app:v1-acc: 5 in Pods \(1 terminating\), 6 in workload pod templates; for 1 of them it is not certain \(tag vs digest: only the registry could tell\) \(in namespace /);

  // All namespaces by default; -A says the same explicitly.
  const json = JSON.parse((await cli(['usage', '-o', 'json'])).stdout) as { items: { namespace: string; name: string }[]; scope: string };
  const explicit = JSON.parse((await cli(['usage', '-A', '-o', 'json'])).stdout) as { items: { namespace: string; name: string }[]; scope: string };
  assert.deepEqual(explicit.items.filter((i) => i.namespace === ns), json.items.filter((i) => i.namespace === ns));
  assert.equal(json.scope, 'all namespaces');
  const mine = json.items.filter((i) => i.namespace === ns).map((i) => i.name);
  for (const name of ['plain', 'sidecar', 'debugged', 'agent', 'short-name', 'nightly']) assert.ok(mine.includes(name), name);

  // Pinned by that digest: certain. By the tag alone: maybe (only the registry knows what the tag points to).
  const byDigest = await cli(['who-uses', `${APP_ACC}@${DIGEST}`, '-n', ns, '-o', 'json']);
  const digestItems = (JSON.parse(byDigest.stdout) as { items: { name: string; certain: boolean }[] }).items;
  assert.deepEqual(digestItems.filter((i) => i.certain).map((i) => i.name), ['pinned']);
  assert.ok(digestItems.some((i) => i.name === 'plain' && !i.certain));
  assert.ok(!digestItems.some((i) => i.name === 'prefix-trap'));

  const quiet = await cli(['who-uses', APP, '-n', quietNs]);
  assert.equal(quiet.code, 0);
  assert.equal(quiet.stdout, '');
  assert.match(quiet.stderr, /Nothing uses .* in namespace/);
});

test('zh_CN: who-uses prints its table, summary and scope in Chinese; -o json|yaml|name are the same as in English', async () => {
  const ZH = { LANG: 'zh_CN.UTF-8' };
  const r = await cli(['who-uses', APP, '-n', ns], ZH);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0] ?? '', /^命名空间 +类型 +名称 +容器 +镜像 +状态$/);
  assert.match(r.stdout, /^\S+ +Pod +plain +app +\S+app:v1-acc +Running|^\S+ +Pod +plain +app +\S+app:v1-acc +Pending/m);
  const [summary, only, ...rest] = r.stderr.split('\n');
  assert.match(summary ?? '', /^11 个容器正在使用 \S+app:v1-acc：5 个在 Pod 中（其中 1 个正在终止），6 个在工作负载的 Pod 模板中；其中 1 个无法确定.*（范围：命名空间 inuse-\S+）。$/);
  assert.equal(only, `（仅限命名空间 ${ns}；不加 -n 时，who-uses 会在所有命名空间中查找）`);
  assert.deepEqual(rest, ['']);
  const wide = await cli(['who-uses', APP, '-n', ns, '-o', 'wide'], ZH);
  assert.match(wide.stdout.split('\n')[0] ?? '', / +状态 +目标镜像$/);
  const quiet = await cli(['who-uses', APP, '-n', quietNs], ZH);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.match(quiet.stderr, new RegExp(`^没有任何对象使用 \\S+app:v1-acc（范围：命名空间 ${quietNs}）。\n`));
  const all = await cli(['who-uses', '-n', quietNs], ZH);
  assert.match(all.stderr, new RegExp(`^没有任何对象使用已加速镜像的目标镜像（范围：命名空间 ${quietNs}）。\n`));

  // What scripts read does not change with the language.
  for (const args of [['-o', 'json'], ['-o', 'yaml'], ['-o', 'name']]) {
    const [en, zh] = await Promise.all([cli(['who-uses', APP, '-n', ns, ...args]), cli(['who-uses', APP, '-n', ns, ...args], ZH)]);
    assert.equal(zh.code, en.code, zh.stderr);
    assert.ok(zh.stdout.length > 0);
    assert.equal(zh.stdout, en.stdout, args.join(' '));
  }
  const both = await cli(['who-uses', '-A', '-n', ns], ZH);
  assert.equal(both.code, 1);
  assert.equal(both.stderr, '错误：--all-namespaces 和 --namespace 不能同时使用\n');
});

test('list -o wide counts users per image', async () => {
  const r = await cli(['list', '-o', 'wide']);
  assert.equal(r.code, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith(`${REPO}/unused:1 `));
  assert.match(line ?? '', /\s0$/);
  const app = r.stdout.split('\n').find((l) => l.startsWith(`${APP} `));
  assert.match(app ?? '', /\s(1[0-9])$/);
});

test('delete refuses with exit 3 and a table while the target is in use; --dry-run says so and changes nothing', async () => {
  sim.clearRequests();
  const r = await cli(['delete', APP]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^error: refusing to delete the acceleration of .*app:v1: \d+ containers use the target image: \d+ in Pods \(1 terminating\), \d+ in workload pod templates; for 1 of them it is not certain/);
  assert.match(r.stderr, /NAMESPACE\s+KIND\s+NAME\s+CONTAINER\s+IMAGE\s+STATUS/);
  assert.match(r.stderr, /hint: .*--force/);
  const dry = await cli(['delete', APP, '--dry-run']);
  assert.equal(dry.code, 3);
  assert.match(dry.stdout, /would be refused: .*use the target image: .* \(dry run\)/);
  assert.equal(sim.requests().filter((q) => q.action === 'DeleteUK8SImageAccelerate').length, 0);
  const free = await cli(['delete', `${REPO}/unused:1-acc`, '--dry-run=client']);
  assert.equal(free.code, 0, free.stderr);
  assert.match(free.stdout, /would proceed: nothing uses the target image \(dry run\)/);
});

test('disable refuses with exit 3 while any target image is in use', async () => {
  const r = await cli(['disable']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /refusing to disable image acceleration/);
  assert.equal(sim.cluster(CLUSTER).Enable, true);
});

test('a restricted user is refused, and told exactly what could not be listed', async () => {
  const cp = await sharedControlPlane();
  const file = kubeconfigRecording(kubeconfigYaml(cp, 'carol', cp.users['carol'] as string), CLUSTER);
  await kubectlAdmin(['-n', quietNs, 'create', 'role', 'list-all', '--verb=list', '--resource=pods,deployments,statefulsets,daemonsets,replicasets,replicationcontrollers,jobs,cronjobs']);
  await kubectlAdmin(['-n', quietNs, 'create', 'rolebinding', 'carol-list', '--role=list-all', '--user=carol']);
  const r = await cli(['delete', `${REPO}/unused:1-acc`], { KUBECONFIG: file });
  // Could not verify (5), which scripts tell apart from "in use" (3).
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, /the in-use check could not see everything, and an unseen Pod is not a safe Pod/);
  assert.match(r.stderr, /Pod in all namespaces: Error from server \(Forbidden\): pods is forbidden: User "carol" cannot list resource "pods" in API group "" at the cluster scope; and namespaces cannot be listed/);
  assert.match(r.stderr, /CronJob in all namespaces/);
  const dry = await cli(['delete', `${REPO}/unused:1-acc`, '--dry-run'], { KUBECONFIG: file });
  assert.equal(dry.code, 5, dry.stderr);
  assert.match(dry.stdout, /would be refused: the in-use check could not see everything/);
  // Scoped to the namespace carol may list, who-uses works and reports nothing unseen.
  const scoped = await cli(['who-uses', `${REPO}/unused:1`, '-n', quietNs], { KUBECONFIG: file });
  assert.equal(scoped.code, 0, scoped.stderr);
  assert.doesNotMatch(scoped.stderr, /could not see/);

  // Cluster-wide she sees one namespace: never "Nothing uses", never "in all namespaces" as a scope, exit 5.
  const partial = await cli(['who-uses', `${REPO}/unused:1`], { KUBECONFIG: file });
  assert.equal(partial.code, 5, partial.stderr);
  assert.doesNotMatch(partial.stderr, /Nothing uses/);
  assert.match(partial.stderr, /^No use of .*unused:1-acc found in what could be listed, which is not everything: it is unknown whether anything uses it\.\n/);
  assert.doesNotMatch(partial.stderr.split('\n')[0] ?? '', /all namespaces/);
  assert.match(partial.stderr, /Warning: the scan could not see:\n {2}Pod in all namespaces: Error from server \(Forbidden\)/);
  const partialJson = await cli(['who-uses', `${REPO}/unused:1`, '-o', 'json'], { KUBECONFIG: file });
  assert.equal(partialJson.code, 5, partialJson.stderr);
  const report = JSON.parse(partialJson.stdout) as { kind: string; complete: boolean; items: unknown[]; unseen: { kind: string }[] };
  assert.equal(report.kind, 'ImageUsage');
  assert.equal(report.complete, false);
  assert.ok(report.unseen.some((u) => u.kind === 'Pod'));

  // IN USE from a partial scan is unknown ("?"), not 0.
  const wide = await cli(['list', '-o', 'wide'], { KUBECONFIG: file });
  assert.equal(wide.code, 0, wide.stderr);
  const unused = wide.stdout.split('\n').find((l) => l.startsWith(`${REPO}/unused:1 `));
  assert.match(unused ?? '', /\s\?$/);
  assert.match(wide.stderr, /IN USE counts only what could be listed/);
});

test('zh_CN: a restricted user is told in Chinese what who-uses could not see and how to get a full answer; -o json|name unchanged', async () => {
  // After the test above: carol may list in quietNs only.
  const ZH = { LANG: 'zh_CN.UTF-8' };
  const cp = await sharedControlPlane();
  const file = kubeconfigRecording(kubeconfigYaml(cp, 'carol', cp.users['carol'] as string), CLUSTER);
  const partial = await cli(['who-uses', `${REPO}/unused:1`], { KUBECONFIG: file, ...ZH });
  assert.equal(partial.code, 5, partial.stderr);
  assert.match(partial.stderr, /^在能列出的范围内没有找到使用 \S+unused:1-acc 的对象，但这不是全部：无法确定是否有对象在使用它。\n警告：扫描无法查看：\n {2}所有命名空间的 Pod：Error from server \(Forbidden\)/);
  assert.match(partial.stderr, /^提示：请确认当前上下文有权在这些位置列出这些类型（例如 `kubectl auth can-i list cronjobs\.batch -n NAMESPACE`），然后重新运行 who-uses；在此之前结果不完整（退出码 5）$/m);
  assert.doesNotMatch(partial.stderr, /Nothing|No use|could not see|Warning/);
  for (const args of [['-o', 'json'], ['-o', 'name']]) {
    const [en, zh] = await Promise.all([cli(['who-uses', `${REPO}/unused:1`, ...args], { KUBECONFIG: file }), cli(['who-uses', `${REPO}/unused:1`, ...args], { KUBECONFIG: file, ...ZH })]);
    assert.equal(zh.code, 5, zh.stderr);
    assert.equal(en.code, 5, en.stderr);
    assert.equal(zh.stdout, en.stdout, args.join(' '));
  }
  const named = await cli(['who-uses', `${REPO}/unused:1`, '-o', 'name'], { KUBECONFIG: file, ...ZH });
  assert.match(named.stderr, /^警告：扫描有 \d+ 个“类型\/命名空间”组合无法查看：列表可能不完整\n {2}所有命名空间的 Pod：/);
  assert.match(named.stderr, /^提示：请确认当前上下文有权/m);
});

test('an unreachable cluster: who-uses and list -o wide say it is unknown and name the server; delete exits 5', async () => {
  const cp = await sharedControlPlane();
  // A port nothing listens on. The context records its cluster, so what is tested is the scan, not the identity.
  const file = kubeconfigRecording(kubeconfigYaml({ ...cp, server: 'https://127.0.0.1:1' }, 'admin', cp.adminToken), CLUSTER);
  const r = await cli(['who-uses', APP], { KUBECONFIG: file });
  assert.equal(r.code, 5, r.stderr);
  assert.doesNotMatch(r.stderr, /Nothing uses/);
  assert.match(r.stderr, /Warning: the cluster could not be read: The connection to the server 127\.0\.0\.1:1 was refused/);
  const wide = await cli(['list', '-o', 'wide'], { KUBECONFIG: file });
  assert.equal(wide.code, 0, wide.stderr);
  assert.match(wide.stdout.split('\n').find((l) => l.startsWith(`${APP} `)) ?? '', /\s\?$/);
  const del = await cli(['delete', APP, '--dry-run'], { KUBECONFIG: file });
  assert.equal(del.code, 5, del.stderr);
  assert.match(del.stdout, /would be refused: the in-use check could not read the cluster: The connection to the server 127\.0\.0\.1:1 was refused/);
});

test('zh_CN: an unreachable cluster: who-uses says so in Chinese, its -o json keeps the English reason', async () => {
  const cp = await sharedControlPlane();
  const file = kubeconfigRecording(kubeconfigYaml({ ...cp, server: 'https://127.0.0.1:1' }, 'admin', cp.adminToken), CLUSTER);
  const r = await cli(['who-uses', APP], { KUBECONFIG: file, LANG: 'zh_CN.UTF-8' });
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, /^在能列出的范围内没有找到使用 \S+app:v1-acc 的对象，但这不是全部：无法确定是否有对象在使用它。\n警告：无法读取集群：到服务器 127\.0\.0\.1:1 的连接被拒绝/);
  const [en, zh] = await Promise.all([cli(['who-uses', APP, '-o', 'json'], { KUBECONFIG: file }), cli(['who-uses', APP, '-o', 'json'], { KUBECONFIG: file, LANG: 'zh_CN.UTF-8' })]);
  assert.equal(zh.code, 5, zh.stderr);
  assert.match(zh.stdout, /The connection to the server 127\.0\.0\.1:1 was refused/);
  assert.equal(zh.stdout, en.stdout);
});

test('a forced delete proceeds, shows what it breaks, and says so', async () => {
  const r = await cli(['delete', TOOL_ACC, '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Warning: \d+ containers use the target image/);
  assert.match(r.stderr, /DaemonSet\s+agent/);
  assert.match(r.stderr, /Warning: deleting anyway \(--force\): Pods still using the target image will get IO errors/);
  assert.match(r.stdout, /deleted/);
  assert.ok(!sim.cluster(CLUSTER).Images.some((i) => i.OriginalImage === TOOL));
});
