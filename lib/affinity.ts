/**
 * Required node affinity for accelerated images, shared by `patch`/`unpatch` and the admission webhook.
 * Structural types (compatible with client-node's V1Affinity) so the webhook can work on raw admission JSON.
 */

export const ACCELERATION_LABEL = 'node.uk8s.ucloud.cn/image_accel';
/** The spelling of older clusters and of the original script. */
export const LEGACY_ACCELERATION_LABEL = 'node.uk8s.ucloud.cn/uimgacc';
export const ACCELERATION_LABELS = [ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL] as const;

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[] | undefined;
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[] | undefined;
  matchFields?: NodeSelectorRequirement[] | undefined;
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] } | undefined;
  preferredDuringSchedulingIgnoredDuringExecution?: unknown[] | undefined;
}

export interface Affinity {
  nodeAffinity?: NodeAffinity | undefined;
  podAffinity?: unknown;
  podAntiAffinity?: unknown;
}

/** What addAccelerationAffinity created, so that removal restores the original exactly. */
export interface AffinityRecord {
  readonly label: string;
  /** Indices of the terms that received the expression, and whether their matchExpressions list was created. */
  readonly terms: readonly { readonly index: number; readonly createdList: boolean }[];
  /** The required section did not exist: it was created with one term holding only our expression. */
  readonly createdRequired: boolean;
  readonly createdNodeAffinity: boolean;
  readonly createdAffinity: boolean;
}

export interface AffinityChange {
  readonly affinity: Affinity;
  readonly changed: boolean;
  readonly record: AffinityRecord;
  /** Expressions on the same label that contradict ours (e.g. NotIn ["true"]): the Pod could not be scheduled. */
  readonly conflicts: readonly string[];
}

export function accelerationRequirement(label: string): NodeSelectorRequirement {
  return { key: label, operator: 'In', values: ['true'] };
}

export function isAccelerationRequirement(req: NodeSelectorRequirement, label: string): boolean {
  return req.key === label && req.operator === 'In' && Array.isArray(req.values) && req.values.length === 1 && req.values[0] === 'true';
}

/** A term already restricted to nodes with label=true (ours, or an equivalent the user wrote). */
function termRequiresLabel(term: NodeSelectorTerm, label: string): boolean {
  return (term.matchExpressions ?? []).some((r) => isAccelerationRequirement(r, label));
}

function contradiction(term: NodeSelectorTerm, label: string): string | undefined {
  for (const r of term.matchExpressions ?? []) {
    if (r.key !== label) continue;
    if (r.operator === 'DoesNotExist') return `${label} DoesNotExist`;
    if (r.operator === 'NotIn' && (r.values ?? []).includes('true')) return `${label} NotIn [${(r.values ?? []).join(', ')}]`;
    if (r.operator === 'In' && !(r.values ?? []).includes('true')) return `${label} In [${(r.values ?? []).join(', ')}]`;
  }
  return undefined;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Requires nodes with `label=true`. nodeSelectorTerms are ORed, so the expression is ANDed into every existing term;
 * appending a new term would instead let Pods land on any node that matched before. Idempotent.
 */
export function addAccelerationAffinity(input: Affinity | undefined, label: string): AffinityChange {
  const affinity: Affinity = clone(input) ?? {};
  const createdAffinity = input === undefined;
  const createdNodeAffinity = affinity.nodeAffinity === undefined;
  const nodeAffinity: NodeAffinity = (affinity.nodeAffinity ??= {});
  const required = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  const conflicts: string[] = [];
  if (!required || !Array.isArray(required.nodeSelectorTerms) || required.nodeSelectorTerms.length === 0) {
    nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchExpressions: [accelerationRequirement(label)] }] };
    return {
      affinity,
      changed: true,
      conflicts,
      record: { label, terms: [], createdRequired: true, createdNodeAffinity, createdAffinity },
    };
  }
  const terms: { index: number; createdList: boolean }[] = [];
  required.nodeSelectorTerms.forEach((term, index) => {
    const c = contradiction(term, label);
    if (c) conflicts.push(`term ${index}: ${c}`);
    if (termRequiresLabel(term, label)) return;
    const createdList = term.matchExpressions === undefined;
    (term.matchExpressions ??= []).push(accelerationRequirement(label));
    terms.push({ index, createdList });
  });
  return {
    affinity: terms.length > 0 ? affinity : (clone(input) as Affinity),
    changed: terms.length > 0,
    conflicts,
    record: { label, terms, createdRequired: false, createdNodeAffinity: false, createdAffinity: false },
  };
}

export class AffinityRestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AffinityRestoreError';
  }
}

/**
 * Undoes exactly what `record` says was added. Throws AffinityRestoreError when the affinity was changed since in a
 * way that makes that ambiguous (the expression is gone, or terms were added or removed).
 */
export function removeAccelerationAffinity(input: Affinity | undefined, record: AffinityRecord): Affinity | undefined {
  const affinity = clone(input);
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!affinity || !terms) {
    if (record.createdRequired || record.terms.length > 0) {
      throw new AffinityRestoreError('the required node affinity that patch added is no longer there');
    }
    return affinity;
  }
  const nodeAffinity = affinity.nodeAffinity as NodeAffinity;
  if (record.createdRequired) {
    const only = terms.length === 1 ? terms[0] : undefined;
    const exprs = only?.matchExpressions ?? [];
    if (!only || only.matchFields?.length || exprs.length !== 1 || !isAccelerationRequirement(exprs[0] as NodeSelectorRequirement, record.label)) {
      throw new AffinityRestoreError(
        `the required node affinity was changed after patch created it (expected exactly one term with only ${record.label} In [true])`,
      );
    }
    delete nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  } else {
    for (const { index, createdList } of record.terms) {
      const term = terms[index];
      const at = term?.matchExpressions?.findIndex((r) => isAccelerationRequirement(r, record.label)) ?? -1;
      if (!term || at < 0) {
        throw new AffinityRestoreError(`node selector term ${index} no longer has the ${record.label} expression that patch added`);
      }
      term.matchExpressions?.splice(at, 1);
      if (createdList && term.matchExpressions?.length === 0) delete term.matchExpressions;
    }
  }
  if (record.createdNodeAffinity && Object.keys(nodeAffinity).length === 0) delete affinity.nodeAffinity;
  if (record.createdAffinity && Object.keys(affinity).length === 0) return undefined;
  return affinity;
}

export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ready: boolean;
}

export interface LabelChoice {
  readonly label: string;
  readonly source: 'flag' | 'detected' | 'default';
  /** Ready nodes carrying label=true. */
  readonly readyNodes: number;
  /** Ready nodes that carry only the other spelling and so will not be used. */
  readonly otherSpellingOnly: number;
}

/**
 * Which label to require: the override, else the spelling most Ready nodes carry (the current one on a tie),
 * else the current spelling.
 */
export function chooseAccelerationLabel(nodes: readonly NodeInfo[], override?: string): LabelChoice {
  const count = (label: string): number => nodes.filter((n) => n.ready && n.labels[label] === 'true').length;
  const onlyOther = (label: string): number =>
    nodes.filter((n) => n.ready && n.labels[label] !== 'true' && ACCELERATION_LABELS.some((l) => l !== label && n.labels[l] === 'true')).length;
  if (override) return { label: override, source: 'flag', readyNodes: count(override), otherSpellingOnly: 0 };
  const current = count(ACCELERATION_LABEL);
  const legacy = count(LEGACY_ACCELERATION_LABEL);
  if (current === 0 && legacy === 0) return { label: ACCELERATION_LABEL, source: 'default', readyNodes: 0, otherSpellingOnly: 0 };
  const label = legacy > current ? LEGACY_ACCELERATION_LABEL : ACCELERATION_LABEL;
  return { label, source: 'detected', readyNodes: count(label), otherSpellingOnly: onlyOther(label) };
}
