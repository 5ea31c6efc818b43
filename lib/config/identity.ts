import { refused } from '../errors.ts';
import type { Sourced } from './resolve.ts';

/**
 * Which UK8S cluster the Kubernetes cluster being read says it is: ConfigMap kube-system/uk8sconfig (written by UK8S
 * itself), else the cluster ID `configure` recorded on the kubeconfig context. `why` says why it is not known.
 */
export type KubernetesIdentity = { readonly known: true; readonly id: Sourced } | { readonly known: false; readonly why: string };

/**
 * The cluster UCloud acts on (`ucloud`, resolved from --cluster-id, env, context, …) against the cluster the
 * Kubernetes reads go to. They differ when, say, UCLOUD_UK8S_CLUSTER_ID still names cluster B while the context is on
 * cluster A: an in-use scan of A then says nothing about B.
 */
export type IdentityVerdict =
  | { readonly kind: 'same'; readonly ucloud: Sourced; readonly kubernetes: Sourced }
  | { readonly kind: 'different'; readonly ucloud: Sourced; readonly kubernetes: Sourced }
  | { readonly kind: 'unknown'; readonly ucloud: Sourced; readonly why: string };

export function checkClusterIdentity(ucloud: Sourced, kubernetes: KubernetesIdentity): IdentityVerdict {
  if (!kubernetes.known) return { kind: 'unknown', ucloud, why: kubernetes.why };
  return { kind: kubernetes.id.value === ucloud.value ? 'same' : 'different', ucloud, kubernetes: kubernetes.id };
}

/** One line naming both clusters and where each came from; used in errors and warnings alike. */
export function describeMismatch(v: Extract<IdentityVerdict, { kind: 'different' }>): string {
  return (
    `the Kubernetes cluster of this context is ${v.kubernetes.value} (from ${v.kubernetes.source}), ` +
    `but the UCloud cluster is ${v.ucloud.value} (from ${v.ucloud.source})`
  );
}

/** How to make the UCloud cluster follow the context, worded for where the UCloud cluster ID came from. */
function dropUCloudSource(ucloud: Sourced, wanted: string): string {
  if (ucloud.source.startsWith('flag ')) return `drop --cluster-id ${ucloud.value} (or pass --cluster-id ${wanted})`;
  if (ucloud.source.startsWith('env ')) return `unset UCLOUD_UK8S_CLUSTER_ID (or set it to ${wanted})`;
  if (ucloud.source.startsWith('kubeconfig context')) return `record the right cluster on the context: \`kubectl uimgacc configure --cluster-id ${wanted}\``;
  if (ucloud.source.startsWith('Secret ')) return `store the right cluster in the credentials Secret: \`kubectl uimgacc configure --cluster-id ${wanted}\``;
  return `pass --cluster-id ${wanted}`;
}

export function mismatchHints(v: Extract<IdentityVerdict, { kind: 'different' }>): string[] {
  return [
    `hint: to act on ${v.ucloud.value}, switch to its context (--context, or \`kubectl config use-context\`)`,
    `hint: to act on ${v.kubernetes.value}, ${dropUCloudSource(v.ucloud, v.kubernetes.value)}`,
  ];
}

export interface IdentityPolicy {
  /** What the command was about to do, for the message: "delete the acceleration of …". */
  readonly what: string;
  /** Refuse when the Kubernetes cluster's identity cannot be established (delete/disable), unless `force`. */
  readonly refuseUnknown: boolean;
  /** --force: overrides an unknown identity, never a mismatch (it answers "in use", a different question). */
  readonly force: boolean;
}

/**
 * The rule for commands whose correctness depends on the Kubernetes cluster being the UK8S cluster UCloud acts on:
 * a mismatch is always refused; an unknown identity is refused when `refuseUnknown` and not `force`. Returns the
 * warning to print when an unknown identity is let through by --force.
 */
export function requireSameCluster(v: IdentityVerdict, policy: IdentityPolicy): string | undefined {
  if (v.kind === 'same') return undefined;
  if (v.kind === 'different') {
    throw refused(`refusing to ${policy.what}: ${describeMismatch(v)}`, ...mismatchHints(v), '(--force does not override this: it answers "in use", not "which cluster")');
  }
  if (!policy.refuseUnknown) return undefined;
  const reason = `cannot tell which UK8S cluster this Kubernetes context is (${v.why}), so the in-use check may be looking at another cluster than ${v.ucloud.value} (from ${v.ucloud.source})`;
  if (policy.force) return reason;
  throw refused(
    `refusing to ${policy.what}: ${reason}`,
    `hint: record the cluster on this context with \`kubectl uimgacc configure --cluster-id ${v.ucloud.value}\` if it is ${v.ucloud.value}, or pass --force if you are sure it is`,
  );
}
