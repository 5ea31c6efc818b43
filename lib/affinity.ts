/**
 * Required node affinity for accelerated images, shared by `patch`/`unpatch` and the admission webhook.
 * Structural types (compatible with client-node's V1Affinity) so the webhook can work on raw admission JSON.
 */
import { t } from './i18n/index.ts';

export const ACCELERATION_LABEL = 'node.uk8s.ucloud.cn/image_accel';
/** The spelling of older clusters and of the original script. */
export const LEGACY_ACCELERATION_LABEL = 'node.uk8s.ucloud.cn/uimgacc';
/**
 * Both spellings, in the order their terms are written. Clusters labelled before and after UCloud's rename carry
 * both, so requiring one spelling would exclude (or, when the other pool is all there is, strand) Pods.
 */
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

/** One term after the change: the term it was copied from, and the label expression appended to the copy. */
export interface RecordedTerm {
  /** Index of the term before the change (-1 when the required section was created). */
  readonly source: number;
  /** The label whose expression was appended; absent when the term already required an acceleration label. */
  readonly label?: string | undefined;
  /** The copy's matchExpressions list was created for the expression. */
  readonly createdList: boolean;
}

/** What addAccelerationAffinity did, so that removal restores the original exactly. */
export interface AffinityRecord {
  /** The labels required (one term per label for every term that did not require one already). */
  readonly labels: readonly string[];
  /** The terms after the change, in order. */
  readonly terms: readonly RecordedTerm[];
  /** The required section did not exist: it was created with one term per label holding only its expression. */
  readonly createdRequired: boolean;
  readonly createdNodeAffinity: boolean;
  readonly createdAffinity: boolean;
}

export interface AffinityChange {
  readonly affinity: Affinity;
  readonly changed: boolean;
  readonly record: AffinityRecord;
  /** Terms whose every copy contradicts its label (e.g. NotIn ["true"]): no accelerated node can match them. */
  readonly conflicts: readonly string[];
}

export function accelerationRequirement(label: string): NodeSelectorRequirement {
  return { key: label, operator: 'In', values: ['true'] };
}

export function isAccelerationRequirement(req: NodeSelectorRequirement, label: string): boolean {
  return req.key === label && req.operator === 'In' && Array.isArray(req.values) && req.values.length === 1 && req.values[0] === 'true';
}

/** A term already restricted to nodes with one of `labels`=true (ours, or an equivalent the user wrote). */
export function termRequiresLabel(term: NodeSelectorTerm, labels: readonly string[]): boolean {
  return (term.matchExpressions ?? []).some((r) => labels.some((l) => isAccelerationRequirement(r, l)));
}

/**
 * Every term of the required node affinity admits only nodes with one of `labels`=true: the Pod cannot land on an
 * unlabelled node. False without a required section.
 */
export function requiresAcceleratedNode(affinity: Affinity | undefined, labels: readonly string[]): boolean {
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return Array.isArray(terms) && terms.length > 0 && terms.every((term) => termRequiresLabel(term, labels));
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

function withRequirement(term: NodeSelectorTerm, label: string): NodeSelectorTerm {
  const copy = clone(term);
  (copy.matchExpressions ??= []).push(accelerationRequirement(label));
  return copy;
}

/**
 * Requires nodes with one of `labels`=true. nodeSelectorTerms are ORed, so each existing term is replaced by one copy
 * per label with that label's expression ANDed in (T becomes T∧L1 ∨ T∧L2): appending new terms would instead let
 * Pods land on any node that matched before, and one expression per term could only name one spelling. Terms that
 * already require one of the labels are kept as they are. Idempotent.
 */
export function addAccelerationAffinity(input: Affinity | undefined, labels: readonly string[]): AffinityChange {
  if (labels.length === 0) throw new Error('addAccelerationAffinity: no label');
  const affinity: Affinity = clone(input) ?? {};
  const createdAffinity = input === undefined;
  const createdNodeAffinity = affinity.nodeAffinity === undefined;
  const nodeAffinity: NodeAffinity = (affinity.nodeAffinity ??= {});
  const required = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  const conflicts: string[] = [];
  if (!required || !Array.isArray(required.nodeSelectorTerms) || required.nodeSelectorTerms.length === 0) {
    nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: labels.map((l) => ({ matchExpressions: [accelerationRequirement(l)] })) };
    return {
      affinity,
      changed: true,
      conflicts,
      record: { labels: [...labels], terms: labels.map((label) => ({ source: -1, label, createdList: true })), createdRequired: true, createdNodeAffinity, createdAffinity },
    };
  }
  const out: NodeSelectorTerm[] = [];
  const terms: RecordedTerm[] = [];
  let changed = false;
  required.nodeSelectorTerms.forEach((term, index) => {
    if (termRequiresLabel(term, labels)) {
      out.push(term);
      terms.push({ source: index, createdList: false });
      return;
    }
    const contradicted = labels.map((l) => contradiction(term, l));
    if (contradicted.every((c) => c !== undefined)) conflicts.push(t('workload.affinity.conflictTerm', { index, expressions: contradicted.join(t('common.listSeparator')) }));
    for (const label of labels) {
      out.push(withRequirement(term, label));
      terms.push({ source: index, label, createdList: term.matchExpressions === undefined });
    }
    changed = true;
  });
  required.nodeSelectorTerms = out;
  return {
    affinity: changed ? affinity : (clone(input) as Affinity),
    changed,
    conflicts,
    record: { labels: [...labels], terms, createdRequired: false, createdNodeAffinity: false, createdAffinity: false },
  };
}

export class AffinityRestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AffinityRestoreError';
  }
}

/** Removes the expression `entry` says was appended to `term`; throws when it is gone. */
function stripRecorded(term: NodeSelectorTerm | undefined, entry: RecordedTerm, at: number): NodeSelectorTerm {
  if (!term) throw new AffinityRestoreError(t('workload.affinity.termGone', { index: at }));
  if (entry.label === undefined) return term;
  const i = term.matchExpressions?.findIndex((r) => isAccelerationRequirement(r, entry.label as string)) ?? -1;
  if (i < 0) throw new AffinityRestoreError(t('workload.affinity.expressionGone', { index: at, label: entry.label }));
  const copy = clone(term);
  copy.matchExpressions?.splice(i, 1);
  if (entry.createdList && copy.matchExpressions?.length === 0) delete copy.matchExpressions;
  return copy;
}

/**
 * Undoes exactly what `record` says was added: the appended expressions go, and the copies of each original term
 * (identical once stripped) become that one term again. Throws AffinityRestoreError when the affinity was changed
 * since in a way that makes that ambiguous (an expression is gone, terms were added, removed or edited apart).
 */
export function removeAccelerationAffinity(input: Affinity | undefined, record: AffinityRecord): Affinity | undefined {
  const affinity = clone(input);
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!affinity || !Array.isArray(terms)) {
    if (record.createdRequired || record.terms.some((term) => term.label !== undefined)) {
      throw new AffinityRestoreError(t('workload.affinity.gone'));
    }
    return affinity;
  }
  const expected = t(record.createdRequired ? 'workload.affinity.expectedCreated' : 'workload.affinity.expected', { n: record.terms.length });
  if (terms.length !== record.terms.length) throw new AffinityRestoreError(t('workload.affinity.termCount', { n: terms.length, expected }));
  const nodeAffinity = affinity.nodeAffinity as NodeAffinity;
  const stripped = record.terms.map((entry, at) => stripRecorded(terms[at], entry, at));
  if (record.createdRequired) {
    if (stripped.some((term) => (term.matchExpressions?.length ?? 0) > 0 || (term.matchFields?.length ?? 0) > 0)) {
      throw new AffinityRestoreError(t('workload.affinity.createdChanged', { expected }));
    }
    delete nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  } else {
    const restored: NodeSelectorTerm[] = [];
    let last = -1;
    stripped.forEach((term, at) => {
      const source = record.terms[at]?.source ?? -1;
      if (source === last) {
        // Another copy of the same original term: once stripped it must be the same term, or it was edited since.
        if (JSON.stringify(term) !== JSON.stringify(restored.at(-1))) {
          throw new AffinityRestoreError(t('workload.affinity.copyChanged', { index: at, source }));
        }
        return;
      }
      restored.push(term);
      last = source;
    });
    (nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution as { nodeSelectorTerms: NodeSelectorTerm[] }).nodeSelectorTerms = restored;
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

export interface LabelCount {
  readonly label: string;
  /** Nodes carrying label=true, Ready or not (a pool being replaced or scaled to zero still tells the spelling). */
  readonly nodes: number;
  readonly readyNodes: number;
}

export interface LabelDetection {
  /** What Pods are required to carry (one of): the forced label, else both spellings. */
  readonly labels: readonly string[];
  readonly source: 'flag' | 'both spellings';
  /** Per spelling (and the forced label), over all nodes. */
  readonly counts: readonly LabelCount[];
  /** Nodes carrying an acceleration label, any spelling (Ready or not). */
  readonly labelledNodes: number;
  readonly readyLabelledNodes: number;
  /** Nodes carrying an acceleration spelling but not the forced label: Pods are never placed there. */
  readonly excluded: readonly string[];
}

/**
 * Which labels Pods require and what the nodes carry. Without an override, both spellings are always required
 * (any node labelled either way is accelerated); detection only reports. `--node-label`/`nodeLabel` forces one.
 */
export function detectAccelerationLabels(nodes: readonly NodeInfo[], override?: string): LabelDetection {
  const labels: readonly string[] = override ? [override] : ACCELERATION_LABELS;
  const carries = (n: NodeInfo, l: string): boolean => n.labels[l] === 'true';
  const spellings = [...new Set([...ACCELERATION_LABELS, ...labels])];
  const counts = spellings.map((label) => {
    const with_ = nodes.filter((n) => carries(n, label));
    return { label, nodes: with_.length, readyNodes: with_.filter((n) => n.ready).length };
  });
  const labelled = nodes.filter((n) => labels.some((l) => carries(n, l)));
  const excluded = nodes.filter((n) => !labels.some((l) => carries(n, l)) && ACCELERATION_LABELS.some((l) => carries(n, l))).map((n) => n.name);
  return {
    labels,
    source: override ? 'flag' : 'both spellings',
    counts,
    labelledNodes: labelled.length,
    readyLabelledNodes: labelled.filter((n) => n.ready).length,
    excluded,
  };
}

/** `a=true or b=true`, for messages. */
export function describeLabels(labels: readonly string[]): string {
  return labels.map((l) => `${l}=true`).join(t('workload.affinity.labelSeparator'));
}
