import { refused } from '../errors.ts';
import { t } from '../i18n/index.ts';
import { describeSource, type Sourced } from './resolve.ts';

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
  return t('setup.identity.mismatch', {
    kubernetes: v.kubernetes.value,
    kubernetesSource: describeSource(v.kubernetes.source),
    ucloud: v.ucloud.value,
    ucloudSource: describeSource(v.ucloud.source),
  });
}

/** How to make the UCloud cluster follow the context, worded for where the UCloud cluster ID came from. */
function dropUCloudSource(ucloud: Sourced, wanted: string): string {
  // Sourced.source is English whatever the language: its prefix says what kind of source it is.
  if (ucloud.source.startsWith('flag ')) return t('setup.identity.dropFlag', { ucloud: ucloud.value, wanted });
  if (ucloud.source.startsWith('env ')) return t('setup.identity.dropEnv', { wanted });
  if (ucloud.source.startsWith('kubeconfig context')) return t('setup.identity.fixContext', { wanted });
  if (ucloud.source.startsWith('Secret ')) return t('setup.identity.fixSecret', { wanted });
  return t('setup.identity.passFlag', { wanted });
}

/** How to proceed after a mismatch, one way per cluster (without the `hint:` prefix: doctor shows them as its fix). */
export function mismatchAdvice(v: Extract<IdentityVerdict, { kind: 'different' }>): string[] {
  return [
    t('setup.identity.switchContext', { ucloud: v.ucloud.value }),
    t('setup.identity.followContext', { kubernetes: v.kubernetes.value, action: dropUCloudSource(v.ucloud, v.kubernetes.value) }),
  ];
}

export function mismatchHints(v: Extract<IdentityVerdict, { kind: 'different' }>): string[] {
  return mismatchAdvice(v).map((hint) => t('setup.hint', { hint }));
}


export interface IdentityPolicy {
  /**
   * What the command was about to do, for the message "refusing to WHAT: …", in the user's language (a verb phrase:
   * "delete the acceleration of …", Chinese "删除 … 的镜像加速").
   */
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
    throw refused(t('setup.identity.refuseMismatch', { what: policy.what, mismatch: describeMismatch(v) }), ...mismatchHints(v), t('setup.identity.forceNoOverride'));
  }
  if (!policy.refuseUnknown) return undefined;
  const reason = t('setup.identity.unknown', { why: v.why, ucloud: v.ucloud.value, source: describeSource(v.ucloud.source) });
  if (policy.force) return reason;
  throw refused(t('setup.identity.refuseUnknown', { what: policy.what, reason }), t('setup.identity.recordHint', { ucloud: v.ucloud.value }));
}
