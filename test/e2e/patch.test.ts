// patch/unpatch against the real apiserver: every kind, idempotence, dry runs, a real lost race, and the round trip.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { kubeconfigRecording, runCli, type CliResult, ucloudEnv } from '../helpers/cli.ts';
import { KubeAccess } from '../../lib/kube/access.ts';
import { ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL } from '../../lib/affinity.ts';
import { KINDS, objectPath } from '../../lib/workload/kinds.ts';
import { PATCHED_ANNOTATION, readRecord } from '../../lib/workload/annotation.ts';
import { planPatch, unpatchPlanner } from '../../lib/workload/plan.ts';
import { readWorkload } from '../../lib/workload/resolve.ts';
import { isLostRace, jsonPatch, writeWithRetry } from '../../lib/workload/write.ts';

const CLUSTER = 'uk8s-patch0001';
const PUBLIC = 'patch-public';
const PRIVATE = 'patch-private-key';
// Unique per run: the control plane (and its Nodes) is shared with other test files.
const RUN = randomBytes(3).toString('hex');
const REPO = `uhub.service.ucloud.cn/patch-${RUN}`;
const APP = `${REPO}/app:v1`;
const APP_ACC = `${APP}-acc`;
const INIT = `${REPO}/init:2`;
const INIT_ACC = `${INIT}-acc`;
const TOOL = `${REPO}/tool:3`;
const TOOL_ACC = `${TOOL}-acc`;
const PLAIN = 'busybox:1.36';

let sim: Simulator;
let ns: string;
let kubeconfig: string;
const nodes = [`patch-${RUN}-a`, `patch-${RUN}-b`, `patch-${RUN}-c`];

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...args, '-n', ns], { ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, clusterId: CLUSTER, kubeconfig }), ...env });
}

type Obj = { metadata: { resourceVersion: string; annotations?: Record<string, string> }; spec: Record<string, unknown> };
async function get(type: string, name: string): Promise<Obj> {
  return JSON.parse(await kubectlAdmin(['-n', ns, 'get', `${type}/${name}`, '-o', 'json'])) as Obj;
}
function templateOf(type: string, obj: Obj): { spec: { containers: { name: string; image: string }[]; initContainers?: { name: string; image: string }[]; affinity?: unknown } } {
  const spec = obj.spec as { template?: unknown; jobTemplate?: { spec: { template: unknown } } };
  return (type === 'cronjob' ? spec.jobTemplate?.spec.template : spec.template) as ReturnType<typeof templateOf>;
}

const tmpl = (extra: object = {}): object => ({
  metadata: { labels: { app: 'x' }, annotations: { keep: 'me' } },
  spec: {
    initContainers: [{ name: 'setup', image: INIT }],
    containers: [
      { name: 'main', image: APP, env: [{ name: 'A', value: '1' }] },
      { name: 'side', image: PLAIN },
    ],
    ...extra,
  },
});
const zone = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } };
const selector = { matchLabels: { app: 'x' } };
function workloads(suffix: string): object[] {
  return [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `web${suffix}`, labels: { tier: `front${suffix}` } }, spec: { replicas: 5, selector, template: tmpl() } },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: `db${suffix}` }, spec: { serviceName: 'db', replicas: 1, selector, template: tmpl({ affinity: zone }) } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: `agent${suffix}` }, spec: { selector, template: tmpl() } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `rs${suffix}` }, spec: { replicas: 0, selector, template: tmpl() } },
    { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: `legacy${suffix}` }, spec: { replicas: 1, selector: { app: 'x' }, template: tmpl() } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: `nightly${suffix}` }, spec: { schedule: '0 2 * * *', suspend: true, jobTemplate: { spec: { template: tmpl({ restartPolicy: 'OnFailure' }) } } } },
  ];
}
const TYPES: [string, string, string][] = [
  ['deployment', 'deploy', 'web'],
  ['statefulset', 'sts', 'db'],
  ['daemonset', 'ds', 'agent'],
  ['replicaset', 'rs', 'rs'],
  ['replicationcontroller', 'rc', 'legacy'],
  ['cronjob', 'cj', 'nightly'],
];

before(async () => {
  const cp = await sharedControlPlane();
  kubeconfig = cp.kubeconfigPath;
  sim = await startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE }],
    clusters: [{
      clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true,
      Images: [{ OriginalImage: APP, TargetImage: APP_ACC }, { OriginalImage: INIT, TargetImage: INIT_ACC }, { OriginalImage: TOOL, TargetImage: TOOL_ACC }],
    }],
  });
  ns = await uniqueNamespace('patch');
  // As in clusters labelled before and after UCloud's rename: a Ready node with each spelling, and a labelled node
  // that is not Ready.
  const spellings = [ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL, ACCELERATION_LABEL];
  const nodeObjs = nodes.map((name, i) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { [spellings[i] ?? ACCELERATION_LABEL]: 'true' } } }));
  await kubectlAdmin(['apply', '-f', '-'], nodeObjs.map((o) => JSON.stringify(o)).join('\n'));
  for (const name of nodes.slice(0, 2)) {
    await kubectlAdmin(['patch', 'node', name, '--subresource=status', '--type=merge', '-p', '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}']);
  }
});

after(async () => {
  await kubectlAdmin(['delete', 'node', ...nodes, '--wait=false']).catch(() => undefined);
  await sim.close();
});

test('every kind: patch, idempotent re-patch, unpatch gives back the pod template read before', async () => {
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], workloads('').map((o) => JSON.stringify(o)).join('\n'));
  const originals = new Map<string, unknown>();
  for (const [type, , name] of TYPES) originals.set(type, templateOf(type, await get(type, name)));

  const rvs = async (): Promise<string[]> => Promise.all(TYPES.map(async ([type, , name]) => (await get(type, name)).metadata.resourceVersion));
  const unwritten = await rvs();
  const dry = await cli(['patch', ...TYPES.map(([, short, name]) => `${short}/${name}`), '--dry-run=server', '-o', 'json']);
  assert.equal(dry.code, 0, dry.stderr);
  const list = JSON.parse(dry.stdout) as { kind: string; items: (Obj & { kind: string })[] };
  assert.equal(list.kind, 'List');
  assert.deepEqual(list.items.map((o) => o.kind), ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'CronJob']);
  for (const [i, [type]] of TYPES.entries()) {
    const answered = list.items[i] as Obj;
    assert.deepEqual(templateOf(type, answered).spec.containers.map((c) => c.image), [APP_ACC, PLAIN], `${type}: the apiserver answered with the patched object`);
    assert.ok(answered.metadata.annotations?.[PATCHED_ANNOTATION], `${type}: with the record`);
  }
  assert.deepEqual(await rvs(), unwritten, 'the server dry run stored nothing');

  const r = await cli(['patch', ...TYPES.map(([, short, name]) => `${short}/${name}`)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^replicaset\.apps\/rs: running Pods keep their images/m);
  assert.match(r.stdout, /^deployment\.apps\/web patched\n {2}init container setup: .*init:2 -> .*init:2-acc\n {2}container main: .*app:v1 -> .*app:v1-acc\n {2}node affinity: requires node\.uk8s\.ucloud\.cn\/image_accel=true or node\.uk8s\.ucloud\.cn\/uimgacc=true\n/);
  for (const n of ['statefulset.apps/db', 'daemonset.apps/agent', 'replicaset.apps/rs', 'replicationcontroller/legacy', 'cronjob.batch/nightly']) assert.match(r.stdout, new RegExp(`^${n} patched$`, 'm'));
  assert.match(r.stderr, /deployment\.apps\/web: container side \(busybox:1\.36\) has no Ready acceleration: left alone/);
  assert.match(r.stderr, /Warning: deployment\.apps\/web wants 5 replicas but only 2 Ready node\(s\) carry node\.uk8s\.ucloud\.cn\/image_accel=true or node\.uk8s\.ucloud\.cn\/uimgacc=true/);
  assert.doesNotMatch(r.stderr, /legacy wants|db wants/);

  const versions = new Map<string, string>();
  for (const [type, , name] of TYPES) {
    const obj = await get(type, name);
    versions.set(type, obj.metadata.resourceVersion);
    const t = templateOf(type, obj);
    assert.deepEqual(t.spec.initContainers?.map((c) => c.image), [INIT_ACC], type);
    assert.deepEqual(t.spec.containers.map((c) => c.image), [APP_ACC, PLAIN], type);
    const record = readRecord(obj.metadata.annotations);
    assert.deepEqual(record?.containers, { main: APP }, type);
    assert.deepEqual(record?.initContainers, { setup: INIT }, type);
    // One term per spelling: both Ready accelerated nodes qualify, whichever label they carry, and no other node.
    const terms = (t.spec.affinity as typeof zone).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    assert.equal(terms.length, 2, type);
    assert.deepEqual(terms.map((term) => term.matchExpressions.at(-1)), [ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL].map((key) => ({ key, operator: 'In', values: ['true'] })), type);
    if (type === 'statefulset') assert.deepEqual(terms.map((term) => term.matchExpressions[0]?.key), ['zone', 'zone'], 'ANDed into each copy of the existing term');
  }

  const again = await cli(['patch', ...TYPES.map(([type, , name]) => `${type}/${name}`)]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^deployment\.apps\/web unchanged: already uses the target images/m);
  assert.match(again.stderr, /Nothing to patch/);
  for (const [type, , name] of TYPES) assert.equal((await get(type, name)).metadata.resourceVersion, versions.get(type), `${type} not written again`);

  const un = await cli(['unpatch', ...TYPES.map(([, short, name]) => `${short}/${name}`), '-o', 'name']);
  assert.equal(un.code, 0, un.stderr);
  assert.equal(un.stdout, 'deployment.apps/web\nstatefulset.apps/db\ndaemonset.apps/agent\nreplicaset.apps/rs\nreplicationcontroller/legacy\ncronjob.batch/nightly\n');
  for (const [type, , name] of TYPES) {
    const obj = await get(type, name);
    assert.deepEqual(templateOf(type, obj), originals.get(type), `${type}: pod template after patch+unpatch equals the original`);
    assert.equal(obj.metadata.annotations?.[PATCHED_ANNOTATION], undefined);
  }

  const twice = await cli(['unpatch', 'deploy/web']);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /^error: deployment\.apps\/web was not patched by uimgacc/);
});

test('dry runs: server dry run and client --diff/-o yaml change nothing; -l selects; --container; Jobs refused', async () => {
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], workloads('-dry').slice(0, 1).map((o) => JSON.stringify(o)).join('\n'));
  const before = await get('deployment', 'web-dry');

  const server = await cli(['patch', 'deployments', '-l', 'tier=front-dry', '--dry-run=server', '-o', 'json']);
  assert.equal(server.code, 0, server.stderr);
  const answered = JSON.parse(server.stdout) as Obj;
  assert.deepEqual(templateOf('deployment', answered).spec.containers.map((c) => c.image), [APP_ACC, PLAIN], 'the apiserver answered with the patched object');
  const summary = await cli(['patch', 'deploy/web-dry', '--dry-run=server']);
  assert.match(summary.stdout, /^deployment\.apps\/web-dry patched \(server dry run\)$/m);

  const diff = await cli(['patch', 'deploy', 'web-dry', '--dry-run=client', '--diff', '--container', 'main']);
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /^--- deployment\.apps\/web-dry \(live\)\n\+\+\+ deployment\.apps\/web-dry \(patched\)\n@@ /);
  assert.match(diff.stdout, /^-\s+image: .*app:v1$/m);
  assert.match(diff.stdout, /^\+\s+image: .*app:v1-acc$/m);
  assert.match(diff.stdout, /^\+\s+- key: node\.uk8s\.ucloud\.cn\/image_accel$/m);
  assert.doesNotMatch(diff.stdout, /init:2-acc/, '--container main leaves the init container alone');

  const yaml = await cli(['patch', 'deploy/web-dry', '--dry-run=client', '-o', 'yaml']);
  assert.match(yaml.stdout, /uimgacc\.ucloud\.cn\/patched: /);
  assert.equal((await get('deployment', 'web-dry')).metadata.resourceVersion, before.metadata.resourceVersion, 'no dry run changed the object');

  const owned = { ...(workloads('-owned')[3] as object), metadata: { name: 'rs-owned', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-dry', uid: (before.metadata as { uid?: string }).uid, controller: true }] } };
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], JSON.stringify(owned));
  const rs = await cli(['patch', 'rs/rs-owned', '--dry-run=client']);
  assert.equal(rs.code, 0, rs.stderr);
  assert.match(rs.stderr, /Warning: replicaset\.apps\/rs-owned is managed by deployment\/web-dry, which will not keep this change: patch the Deployment instead/);

  const job = await cli(['patch', 'job/x']);
  assert.equal(job.code, 1);
  assert.match(job.stderr, /Jobs cannot be patched: the pod template of a Job is immutable/);
  const missing = await cli(['patch', 'deploy/nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Error from server \(NotFound\): deployments\.apps "nope" not found/);
});

test('--node-label forces one spelling: one term, the nodes with only the other spelling named as excluded; unpatch removes it', async () => {
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], workloads('-one').slice(1, 2).map((o) => JSON.stringify(o)).join('\n'));
  const before = templateOf('statefulset', await get('statefulset', 'db-one'));
  const r = await cli(['patch', 'sts/db-one', '--node-label', ACCELERATION_LABEL]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /node affinity: requires node\.uk8s\.ucloud\.cn\/image_accel=true\n/);
  assert.match(r.stderr, /Warning: [1-9]\d* node\(s\) carry an acceleration label but not node\.uk8s\.ucloud\.cn\/image_accel=true: Pods will not be scheduled there/);
  const terms = (templateOf('statefulset', await get('statefulset', 'db-one')).spec.affinity as typeof zone).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
  assert.deepEqual(terms, [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, { key: ACCELERATION_LABEL, operator: 'In', values: ['true'] }] }]);
  const un = await cli(['unpatch', 'sts/db-one']);
  assert.equal(un.code, 0, un.stderr);
  assert.deepEqual(templateOf('statefulset', await get('statefulset', 'db-one')), before);
});

test('no Ready node carries the label: warns; an explicit --image pair; unpatch refuses after the image changed', async () => {
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], workloads('-lbl').slice(0, 1).map((o) => JSON.stringify(o)).join('\n'));
  const r = await cli(['patch', 'deploy/web-lbl', '--node-label', `example.com/none-${RUN}`, '--image', `${APP}=${APP_ACC}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Warning: no Ready node carries example\.com\/none-\w+=true: Pods of deployment\.apps\/web-lbl will stay Pending/);
  const obj = await get('deployment', 'web-lbl');
  assert.deepEqual(templateOf('deployment', obj).spec.initContainers?.map((c) => c.image), [INIT], 'only the named pair');

  const wrong = await cli(['patch', 'deploy/web-lbl', '--image', `${APP}=${REPO}/other:1`]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /has no Ready acceleration to .*other:1 .*its target image is .*app:v1-acc/);

  await kubectlAdmin(['-n', ns, 'set', 'image', 'deploy/web-lbl', 'main=app:v2']);
  const refusedUn = await cli(['unpatch', 'deploy/web-lbl']);
  assert.equal(refusedUn.code, 1);
  assert.match(refusedUn.stderr, /^error: cannot unpatch deployment\.apps\/web-lbl: it was changed after uimgacc patched it\n {2}container "main" runs app:v2, not the target image .*app:v1-acc/);
  assert.match(refusedUn.stderr, /kubectl annotate deployment\.apps\/web-lbl uimgacc\.ucloud\.cn\/patched-/);

  // Set back to the original by hand: nothing ambiguous about that, so unpatch finishes the job.
  await kubectlAdmin(['-n', ns, 'set', 'image', 'deploy/web-lbl', `main=${APP}`]);
  const un = await cli(['unpatch', 'deploy/web-lbl']);
  assert.equal(un.code, 0, un.stderr);
  assert.match(un.stdout, /^deployment\.apps\/web-lbl unpatched\n {2}container main: already runs .*app:v1 again\n {2}node affinity: acceleration label requirement removed\n$/);
  const back = await get('deployment', 'web-lbl');
  assert.equal(templateOf('deployment', back).spec.affinity, undefined);
  assert.equal(back.metadata.annotations?.[PATCHED_ANNOTATION], undefined);
});

for (const [type, , base] of TYPES) {
  test(`${type}: a concurrent change between read and write loses the race, is re-read and re-planned`, async () => {
    const name = `${base}-race`;
    const obj = workloads('-race').find((o) => (o as { metadata: { name: string } }).metadata.name === name);
    await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], JSON.stringify(obj));
    const kube = new KubeAccess({ kubeconfig }, {});
    const info = Object.values(KINDS).find((k) => k.kind.toLowerCase() === type);
    assert.ok(info);
    const lost: unknown[] = [];
    const res = await writeWithRetry({
      read: () => readWorkload(kube, info, ns, name),
      plan: (o) => planPatch(info, o, { accelerations: [{ originalImage: APP, targetImage: APP_ACC }, { originalImage: TOOL, targetImage: TOOL_ACC }], labels: [ACCELERATION_LABEL] }),
      // Someone else moves main to another image after we read: our write must not overwrite it blindly.
      beforeWrite: async (attempt) => {
        if (attempt !== 1) return;
        const op = [{ op: 'replace', path: `${info.templatePointer}/spec/containers/0/image`, value: TOOL }];
        await kubectlAdmin(['-n', ns, 'patch', `${type}/${name}`, '--type=json', '-p', JSON.stringify(op)]);
      },
      write: async (ops) => {
        try {
          return await jsonPatch(kube, objectPath(info, ns, name), ops, { fieldManager: 'kubectl-uimgacc', serverDryRun: false });
        } catch (err) {
          lost.push(err);
          throw err;
        }
      },
    });
    assert.equal(res.attempts, 2);
    assert.equal(lost.length, 1);
    assert.ok(isLostRace(lost[0]), 'the failed resourceVersion test is recognised as a lost race');
    const after = await get(type, name);
    assert.deepEqual(templateOf(type, after).spec.containers.map((c) => c.image), [TOOL_ACC, PLAIN], 'planned on the concurrent change');
    assert.deepEqual(templateOf(type, after).spec.initContainers?.map((c) => c.image), [INIT], 'only the pairs given');
    assert.deepEqual(readRecord(after.metadata.annotations)?.containers, { main: TOOL });
    const full = JSON.parse(await kubectlAdmin(['-n', ns, 'get', `${type}/${name}`, '-o', 'json', '--show-managed-fields'])) as { metadata: { managedFields?: { manager: string }[] } };
    const managers = full.metadata.managedFields?.map((m) => m.manager) ?? [];
    assert.ok(managers.includes('kubectl-uimgacc'), managers.join(','));
  });
}

test('two concurrent unpatch runs: the one that finds the work already done says so and exits 0', async () => {
  const name = 'web-twice';
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], JSON.stringify(workloads('-twice')[0]));
  assert.equal((await cli(['patch', `deploy/${name}`])).code, 0);
  const kube = new KubeAccess({ kubeconfig }, {});
  const info = KINDS.Deployment;
  let other: CliResult | undefined;
  // This run reads the patched Deployment; another whole `unpatch` process finishes before this run writes.
  const res = await writeWithRetry({
    read: () => readWorkload(kube, info, ns, name),
    plan: unpatchPlanner(info),
    beforeWrite: async (attempt) => {
      if (attempt === 1) other = await cli(['unpatch', `deploy/${name}`]);
    },
    write: (ops) => jsonPatch(kube, objectPath(info, ns, name), ops, { fieldManager: 'kubectl-uimgacc', serverDryRun: false }),
  });
  assert.equal(other?.code, 0, other?.stderr);
  assert.match(other?.stdout ?? '', /^deployment\.apps\/web-twice unpatched\n/);
  assert.equal(res.attempts, 2, 'the write lost the race and the Deployment was read again');
  assert.equal(res.plan.alreadyDone, true);
  assert.equal(res.after, undefined, 'nothing was written the second time');
  // The same run through the selection path of the real process: unpatched workloads are skipped with exit 0.
  const again = await cli(['unpatch', 'deployments', '-l', 'tier=front-twice']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /deployment\.apps\/web-twice skipped: not patched by uimgacc/);
});

test('zh_CN: patch and unpatch speak Chinese with their hints; -o output, the diff and what is written are the same as in English', async () => {
  const ZH = { LANG: 'zh_CN.UTF-8' };
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], [...workloads('-zh').slice(0, 1), ...workloads('-en').slice(0, 1)].map((o) => JSON.stringify(o)).join('\n'));

  // What a script reads does not change with the language: -o yaml|json|name and the diff of a client dry run.
  for (const args of [['-o', 'yaml'], ['-o', 'json'], ['-o', 'name'], ['--diff']]) {
    const [en, zh] = await Promise.all([cli(['patch', 'deploy/web-zh', '--dry-run=client', ...args]), cli(['patch', 'deploy/web-zh', '--dry-run=client', ...args], ZH)]);
    assert.equal(en.code, 0, en.stderr);
    assert.equal(zh.code, 0, zh.stderr);
    assert.ok(zh.stdout.length > 0);
    assert.equal(zh.stdout, en.stdout, args.join(' '));
  }
  const dry = await cli(['patch', 'deploy/web-zh', '--dry-run=server'], ZH);
  assert.match(dry.stdout, /^deployment\.apps\/web-zh 将切换到目标镜像（服务端试运行）$/m);
  // The outcome in colour when asked for, the word still there; -o output never coloured.
  const coloured = await cli(['patch', 'deploy/web-zh', '--dry-run=client'], { ...ZH, FORCE_COLOR: '1' });
  const ESC = '\u001b';
  assert.ok(coloured.stdout.includes(`${ESC}[32mdeployment.apps/web-zh 将切换到目标镜像（试运行）${ESC}[39m\n`), coloured.stdout);
  assert.ok(!(await cli(['patch', 'deploy/web-zh', '--dry-run=client', '-o', 'yaml'], { ...ZH, FORCE_COLOR: '1' })).stdout.includes(ESC));
  assert.ok(!dry.stdout.includes(ESC), 'no colour into a pipe');

  const zh = await cli(['patch', 'deploy/web-zh'], ZH);
  assert.equal(zh.code, 0, zh.stderr);
  assert.equal(
    zh.stdout,
    `deployment.apps/web-zh 已切换到目标镜像\n  init 容器 setup：${INIT} -> ${INIT_ACC}\n  容器 main：${APP} -> ${APP_ACC}\n  节点亲和性：要求 ${ACCELERATION_LABEL}=true 或 ${LEGACY_ACCELERATION_LABEL}=true\n`,
  );
  assert.match(zh.stderr, /^deployment\.apps\/web-zh：容器 side（busybox:1\.36）没有 Ready 的镜像加速，保持不变$/m);
  assert.match(zh.stderr, /^警告：deployment\.apps\/web-zh 需要 5 个副本，但只有 2 个 Ready 节点带有 node\.uk8s\.ucloud\.cn\/image_accel=true 或 node\.uk8s\.ucloud\.cn\/uimgacc=true：/m);
  const en = await cli(['patch', 'deploy/web-en']);
  assert.equal(en.code, 0, en.stderr);
  // The object written to the cluster is the same whatever the language: pod template and the record.
  const [writtenZh, writtenEn] = await Promise.all([get('deployment', 'web-zh'), get('deployment', 'web-en')]);
  assert.deepEqual(templateOf('deployment', writtenZh), templateOf('deployment', writtenEn));
  assert.equal(writtenZh.metadata.annotations?.[PATCHED_ANNOTATION], writtenEn.metadata.annotations?.[PATCHED_ANNOTATION]);

  const again = await cli(['patch', 'deploy/web-zh'], ZH);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, 'deployment.apps/web-zh 未改动：已使用目标镜像，并已要求节点带有镜像加速标签\n');
  assert.match(again.stderr, /^无需修改：所选容器中没有使用带 Ready 镜像加速、且尚未切换的镜像。$/m);

  const job = await cli(['patch', 'job/x'], ZH);
  assert.equal(job.code, 1);
  assert.equal(job.stderr, '错误：不能修改 Job：Job 的 Pod 模板不可变\n提示：请修改创建该 Job 的 CronJob，或使用目标镜像重新创建该 Job（`kubectl uimgacc list` 可查看目标镜像）\n');
  const none = await cli(['patch', 'deployments', '-l', 'tier=nothing-zh'], ZH);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stderr, `在 ${ns} 命名空间中未找到资源。\n`);

  await kubectlAdmin(['-n', ns, 'set', 'image', 'deploy/web-zh', 'main=app:v2']);
  const refusedUn = await cli(['unpatch', 'deploy/web-zh'], ZH);
  assert.equal(refusedUn.code, 1);
  assert.match(refusedUn.stderr, /^错误：无法恢复 deployment\.apps\/web-zh：uimgacc 修改它之后，它又被改动过\n {2}容器“main”运行的是 app:v2，而不是 patch 设置的目标镜像 .*app:v1-acc（原始镜像：.*app:v1）\n提示：请手动设置所需的镜像.*`kubectl annotate deployment\.apps\/web-zh uimgacc\.ucloud\.cn\/patched-`/);
  await kubectlAdmin(['-n', ns, 'set', 'image', 'deploy/web-zh', `main=${APP}`]);
  const un = await cli(['unpatch', 'deploy/web-zh'], ZH);
  assert.equal(un.code, 0, un.stderr);
  assert.equal(un.stdout, `deployment.apps/web-zh 已恢复原始镜像\n  init 容器 setup：${INIT_ACC} -> ${INIT}\n  容器 main：已重新使用 ${APP}\n  节点亲和性：已删除对镜像加速标签的要求\n`);
  assert.equal((await cli(['unpatch', 'deploy/web-en'])).code, 0);
  const [backZh, backEn] = await Promise.all([get('deployment', 'web-zh'), get('deployment', 'web-en')]);
  assert.deepEqual(templateOf('deployment', backZh), templateOf('deployment', backEn));
  assert.equal(backZh.metadata.annotations?.[PATCHED_ANNOTATION], undefined);

  const twice = await cli(['unpatch', 'deploy/web-zh'], ZH);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /^错误：deployment\.apps\/web-zh 没有被 uimgacc 修改过（没有 uimgacc\.ucloud\.cn\/patched 注解），无需撤销\n提示：如果它的镜像是手动修改的，请手动改回（kubectl set image deployment\.apps\/web-zh CONTAINER=IMAGE）\n$/);
  const skipped = await cli(['unpatch', 'deployments', '-l', 'tier=front-zh'], ZH);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.equal(skipped.stderr, 'deployment.apps/web-zh 已跳过：它没有被 uimgacc 修改过\n');

  // Another cluster's context: refused before anything is read, in Chinese, saying what was refused.
  const other = kubeconfigRecording(kubeconfig, 'uk8s-other0001');
  for (const [verb, what] of [['patch', '修改工作负载'], ['unpatch', '恢复工作负载的原始镜像']]) {
    const wrong = await cli([verb ?? '', 'deploy/web-zh'], { ...ZH, KUBECONFIG: other });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, new RegExp(`^错误：拒绝${what}：`));
  }

  const help = await cli(['patch', '--help'], ZH);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /--all +将命名空间中所有 TYPE 类型的工作负载切换到目标镜像/);
  assert.match(help.stdout, /预览 Pod 模板的变化/);
  const unHelp = await cli(['unpatch', '--help'], ZH);
  assert.match(unHelp.stdout, /--all +将命名空间中所有 TYPE 类型的工作负载恢复为原始镜像/);
});
