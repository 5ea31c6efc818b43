import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL } from '../../lib/affinity.ts';
import { UserError } from '../../lib/errors.ts';
import { PATCHED_ANNOTATION, readRecord } from '../../lib/workload/annotation.ts';
import { unifiedDiff } from '../../lib/workload/diff.ts';
import { KINDS, objectName, objectPath, parseTargets, resolveType, WORKLOAD_KINDS, type KindInfo, type WorkloadKind } from '../../lib/workload/kinds.ts';
import { planPatch, planUnpatch, type Acceleration, type JsonPatchOp } from '../../lib/workload/plan.ts';
import { podTemplateOf, type Workload } from '../../lib/workload/template.ts';
import { isLostRace, writeWithRetry } from '../../lib/workload/write.ts';
import { KubeApiError } from '../../lib/kube/rawlist.ts';
import { inChinese } from '../helpers/language.ts';
import { imagesToAccelerate } from '../../lib/workload/images.ts';

const APP = 'uhub.service.ucloud.cn/shop/app:v1';
const APP_ACC = 'uhub.service.ucloud.cn/shop/app:v1-acc';
const INIT = 'uhub.service.ucloud.cn/shop/init:2';
const INIT_ACC = 'uhub.service.ucloud.cn/shop/init:2-acc';
const ACCS: Acceleration[] = [
  { originalImage: APP, targetImage: APP_ACC },
  { originalImage: INIT, targetImage: INIT_ACC },
  { originalImage: 'docker.io/library/nginx:1.27', targetImage: 'docker.io/library/nginx:1.27-acc' },
];
const L = ACCELERATION_LABEL;
const REQ = { key: L, operator: 'In', values: ['true'] };

function template(spec: object = {}): object {
  return {
    metadata: { labels: { app: 'x' } },
    spec: {
      initContainers: [{ name: 'setup', image: INIT }],
      containers: [
        { name: 'main', image: APP, ports: [{ containerPort: 80 }] },
        { name: 'side', image: 'busybox:1' },
      ],
      ...spec,
    },
  };
}

function workload(kind: WorkloadKind, spec: object = {}, annotations?: Record<string, string>): Workload {
  const tmpl = template(spec);
  const body = kind === 'CronJob' ? { schedule: '0 1 * * *', jobTemplate: { spec: { template: tmpl } } } : { replicas: 2, template: tmpl };
  return { apiVersion: 'x/v1', kind, metadata: { name: 'w', namespace: 'ns', resourceVersion: '42', ...(annotations ? { annotations } : {}) }, spec: body };
}

/** A minimal RFC 6902 applier, to check that the ops the plan sends produce the object it predicts. */
function applyOps(obj: Workload, ops: readonly JsonPatchOp[]): Workload {
  const doc = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop() as string;
    let parent: Record<string, unknown> = doc;
    for (const p of parts) parent = parent[p] as Record<string, unknown>;
    if (op.op === 'test') assert.deepEqual(parent[last], op.value, `test ${op.path}`);
    else if (op.op === 'remove') {
      assert.ok(last in parent, `remove ${op.path}: missing`);
      delete parent[last];
    } else {
      if (op.op === 'replace') assert.ok(last in parent, `replace ${op.path}: missing`);
      parent[last] = JSON.parse(JSON.stringify(op.value));
    }
  }
  return doc as unknown as Workload;
}

function images(info: KindInfo, obj: Workload): string[] {
  const spec = podTemplateOf(info, obj)?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => `${c.name}=${c.image ?? ''}`);
}

test('TYPE names: kinds, singular/plural, short names and groups; Jobs are refused with the reason', () => {
  const cases: [string, WorkloadKind][] = [
    ['deploy', 'Deployment'], ['deployments.apps', 'Deployment'], ['Deployment', 'Deployment'],
    ['sts', 'StatefulSet'], ['statefulset', 'StatefulSet'], ['ds', 'DaemonSet'], ['daemonsets', 'DaemonSet'],
    ['rs', 'ReplicaSet'], ['replicaset.apps', 'ReplicaSet'], ['rc', 'ReplicationController'], ['replicationcontrollers', 'ReplicationController'],
    ['cj', 'CronJob'], ['cronjobs.batch', 'CronJob'],
  ];
  for (const [type, kind] of cases) assert.equal(resolveType(type).kind, kind, type);
  assert.throws(() => resolveType('job'), (e: unknown) => e instanceof UserError && e.kind === 'refused' && /immutable/.test(e.message));
  assert.throws(() => resolveType('pods'), /doesn't have a resource type "pods"/);
  assert.equal(objectName(KINDS.Deployment, 'web'), 'deployment.apps/web');
  assert.equal(objectName(KINDS.ReplicationController, 'old'), 'replicationcontroller/old');
  assert.equal(objectPath(KINDS.CronJob, 'ns', 'c'), '/apis/batch/v1/namespaces/ns/cronjobs/c');
  assert.equal(objectPath(KINDS.ReplicationController, 'ns', 'r'), '/api/v1/namespaces/ns/replicationcontrollers/r');
});

test('targets: TYPE/NAME..., TYPE NAME..., TYPE with -l or --all; mistakes are explained', () => {
  const many = parseTargets(['deploy/a', 'sts/b', 'cj/c'], undefined, false);
  assert.equal(many.mode, 'names');
  assert.deepEqual(many.mode === 'names' && many.targets.map((t) => `${t.info.kind}/${t.name}`), ['Deployment/a', 'StatefulSet/b', 'CronJob/c']);
  const same = parseTargets(['ds', 'x', 'y'], undefined, false);
  assert.deepEqual(same.mode === 'names' && same.targets.map((t) => t.name), ['x', 'y']);
  const sel = parseTargets(['deployments'], 'app=web', false);
  assert.deepEqual(sel.mode === 'select' && [sel.info.kind, sel.selector], ['Deployment', 'app=web']);
  assert.equal(parseTargets(['rc'], undefined, true).mode, 'select');
  assert.throws(() => parseTargets([], undefined, false), /you must specify/);
  assert.throws(() => parseTargets(['deploy'], undefined, false), /you must name/);
  assert.throws(() => parseTargets(['deploy/a'], 'x=y', false), /exactly one TYPE/);
  assert.throws(() => parseTargets(['deploy', 'sts/a'], undefined, false), /resource\/name form/);
  assert.throws(() => parseTargets(['job/x'], undefined, false), /immutable/);
});

for (const kind of WORKLOAD_KINDS) {
  test(`${kind}: patch sets target images (containers and init containers), adds the affinity, records it; unpatch restores exactly`, () => {
    const info = KINDS[kind];
    const original = workload(kind);
    const plan = planPatch(info, original, { accelerations: ACCS, labels: [L] });
    assert.equal(plan.changed, true);
    assert.deepEqual(images(info, plan.object), [`setup=${INIT_ACC}`, `main=${APP_ACC}`, 'side=busybox:1']);
    assert.deepEqual(plan.containers.map((c) => `${c.name}:${c.outcome}`), ['setup:patched', 'main:patched', 'side:not-accelerated']);
    const spec = podTemplateOf(info, plan.object)?.spec;
    assert.deepEqual(spec?.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [REQ] }] } } });
    assert.deepEqual(spec?.containers?.[0]?.['ports'], [{ containerPort: 80 }], 'everything else is preserved');
    assert.deepEqual(plan.ops[0], { op: 'test', path: '/metadata/resourceVersion', value: '42' });
    assert.ok(plan.ops.every((op) => op.op === 'test' || op.path.startsWith(info.templatePointer) || op.path.startsWith('/metadata/annotations')));
    assert.deepEqual(applyOps(original, plan.ops), plan.object, 'the ops produce the planned object');
    const record = readRecord(plan.object.metadata.annotations);
    assert.deepEqual(record?.containers, { main: APP });
    assert.deepEqual(record?.initContainers, { setup: INIT });
    assert.deepEqual(record?.targets, { main: APP_ACC, setup: INIT_ACC });
    assert.equal(record?.affinity?.createdAffinity, true);

    const again = planPatch(info, plan.object, { accelerations: ACCS, labels: [L] });
    assert.equal(again.changed, false, 'patching twice changes nothing');
    assert.deepEqual(again.ops, []);
    assert.deepEqual(again.containers.map((c) => c.outcome), ['already-accelerated', 'already-accelerated', 'not-accelerated']);

    const undo = planUnpatch(info, plan.object);
    assert.deepEqual(applyOps(plan.object, undo.ops), undo.object);
    assert.deepEqual(undo.object, original, 'patch then unpatch gives back the original');
  });
}

test('--container limits the change; the affinity follows any container running a target image', () => {
  const info = KINDS.Deployment;
  const plan = planPatch(info, workload('Deployment'), { accelerations: ACCS, containers: ['setup'], labels: [L] });
  assert.deepEqual(images(info, plan.object), [`setup=${INIT_ACC}`, `main=${APP}`, 'side=busybox:1']);
  assert.deepEqual(plan.containers.map((c) => c.outcome), ['patched', 'not-selected', 'not-selected']);
  assert.equal(plan.affinityChanged, true);
  assert.throws(() => planPatch(info, workload('Deployment'), { accelerations: ACCS, containers: ['nope'], labels: [L] }), /unable to find container named "nope" in deployment.apps\/w/);
});

test('explicit pairs (--image) and image identity: docker.io short names match, other tags do not', () => {
  const info = KINDS.StatefulSet;
  const obj = workload('StatefulSet', { initContainers: [], containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'old', image: 'nginx:1.26' }] });
  const plan = planPatch(info, obj, { accelerations: [{ originalImage: 'docker.io/library/nginx:1.27', targetImage: 'uhub.service.ucloud.cn/x/nginx:1.27-acc' }], labels: [L] });
  assert.deepEqual(images(info, plan.object), ['web=uhub.service.ucloud.cn/x/nginx:1.27-acc', 'old=nginx:1.26']);
  assert.deepEqual(readRecord(plan.object.metadata.annotations)?.containers, { web: 'nginx:1.27' }, 'the original is recorded as spelled');
});

test('nothing accelerated: no change, no affinity, no annotation', () => {
  const obj = workload('DaemonSet', { initContainers: [], containers: [{ name: 'a', image: 'busybox:1' }] });
  const plan = planPatch(KINDS.DaemonSet, obj, { accelerations: ACCS, labels: [L] });
  assert.equal(plan.changed, false);
  assert.equal(plan.labels, undefined);
  assert.deepEqual(plan.object, obj);
});

test('affinity is ANDed into every existing term; other scheduling rules are preserved', () => {
  const affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }],
    },
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } }] },
  };
  const info = KINDS.ReplicaSet;
  const obj = workload('ReplicaSet', { affinity });
  const plan = planPatch(info, obj, { accelerations: ACCS, labels: [LEGACY_ACCELERATION_LABEL] });
  const terms = podTemplateOf(info, plan.object)?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  assert.equal(terms?.length, 2);
  for (const t of terms ?? []) assert.deepEqual(t.matchExpressions?.at(-1), { key: LEGACY_ACCELERATION_LABEL, operator: 'In', values: ['true'] });
  assert.ok(plan.ops.some((o) => o.op === 'replace' && o.path === '/spec/template/spec/affinity'));
  assert.deepEqual(applyOps(obj, plan.ops), plan.object);
  assert.deepEqual(planUnpatch(info, plan.object).object, obj);
});

test('re-patching merges the record: the first original is kept, later changes are added, the label stays', () => {
  const info = KINDS.Deployment;
  const first = planPatch(info, workload('Deployment', {}, { team: 'a' }), { accelerations: ACCS, containers: ['main'], labels: [LEGACY_ACCELERATION_LABEL] });
  // Someone moves main to another accelerated original; a second patch covers it and the init container.
  const moved = JSON.parse(JSON.stringify(first.object)) as Workload;
  const spec = podTemplateOf(info, moved)?.spec;
  (spec?.containers?.[0] as { image: string }).image = 'nginx:1.27';
  const second = planPatch(info, moved, { accelerations: ACCS, labels: [L] });
  const record = readRecord(second.object.metadata.annotations);
  assert.deepEqual(record?.containers, { main: APP }, 'the first original is kept');
  assert.deepEqual(record?.initContainers, { setup: INIT });
  assert.deepEqual(record?.targets, { main: 'docker.io/library/nginx:1.27-acc', setup: INIT_ACC });
  assert.deepEqual(record?.affinity?.labels, [LEGACY_ACCELERATION_LABEL], 'the label of the first patch is kept: no second expression');
  assert.equal(second.affinityChanged, false);
  assert.equal(second.object.metadata.annotations?.['team'], 'a');
  const undone = planUnpatch(info, second.object).object;
  assert.deepEqual(images(info, undone), [`setup=${INIT}`, `main=${APP}`, 'side=busybox:1']);
  assert.deepEqual(undone.metadata.annotations, { team: 'a' });
  assert.equal(podTemplateOf(info, undone)?.spec?.affinity, undefined);
});

test('unpatch refuses: not patched, image changed since, affinity changed ambiguously, broken record', () => {
  const info = KINDS.Deployment;
  const isRefused = (re: RegExp) => (e: unknown): boolean => e instanceof UserError && e.kind === 'refused' && re.test([e.message, ...e.details].join('\n'));
  assert.throws(() => planUnpatch(info, workload('Deployment')), isRefused(/not patched by uimgacc/));
  const patched = planPatch(info, workload('Deployment'), { accelerations: ACCS, labels: [L] }).object;

  const changed = JSON.parse(JSON.stringify(patched)) as Workload;
  (podTemplateOf(info, changed)?.spec?.containers?.[0] as { image: string }).image = 'app:v2';
  assert.throws(() => planUnpatch(info, changed), isRefused(/container "main" runs app:v2, not the target image .*app:v1-acc[\s\S]*kubectl annotate deployment.apps\/w uimgacc.ucloud.cn\/patched-/));

  const renamed = JSON.parse(JSON.stringify(patched)) as Workload;
  (podTemplateOf(info, renamed)?.spec?.initContainers?.[0] as { name: string }).name = 'other';
  assert.throws(() => planUnpatch(info, renamed), isRefused(/init container "setup" no longer exists/));

  const noAffinity = JSON.parse(JSON.stringify(patched)) as Workload;
  delete podTemplateOf(info, noAffinity)?.spec?.affinity;
  assert.throws(() => planUnpatch(info, noAffinity), isRefused(/node affinity .*no longer there[\s\S]*kubectl edit/));

  const reverted = JSON.parse(JSON.stringify(patched)) as Workload;
  (podTemplateOf(info, reverted)?.spec?.containers?.[0] as { image: string }).image = APP;
  const undo = planUnpatch(info, reverted);
  assert.deepEqual(undo.alreadyOriginal.map((c) => c.name), ['main'], 'a container set back to its original by hand is not ambiguous');
  assert.deepEqual(undo.restored.map((c) => c.name), ['setup']);
  assert.deepEqual(undo.object, workload('Deployment'));

  const broken = workload('Deployment', {}, { [PATCHED_ANNOTATION]: '{"v":7}' });
  assert.throws(() => planUnpatch(info, broken), isRefused(/not a valid uimgacc record: unknown version 7/));
  assert.throws(() => planPatch(info, broken, { accelerations: ACCS, labels: [L] }), isRefused(/not a valid uimgacc record/));
});

test('writeWithRetry: a lost race (409 or failed resourceVersion test) re-reads and re-plans, at most 5 times', async () => {
  const testFailed = new KubeApiError(422, JSON.stringify({ kind: 'Status', code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request: testing value /metadata/resourceVersion failed: test failed' }));
  assert.equal(isLostRace(testFailed), true);
  assert.equal(isLostRace(new KubeApiError(409, '{}')), true);
  // What kube-apiserver 1.36 really answers for a failed test op.
  assert.equal(isLostRace(new KubeApiError(422, JSON.stringify({ code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request', details: {} }))), true);
  assert.equal(isLostRace(new KubeApiError(422, JSON.stringify({ message: 'spec.template.spec.containers[0].image: Required value' }))), false);
  let version = 0;
  let writes = 0;
  const loop = {
    read: async () => workload('Deployment', {}, undefined),
    plan: (obj: Workload) => ({ ...planPatch(KINDS.Deployment, obj, { accelerations: ACCS, labels: [L] }), seen: ++version }),
    write: async () => {
      writes++;
      if (writes < 3) throw testFailed;
      return workload('Deployment');
    },
  };
  const res = await writeWithRetry(loop);
  assert.equal(res.attempts, 3);
  assert.equal(res.plan.seen, 3, 'planned again on every attempt');
  writes = -100;
  await assert.rejects(
    writeWithRetry({ ...loop, what: 'deployment.apps/w' }),
    (e: unknown) => e instanceof UserError && /^deployment\.apps\/w was changed by someone else each time .*\(5 attempts\); nothing was written$/.test(e.message),
  );
  assert.equal(writes, -95, 'gave up after 5 attempts');
  const other = new KubeApiError(403, '{}');
  await assert.rejects(writeWithRetry({ ...loop, write: async () => { throw other; } }), (e: unknown) => e === other);
});

test('unified diff of pod template YAML', () => {
  const a = 'spec:\n  containers:\n    - image: a:1\n      name: main\n  x: 1\n  y: 2\n  u: 0\n  z: 3\n  w: 4\n  v: 5\n';
  const b = 'spec:\n  containers:\n    - image: a:1-acc\n      name: main\n  x: 1\n  y: 2\n  u: 0\n  z: 3\n  w: 4\n  v: 5\n  affinity: {}\n';
  assert.equal(
    unifiedDiff(a, b, 'old', 'new'),
    ['--- old', '+++ new', '@@ -1,6 +1,6 @@', ' spec:', '   containers:', '-    - image: a:1', '+    - image: a:1-acc', '       name: main', '   x: 1', '   y: 2',
      '@@ -8,3 +8,4 @@', '   z: 3', '   w: 4', '   v: 5', '+  affinity: {}', ''].join('\n'),
  );
  assert.equal(unifiedDiff(a, a, 'x', 'y'), '');
});

test('zh-CN: what is written to the cluster (ops, object, annotation) is byte-identical in both languages', async () => {
  const info = KINDS.StatefulSet;
  const zoned = workload('StatefulSet', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } });
  const opts = { accelerations: ACCS, labels: [ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL] };
  const english = planPatch(info, zoned, opts);
  const chinese = await inChinese(() => planPatch(info, zoned, opts));
  assert.equal(JSON.stringify(chinese.ops), JSON.stringify(english.ops));
  assert.equal(JSON.stringify(chinese.object), JSON.stringify(english.object));
  assert.equal(chinese.object.metadata.annotations?.[PATCHED_ANNOTATION], english.object.metadata.annotations?.[PATCHED_ANNOTATION]);
  const undoEnglish = planUnpatch(info, english.object);
  const undoChinese = await inChinese(() => planUnpatch(info, english.object));
  assert.equal(JSON.stringify(undoChinese.ops), JSON.stringify(undoEnglish.ops));
  assert.deepEqual(undoChinese.object, zoned);
});

test('zh-CN: refusals and mistakes say why and how to proceed in Chinese, commands and names kept as they are', async () => {
  const info = KINDS.Deployment;
  const text = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof UserError, String(e));
      return [e.message, ...e.details].join('\n');
    }
    assert.fail('no error');
  };
  const patched = planPatch(info, workload('Deployment'), { accelerations: ACCS, labels: [L] }).object;
  const changed = JSON.parse(JSON.stringify(patched)) as Workload;
  (podTemplateOf(info, changed)?.spec?.containers?.[0] as { image: string }).image = 'app:v2';
  const renamed = JSON.parse(JSON.stringify(patched)) as Workload;
  (podTemplateOf(info, renamed)?.spec?.initContainers?.[0] as { name: string }).name = 'other';
  const noAffinity = JSON.parse(JSON.stringify(patched)) as Workload;
  delete podTemplateOf(info, noAffinity)?.spec?.affinity;
  const broken = workload('Deployment', {}, { [PATCHED_ANNOTATION]: '{"v":7}' });

  const messages = await inChinese(() => ({
    notPatched: text(() => planUnpatch(info, workload('Deployment'))),
    changed: text(() => planUnpatch(info, changed)),
    renamed: text(() => planUnpatch(info, renamed)),
    noAffinity: text(() => planUnpatch(info, noAffinity)),
    broken: text(() => planUnpatch(info, broken)),
    job: text(() => resolveType('job')),
    unknown: text(() => resolveType('pods')),
    noTargets: text(() => parseTargets([], undefined, false)),
    nameMissing: text(() => parseTargets(['deploy'], undefined, false)),
    container: text(() => planPatch(info, workload('Deployment'), { accelerations: ACCS, containers: ['nope'], labels: [L] })),
    skipped: imagesToAccelerate(info, workload('Deployment'), [{ originalImage: APP, targetImage: APP_ACC, sizeBytes: 1, layers: 1 }]).skipped.map((s) => s.reason),
  }));
  assert.match(messages.notPatched, /^deployment\.apps\/w 没有被 uimgacc 修改过（没有 uimgacc\.ucloud\.cn\/patched 注解），无需撤销\n提示：.*kubectl set image deployment\.apps\/w CONTAINER=IMAGE/);
  assert.match(messages.changed, /^无法恢复 deployment\.apps\/w：uimgacc 修改它之后，它又被改动过\n {2}容器“main”运行的是 app:v2，而不是 patch 设置的目标镜像 .*app:v1-acc（原始镜像：.*app:v1）\n提示：.*`kubectl annotate deployment\.apps\/w uimgacc\.ucloud\.cn\/patched-`/);
  assert.match(messages.renamed, /init 容器“setup”已不存在/);
  assert.match(messages.noAffinity, /^无法恢复 deployment\.apps\/w：patch 添加的必需节点亲和性.*已不存在\n提示：请手动删除 patch 添加的 node\.uk8s\.ucloud\.cn\/image_accel 表达式（kubectl edit deployment\.apps\/w）/);
  assert.match(messages.broken, /不是有效的 uimgacc 记录：未知版本 7（此插件写入的是版本 1；请升级插件）\n提示：请手动检查/);
  assert.match(messages.job, /^不能修改 Job：Job 的 Pod 模板不可变\n提示：请修改创建该 Job 的 CronJob/);
  assert.match(messages.unknown, /^服务器上没有 uimgacc 能修改的资源类型“pods”\n提示：请使用 deployments \(deploy\)/);
  assert.match(messages.noTargets, /^请指定要修改的工作负载/);
  assert.match(messages.nameMissing, /^请指定要修改的 deploy 的名称/);
  assert.match(messages.container, /^在 deployment\.apps\/w 中找不到名为“nope”的容器$/);
  assert.deepEqual(messages.skipped, [`已加速，目标镜像为 ${APP_ACC}`]);
  for (const [what, message] of Object.entries(messages)) assert.doesNotMatch(String(message), /\b(the|is|not|was|hint)\b/, `${what}: no English words left`);
});
