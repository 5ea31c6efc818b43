// The cluster harness itself: real kube-scheduler and kube-controller-manager of the pinned version with kwok nodes.
// Each test's nodes carry a taint only its own Pods tolerate, so test files sharing the cluster never land on them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { kubectlAdmin, sharedCluster, uniqueNamespace } from '../controlplane/shared.ts';
import { createNodes, deleteNodes, setNodesReady, type NodeSpec } from '../controlplane/nodes.ts';
import { ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL } from '../../lib/affinity.ts';
import type { ControlPlaneInfo } from '../controlplane/controlplane.ts';

interface PodOut {
  metadata: { name: string; ownerReferences?: { kind: string }[] };
  spec: { nodeName?: string };
  status: { phase: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

async function pods(cp: ControlPlaneInfo, ns: string, selector: string): Promise<PodOut[]> {
  return (JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'pods', '-l', selector, '-o', 'json'], undefined, cp)) as { items: PodOut[] }).items;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(250);
  }
}

function owned(run: string, specs: NodeSpec[]): NodeSpec[] {
  return specs.map((s) => ({ ...s, taints: [...(s.taints ?? []), { key: 'uimgacc.test/run', value: run, effect: 'NoSchedule' as const }] }));
}

const toleration = (run: string): object => ({ key: 'uimgacc.test/run', operator: 'Equal', value: run, effect: 'NoSchedule' });

test('kwok nodes carry the labels asked for, turn Ready, and the scheduler places a Deployment\'s Pods on them, Running', async () => {
  const cp = await sharedCluster();
  assert.deepEqual([...cp.components].sort(), ['controllerManager', 'kwok', 'scheduler']);
  const run = randomBytes(3).toString('hex');
  const names = { acc: `acc-${run}`, old: `old-${run}`, plain: `plain-${run}`, gpu: `gpu-${run}` };
  await createNodes(cp, owned(run, [
    { name: names.acc, acceleration: 'new', zone: 'cn-bj2-04' },
    { name: names.old, acceleration: 'old', zone: 'cn-bj2-05' },
    { name: names.plain },
    { name: names.gpu, acceleration: 'new', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
  ]));
  const labels = JSON.parse(await kubectlAdmin(['get', 'nodes', ...Object.values(names), '-o', 'json'], undefined, cp)) as { items: { metadata: { name: string; labels: Record<string, string> } }[] };
  const byName = new Map(labels.items.map((n) => [n.metadata.name, n.metadata.labels]));
  assert.equal(byName.get(names.acc)?.[ACCELERATION_LABEL], 'true');
  assert.equal(byName.get(names.acc)?.['topology.kubernetes.io/zone'], 'cn-bj2-04');
  assert.equal(byName.get(names.old)?.[LEGACY_ACCELERATION_LABEL], 'true');
  assert.equal(byName.get(names.old)?.[ACCELERATION_LABEL], undefined);
  assert.equal(byName.get(names.plain)?.[ACCELERATION_LABEL], undefined);
  assert.equal(byName.get(names.plain)?.[LEGACY_ACCELERATION_LABEL], undefined);

  const ns = await uniqueNamespace('cluster', {}, cp);
  // Accelerated nodes of either spelling, the way the helper's affinity asks for them; the gpu node's taint is not
  // tolerated, so only acc and old qualify.
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
    { matchExpressions: [{ key: ACCELERATION_LABEL, operator: 'In', values: ['true'] }] },
    { matchExpressions: [{ key: LEGACY_ACCELERATION_LABEL, operator: 'In', values: ['true'] }] },
  ] } } };
  await kubectlAdmin(['-n', ns, 'create', '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas: 6, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { tolerations: [toleration(run)], affinity, containers: [{ name: 'main', image: 'nginx:1.27' }] } } },
  }), cp);
  const running = await until('6 Running Pods', async () => {
    const list = await pods(cp, ns, 'app=web');
    return list.length === 6 && list.every((p) => p.status.phase === 'Running') ? list : undefined;
  });
  assert.ok(running.every((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet'), 'the Deployment controller made a ReplicaSet, which made the Pods');
  assert.deepEqual([...new Set(running.map((p) => p.spec.nodeName))].sort(), [names.acc, names.old].sort(), 'spread over both accelerated nodes, never on plain or untolerated ones');
  // The ServiceAccount controller works too.
  await until('default ServiceAccount', async () => ((await kubectlAdmin(['-n', ns, 'get', 'serviceaccounts', '-o', 'name'], undefined, cp)).includes('serviceaccount/default') ? true : undefined));

  // The accelerated pool gone: a new Pod stays Pending with the scheduler's reason; back, it schedules by itself.
  await setNodesReady(cp, [names.acc], false);
  await deleteNodes(cp, [names.old]);
  await kubectlAdmin(['-n', ns, 'scale', 'deployment', 'web', '--replicas=7'], undefined, cp);
  const pending = await until('an unschedulable Pod', async () => {
    const p = (await pods(cp, ns, 'app=web')).find((x) => x.status.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'));
    return p;
  });
  assert.equal(pending.spec.nodeName, undefined);
  assert.match(pending.status.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '', /0\/\d+ nodes are available/);
  await setNodesReady(cp, [names.acc], true);
  await until('the Pending Pod Running on the accelerated node', async () => {
    const p = (await pods(cp, ns, 'app=web')).find((x) => x.metadata.name === pending.metadata.name);
    return p?.status.phase === 'Running' && p.spec.nodeName === names.acc ? p : undefined;
  });
  await deleteNodes(cp, [names.acc, names.plain, names.gpu]);
});

test('StatefulSet, DaemonSet, Job and CronJob controllers run their Pods on kwok nodes', async () => {
  const cp = await sharedCluster();
  const run = randomBytes(3).toString('hex');
  const nodes = [`w1-${run}`, `w2-${run}`];
  await createNodes(cp, owned(run, nodes.map((name) => ({ name, acceleration: 'new' as const, labels: { 'uimgacc.test/pool': run } }))));
  const ns = await uniqueNamespace('controllers', {}, cp);
  const spec = (extra: object = {}): object => ({ tolerations: [toleration(run)], nodeSelector: { 'uimgacc.test/pool': run }, containers: [{ name: 'main', image: 'busybox:1.36' }], ...extra });
  const tmpl = (app: string, extra: object = {}): object => ({ metadata: { labels: { app } }, spec: spec(extra) });
  await kubectlAdmin(['-n', ns, 'create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', replicas: 2, selector: { matchLabels: { app: 'db' } }, template: tmpl('db') } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: tmpl('agent') } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once' }, spec: { template: tmpl('once', { restartPolicy: 'Never' }) } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'every-minute' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: tmpl('cron', { restartPolicy: 'Never' }) } } } },
  ] }), cp);
  await until('2 StatefulSet Pods Running', async () => {
    const list = await pods(cp, ns, 'app=db');
    return list.length === 2 && list.every((p) => p.status.phase === 'Running') ? true : undefined;
  });
  await until('a DaemonSet Pod Running on each of this test\'s nodes', async () => {
    const list = await pods(cp, ns, 'app=agent');
    return list.length === 2 && list.every((p) => p.status.phase === 'Running') && new Set(list.map((p) => p.spec.nodeName)).size === 2 ? true : undefined;
  });
  // kwok's pod stages complete Pods owned by Jobs, so the Job controller sees them succeed.
  await until('the Job Complete', async () => {
    const job = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'job', 'once', '-o', 'json'], undefined, cp)) as { status: { succeeded?: number } };
    return job.status.succeeded === 1 ? true : undefined;
  });
  await until('the CronJob scheduled a Job', async () => {
    const cron = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'cronjob', 'every-minute', '-o', 'json'], undefined, cp)) as { status: { lastScheduleTime?: string } };
    return cron.status.lastScheduleTime ? true : undefined;
  }, 150_000);
  await deleteNodes(cp, nodes);
});
