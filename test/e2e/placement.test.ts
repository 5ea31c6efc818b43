// Placement as it happens: the real kube-scheduler reads the affinity the helper and `patch` write, the real controller
// manager rolls Deployments out and runs DaemonSets, kwok nodes take Pods to Running. Its own control plane: these
// tests delete nodes, make them NotReady and stop the helper, which would disturb every other file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { kubectl, startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { createNodes, deleteNodes, setNodesReady, type NodeSpec } from '../controlplane/nodes.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { runCli, type CliResult, ucloudEnv } from '../helpers/cli.ts';
import { registerHelper, startHelper, type RunningHelper } from '../helpers/helper-process.ts';
import { ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL } from '../../lib/affinity.ts';

const CLUSTER = 'uk8s-place0001';
const PUBLIC = 'place-public';
const PRIVATE = 'place-private-key';
const REPO = 'uhub.service.ucloud.cn/place';
/** One acceleration per test, so that deleting one (the patch test does) cannot affect another. */
const acc = (name: string): { OriginalImage: string; TargetImage: string } => ({ OriginalImage: `${REPO}/${name}:1`, TargetImage: `${REPO}/${name}:1-acc` });
const WEB = acc('web');
const AGENT = acc('agent');
const OPTIN = acc('optin');
const ROLL = acc('roll');
const LATE = acc('late');
const ZONE = 'topology.kubernetes.io/zone';

// Two zones; in each, one accelerated node (a different label spelling per zone, so that a zone spread needs both)
// and one plain node; and an accelerated node the user's own affinity excludes (pool=batch).
const NODES: readonly NodeSpec[] = [
  { name: 'acc-new-a', zone: 'zone-a', acceleration: 'new' },
  { name: 'acc-old-b', zone: 'zone-b', acceleration: 'old' },
  { name: 'acc-batch-c', zone: 'zone-c', acceleration: 'new', labels: { pool: 'batch' } },
  { name: 'plain-a', zone: 'zone-a' },
  { name: 'plain-b', zone: 'zone-b' },
];
const ACCELERATED = new Set(NODES.filter((n) => n.acceleration).map((n) => n.name));

let cp: ControlPlane;
let sim: Simulator;
let helper: RunningHelper;

interface Pod {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { image: string }[]; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: { matchExpressions?: { key: string; operator: string; values?: string[] }[]; matchFields?: { key: string; operator: string; values?: string[] }[] }[] } } } };
  status: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

async function k(args: readonly string[], input?: string): Promise<string> {
  const r = await kubectl(cp.kubeconfigPath, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const apply = (ns: string, objects: object[]): Promise<string> => k(['-n', ns, 'apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n'));

async function pods(ns: string, selector: string): Promise<Pod[]> {
  return (JSON.parse(await k(['-n', ns, 'get', 'pods', '-l', selector, '-o', 'json'])) as { items: Pod[] }).items;
}

/** Polls until `check` returns a value (the condition holds); fails with what it last saw after `ms`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 180_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms / 1000}s${last ? ` (${String(last)})` : ''}\nhelper log tail: ${helper?.log().slice(-1500)}`);
    await delay(250);
  }
}

/** `n` Running Pods (none terminating) match `selector`, and `ok` holds for them. */
function running(ns: string, selector: string, n: number, ok: (p: Pod[]) => boolean = () => true): Promise<Pod[]> {
  return until(`${n} Running Pods ${selector} in ${ns}`, async () => {
    const all = await pods(ns, selector);
    return all.length === n && all.every((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp) && ok(all) ? all : undefined;
  });
}

const images = (p: Pod): string[] => p.spec.containers.map((c) => c.image);

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, clusterId: CLUSTER, kubeconfig: cp.kubeconfigPath }));
}

async function namespace(name: string, labels: Record<string, string> = {}): Promise<string> {
  await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }));
  return name;
}

function deployment(name: string, image: string, replicas: number, spec: object = {}, meta: object = {}): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, ...meta },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }], ...spec } } },
  };
}

function daemonSet(name: string): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: AGENT.TargetImage }] } } },
  };
}

/** The node a DaemonSet Pod is meant for (its controller pins it with a matchFields term), scheduled or not. */
function nodeOfDaemonPod(p: Pod): string | undefined {
  for (const t of p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const f = t.matchFields?.find((x) => x.key === 'metadata.name');
    if (f?.values?.[0]) return f.values[0];
  }
  return undefined;
}

/** One Pod per node, counted within this ReplicaSet only (matchLabelKeys), so that a rollout is not held by the old Pods. */
const onePerNode = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, matchLabelKeys: ['pod-template-hash'] }] };

before(async () => {
  cp = await startControlPlane({ scheduler: true, controllerManager: true, kwok: true });
  await createNodes(cp, NODES);
  // The cluster's own record of its UK8S identity, which delete and patch compare with the cluster they act on.
  await k(['-n', 'kube-system', 'create', 'configmap', 'uk8sconfig', `--from-literal=UCLOUD_UK8S_CLUSTER_ID=${CLUSTER}`, '--from-literal=UCLOUD_REGION_ID=cn-bj2']);
  sim = await startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [WEB, AGENT, OPTIN, ROLL, LATE] }],
    deleteDelayMs: 200,
  });
  helper = await startHelper({ kubeconfig: cp.kubeconfigPath, ucloudUrl: sim.url, publicKey: PUBLIC, privateKey: PRIVATE, clusterId: CLUSTER, pollInterval: '500ms' });
  await registerHelper(cp.kubeconfigPath, helper, { name: 'uimgacc', probeNamespace: 'default', probeImage: WEB.TargetImage });
});

after(async () => {
  await helper?.stop('SIGKILL');
  await sim?.close();
  await cp?.stop();
});

test('a Deployment using a target image: every Pod Running on an accelerated node, of either label spelling; the user\'s affinity and zone spread are kept', async () => {
  const ns = await namespace('web');
  const userAffinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'NotIn', values: ['batch'] }] }] } } };
  const spread = { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } };
  await apply(ns, [deployment('web', WEB.TargetImage, 4, { affinity: userAffinity, topologySpreadConstraints: [spread] })]);
  const all = await running(ns, 'app=web', 4);
  for (const p of all) {
    assert.ok(ACCELERATED.has(p.spec.nodeName ?? ''), `${p.metadata.name} runs on ${p.spec.nodeName}, not an accelerated node`);
    assert.notEqual(p.spec.nodeName, 'acc-batch-c', 'the user\'s pool NotIn [batch] is kept');
    const terms = p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    assert.ok(terms.length > 0 && terms.every((t) => t.matchExpressions?.some((e) => e.key === 'pool' && e.operator === 'NotIn')), `every term keeps the user's expression: ${JSON.stringify(terms)}`);
    assert.ok(terms.every((t) => t.matchExpressions?.some((e) => (e.key === ACCELERATION_LABEL || e.key === LEGACY_ACCELERATION_LABEL) && e.operator === 'In')), `every term requires an acceleration label: ${JSON.stringify(terms)}`);
  }
  // The zone spread holds over the zones whose nodes the Pods may use (the scheduler honours the node affinity).
  const perZone = new Map<string, number>();
  for (const p of all) {
    const zone = NODES.find((n) => n.name === p.spec.nodeName)?.zone ?? '';
    perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
  }
  const counts = [...perZone.values()];
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `zone spread kept: ${JSON.stringify([...perZone])}`);
  // zone-a's only eligible accelerated node carries the current label spelling, zone-b's only the older one: the
  // spread is met (2 + 2) only because the helper's affinity admits both spellings.
  assert.deepEqual([...new Set(all.map((p) => p.spec.nodeName))].sort(), ['acc-new-a', 'acc-old-b']);
});

test('a DaemonSet with a target image runs only on accelerated nodes', async () => {
  const ns = await namespace('agent');
  // Through the helper alone: the DaemonSet controller still makes one Pod per node, and the helper's affinity keeps
  // those meant for plain nodes from running there (Pending, with the scheduler's reason).
  await apply(ns, [daemonSet('agent')]);
  const placed = await until('a Pod per node, Running on the accelerated ones, Pending on the others', async () => {
    const all = await pods(ns, 'app=agent');
    const on = (names: Iterable<string>): Pod[] => [...names].map((n) => all.find((p) => p.spec.nodeName === n || nodeOfDaemonPod(p) === n)).filter((p): p is Pod => p !== undefined);
    const plainPods = on(NODES.filter((n) => !n.acceleration).map((n) => n.name));
    const ok = all.length === NODES.length && on(ACCELERATED).length === ACCELERATED.size && on(ACCELERATED).every((p) => p.status.phase === 'Running') && plainPods.length === 2 && plainPods.every((p) => /didn't match Pod's node affinity\/selector/.test(unschedulable(p)));
    return ok ? all : undefined;
  });
  for (const p of placed.filter((x) => x.status.phase === 'Running')) assert.ok(ACCELERATED.has(p.spec.nodeName ?? ''), `${p.metadata.name} Running on ${p.spec.nodeName}`);
  // `patch ds/…` puts the affinity into the template, so the controller makes Pods only for accelerated nodes.
  await apply(ns, [daemonSet('agent-patched')]);
  const r = await cli(['patch', 'ds/agent-patched', '-n', ns]);
  assert.equal(r.code, 0, r.stderr);
  await k(['-n', ns, 'rollout', 'status', 'ds/agent-patched', '--timeout=180s']);
  const patched = await until('the patched DaemonSet\'s Pods Running', async () => {
    const all = await pods(ns, 'app=agent-patched');
    return all.length > 0 && all.every((p) => p.status.phase === 'Running' && images(p)[0] === AGENT.TargetImage) ? all : undefined;
  });
  assert.deepEqual(patched.map((p) => p.spec.nodeName).sort(), [...ACCELERATED].sort(), 'one Pod on each accelerated node, whichever label spelling it carries');
  const status = JSON.parse(await k(['-n', ns, 'get', 'ds', 'agent-patched', '-o', 'json'])) as { status: { desiredNumberScheduled: number } };
  assert.equal(status.status.desiredNumberScheduled, patched.length, 'no Pod is even made for a plain node');
});

/** The scheduler's reason a Pod is Pending. */
function unschedulable(p: Pod): string {
  const c = p.status.conditions?.find((x) => x.type === 'PodScheduled');
  return c?.status === 'False' ? `${c.reason ?? ''}: ${c.message ?? ''}` : `scheduled on ${p.spec.nodeName}`;
}

test('opt-in namespace: Pods created with the original image run the target image on accelerated nodes', async () => {
  const ns = await namespace('optin', { 'uimgacc.ucloud.cn/rewrite': 'enabled' });
  await apply(ns, [deployment('optin', OPTIN.OriginalImage, 3, onePerNode)]);
  const all = await running(ns, 'app=optin', 3);
  for (const p of all) {
    assert.deepEqual(images(p), [OPTIN.TargetImage]);
    assert.ok(ACCELERATED.has(p.spec.nodeName ?? ''), `${p.metadata.name} on ${p.spec.nodeName}`);
  }
});

test('opt-in namespace: a digest-pinned Pod is left alone and runs anywhere', async () => {
  const pinned = `${OPTIN.OriginalImage}@sha256:${'d'.repeat(64)}`;
  // Pinned to a plain node: it can only run if nothing required an accelerated one.
  const onPlain = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['plain-b'] }] }] } } };
  await apply('optin', [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pinned', labels: { app: 'pinned' } }, spec: { containers: [{ name: 'main', image: pinned }], affinity: onPlain } }]);
  const [p] = await running('optin', 'app=pinned', 1);
  assert.deepEqual(images(p as Pod), [pinned]);
  assert.equal(p?.spec.nodeName, 'plain-b');
});

test('patch deploy/x rolls out onto accelerated nodes; unpatch rolls back to anywhere; delete is refused until nothing uses the target', async () => {
  const ns = await namespace('roll');
  // One Pod per node: before patching, and after unpatching, Pods run on plain nodes as well.
  await apply(ns, [deployment('roll', ROLL.OriginalImage, NODES.length, onePerNode)]);
  const before = await running(ns, 'app=roll', NODES.length);
  assert.deepEqual(before.map((p) => p.spec.nodeName).sort(), NODES.map((n) => n.name).sort());

  const patched = await cli(['patch', 'deploy/roll', '-n', ns]);
  assert.equal(patched.code, 0, patched.stderr);
  await k(['-n', ns, 'rollout', 'status', 'deploy/roll', '--timeout=180s']);
  const after = await running(ns, 'app=roll', NODES.length, (all) => all.every((p) => images(p)[0] === ROLL.TargetImage));
  for (const p of after) assert.ok(ACCELERATED.has(p.spec.nodeName ?? ''), `${p.metadata.name} on ${p.spec.nodeName}`);
  const oldUids = new Set(before.map((p) => p.metadata.uid));
  assert.ok(after.every((p) => !oldUids.has(p.metadata.uid)), 'the old Pods are gone');
  const rs = JSON.parse(await k(['-n', ns, 'get', 'rs', '-l', 'app=roll', '-o', 'json'])) as { items: { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }[] };
  assert.equal(rs.items.length, 2, 'a new ReplicaSet was rolled out');
  assert.deepEqual(rs.items.map((r) => [r.spec.template.spec.containers[0]?.image, r.spec.replicas]).sort(), [[ROLL.OriginalImage, 0], [ROLL.TargetImage, NODES.length]].sort());

  const busy = await cli(['delete', ROLL.OriginalImage]);
  assert.equal(busy.code, 3, busy.stderr);
  assert.match(busy.stderr, new RegExp(`refusing to delete the acceleration of ${ROLL.OriginalImage}: ${NODES.length + 2} containers use the target image: ${NODES.length} in Pods, 2 in workload pod templates`));

  const unpatched = await cli(['unpatch', 'deploy/roll', '-n', ns]);
  assert.equal(unpatched.code, 0, unpatched.stderr);
  await k(['-n', ns, 'rollout', 'status', 'deploy/roll', '--timeout=180s']);
  const back = await running(ns, 'app=roll', NODES.length, (all) => all.every((p) => images(p)[0] === ROLL.OriginalImage));
  assert.deepEqual(back.map((p) => p.spec.nodeName).sort(), NODES.map((n) => n.name).sort(), 'back to running anywhere, plain nodes too');
  assert.ok(back.every((p) => p.spec.affinity === undefined));

  // No Pod uses the target image now, but the Deployment keeps the patched ReplicaSet (scaled to 0) for a rollback.
  const held = await cli(['delete', ROLL.OriginalImage]);
  assert.equal(held.code, 3, held.stderr);
  assert.match(held.stderr, /: 1 container uses the target image: 1 in a workload's pod template\n.*\nroll +ReplicaSet +roll-\w+ +main +\S+ +replicas=0\n/);
  // Without revision history the controller removes that ReplicaSet; then nothing uses the target image.
  await k(['-n', ns, 'patch', 'deploy/roll', '--type=merge', '-p', '{"spec":{"revisionHistoryLimit":0}}']);
  await until('the patched ReplicaSet removed', async () => {
    const left = JSON.parse(await k(['-n', ns, 'get', 'rs', '-l', 'app=roll', '-o', 'json'])) as { items: unknown[] };
    return left.items.length === 1 ? true : undefined;
  });
  const deleted = await cli(['delete', ROLL.OriginalImage]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.ok(!sim.cluster(CLUSTER).Images.some((i) => i.OriginalImage === ROLL.OriginalImage));
});

test('accelerated pool gone: new Pods stay Pending with the scheduler\'s reason, patch and doctor warn; back, they schedule untouched', async () => {
  const ns = await namespace('late');
  // Pods already running there are not part of this: keep only what this test creates.
  await k(['delete', 'namespace', 'web', 'agent', 'optin', 'roll', '--wait=true']);
  await setPool(false);
  await apply(ns, [deployment('late', LATE.TargetImage, 2), deployment('other', LATE.OriginalImage, 1)]);
  const pending = await until('2 Pending Pods with the scheduler\'s reason', async () => {
    const all = await pods(ns, 'app=late');
    return all.length === 2 && all.every((p) => /^Unschedulable: 0\/\d+ nodes are available/.test(unschedulable(p))) ? all : undefined;
  });
  for (const p of pending) assert.equal(p.status.phase, 'Pending');

  const patched = await cli(['patch', 'deploy/other', '-n', ns]);
  assert.equal(patched.code, 0, patched.stderr);
  assert.match(patched.stderr, /no Ready node carries .*: Pods of deployment\.apps\/other will stay Pending until such nodes join/);
  const doctor = await cli(['doctor']);
  assert.match(doctor.stdout, /✗ Accelerated nodes: no Ready node carries/);
  assert.equal(doctor.code, 1);

  await setPool(true);
  const scheduled = await running(ns, 'app=late', 2);
  assert.deepEqual(scheduled.map((p) => p.metadata.uid).sort(), pending.map((p) => p.metadata.uid).sort(), 'the same Pods, not replacements');
  for (const p of scheduled) assert.ok(ACCELERATED.has(p.spec.nodeName ?? ''), `${p.metadata.name} on ${p.spec.nodeName}`);
});

test('the helper down: Pods are still created (fail-open), and doctor says the helper is missing', async () => {
  const healthy = await cli(['doctor']);
  assert.match(healthy.stdout, /✓ Helper endpoints: the helper at https:\/\/127\.0\.0\.1:\d+ is ready/);
  assert.equal(await helper.stop('SIGTERM'), 0);
  const ns = await namespace('down');
  await apply(ns, [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unhelped', labels: { app: 'unhelped' } }, spec: { containers: [{ name: 'main', image: WEB.TargetImage }] } }]);
  const [p] = await running(ns, 'app=unhelped', 1);
  assert.equal(p?.spec.affinity, undefined, 'admitted unchanged');
  const doctor = await cli(['doctor']);
  assert.match(doctor.stdout, /✗ Helper endpoints: the helper is missing: https:\/\/127\.0\.0\.1:\d+\/mutate does not answer/);
  assert.equal(doctor.code, 1);
});

/** The accelerated pool leaves (the old-spelling node is deleted, the others turn NotReady) or comes back. */
async function setPool(present: boolean): Promise<void> {
  const notReady = ['acc-new-a', 'acc-batch-c'];
  const deleted = NODES.filter((n) => n.name === 'acc-old-b');
  if (present) {
    await createNodes(cp, deleted);
    await setNodesReady(cp, notReady, true);
  } else {
    await deleteNodes(cp, deleted.map((n) => n.name));
    await setNodesReady(cp, notReady, false);
  }
}
