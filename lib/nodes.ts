import type { NodeInfo } from './affinity.ts';
import type { KubeAccess } from './kube/access.ts';
import { listPages } from './kube/rawlist.ts';

interface RawNode {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: { conditions?: { type?: string; status?: string }[] };
  spec?: { unschedulable?: boolean };
}

export function nodeInfoOf(node: RawNode): NodeInfo {
  return {
    name: node.metadata?.name ?? '',
    labels: { ...(node.metadata?.labels ?? {}) },
    ready: (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  };
}

/** Every Node with its labels and Ready condition, page by page (clusters can have thousands of nodes). */
export async function listNodes(kube: KubeAccess, signal?: AbortSignal): Promise<NodeInfo[]> {
  const out: NodeInfo[] = [];
  for await (const page of listPages<RawNode>(kube, '/api/v1/nodes', 500, signal)) {
    for (const node of page.items) out.push(nodeInfoOf(node));
  }
  return out;
}
