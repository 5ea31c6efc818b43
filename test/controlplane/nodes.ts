// Simulated nodes for a control plane started with `kwok: true` (see startControlPlane): kwok keeps their leases and
// status fresh and moves the Pods the scheduler binds to them to Running, the way a kubelet would.
//
//   const plane = await startControlPlane({ scheduler: true, controllerManager: true, kwok: true });
//   await createNodes(plane, [
//     { name: 'acc-1', acceleration: 'new', zone: 'cn-bj2-04' },       // node.uk8s.ucloud.cn/image_accel=true
//     { name: 'acc-2', acceleration: 'old' },                          // node.uk8s.ucloud.cn/uimgacc=true
//     { name: 'plain-1', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
//   ]);                                                                // resolves when every node is Ready
//   await setNodesReady(plane, ['acc-1'], false);                      // NotReady, tainted by node lifecycle
//   await setNodesReady(plane, ['acc-1'], true);                       // Ready again, taints gone
//   await deleteNodes(plane, ['acc-2']);
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL } from '../../lib/affinity.ts';
import { KWOK_MANAGED_LABEL, kubectl, tail, type ControlPlaneInfo } from './controlplane.ts';

export interface NodeSpec {
  readonly name: string;
  /** Acceleration label: 'new' = node.uk8s.ucloud.cn/image_accel=true, 'old' = node.uk8s.ucloud.cn/uimgacc=true. */
  readonly acceleration?: 'new' | 'old';
  /** topology.kubernetes.io/zone. */
  readonly zone?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** Pods the node takes (default 110, as a kubelet's default). */
  readonly pods?: number;
}

type Plane = Pick<ControlPlaneInfo, 'kubeconfigPath' | 'components' | 'dir'>;

interface NodeOut {
  metadata: { name: string };
  spec?: { taints?: { key: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

const UNHEALTHY_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

async function k(plane: Plane, args: readonly string[], input?: string): Promise<string> {
  const r = await kubectl(plane.kubeconfigPath, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export function nodeManifest(spec: NodeSpec): object {
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': spec.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    type: 'kwok',
    [KWOK_MANAGED_LABEL]: 'managed',
    ...(spec.acceleration === 'new' ? { [ACCELERATION_LABEL]: 'true' } : {}),
    ...(spec.acceleration === 'old' ? { [LEGACY_ACCELERATION_LABEL]: 'true' } : {}),
    ...(spec.zone ? { 'topology.kubernetes.io/zone': spec.zone } : {}),
    ...spec.labels,
  };
  const resources = { cpu: '32', memory: '256Gi', pods: String(spec.pods ?? 110) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: spec.name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: { taints: spec.taints ?? [] },
    // A kubelet registers its Node with capacity; the scheduler places nothing on a node without it.
    status: { allocatable: resources, capacity: resources },
  };
}

async function listNodes(plane: Plane): Promise<NodeOut[]> {
  return (JSON.parse(await k(plane, ['get', 'nodes', '-o', 'json'])) as { items: NodeOut[] }).items;
}

function isReady(n: NodeOut): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function unhealthyTaint(n: NodeOut): boolean {
  return n.spec?.taints?.some((t) => UNHEALTHY_TAINTS.includes(t.key)) ?? false;
}

async function waitNodes(plane: Plane, names: readonly string[], what: string, ok: (nodes: NodeOut[]) => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const wanted = new Set(names);
    const nodes = (await listNodes(plane)).filter((n) => wanted.has(n.metadata.name));
    if (ok(nodes)) return;
    if (Date.now() > deadline) {
      const seen = JSON.stringify(nodes.slice(0, 3).map((n) => [n.metadata.name, n.status?.conditions, n.spec?.taints]));
      throw new Error(`nodes ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''} not ${what} within ${timeoutMs / 1000}s: ${seen}\n--- kwok log tail ---\n${tail(join(plane.dir, 'kwok.log'), 20)}`);
    }
    await delay(names.length > 100 ? 1000 : 250);
  }
}

/** Healthy as the scheduler sees it: Ready, and without node lifecycle's not-ready/unreachable taints. */
const allHealthy = (count: number) => (nodes: NodeOut[]): boolean => nodes.length === count && nodes.every((n) => isReady(n) && !unhealthyTaint(n));

/**
 * Creates Nodes and, when kwok runs, resolves once every one of them is Ready (kwok's node stages) and untainted.
 * Creating is chunked, so a thousand nodes go through a handful of kubectl calls.
 */
export async function createNodes(plane: Plane, specs: readonly NodeSpec[]): Promise<void> {
  for (let i = 0; i < specs.length; i += 200) {
    const items = specs.slice(i, i + 200).map(nodeManifest);
    await k(plane, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  }
  if (plane.components.includes('kwok')) await waitNodes(plane, specs.map((s) => s.name), 'Ready', allHealthy(specs.length));
}

/** Deletes Nodes and resolves when they are gone (their Pods are then removed by pod GC, when it runs). */
export async function deleteNodes(plane: Plane, names: readonly string[]): Promise<void> {
  await k(plane, ['delete', 'nodes', ...names, '--ignore-not-found', '--wait=true']);
  await waitNodes(plane, names, 'deleted', (nodes) => nodes.length === 0);
}

/**
 * NotReady: kwok stops managing the nodes (no more lease renewals, as when a kubelet dies) and their Ready condition
 * turns False; with the controller manager, resolves once node lifecycle has tainted them not-ready, which is what
 * keeps the scheduler away. Ready: kwok takes them back, marks them Ready and renews their leases; resolves once they
 * are Ready and the taints are gone.
 */
export async function setNodesReady(plane: Plane, names: readonly string[], ready: boolean): Promise<void> {
  await k(plane, ['label', 'nodes', ...names, '--overwrite', `${KWOK_MANAGED_LABEL}=${ready ? 'managed' : 'paused'}`]);
  if (ready) {
    if (plane.components.includes('kwok')) await waitNodes(plane, names, 'Ready', allHealthy(names.length));
    return;
  }
  const now = new Date().toISOString();
  const patch = JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'stopped by the test', lastHeartbeatTime: now, lastTransitionTime: now }] } });
  for (const name of names) await k(plane, ['patch', 'node', name, '--subresource=status', '--type=strategic', '-p', patch]);
  const tainted = plane.components.includes('controllerManager');
  await waitNodes(plane, names, 'NotReady', (nodes) => nodes.length === names.length && nodes.every((n) => !isReady(n) && (!tainted || unhealthyTaint(n))));
}
