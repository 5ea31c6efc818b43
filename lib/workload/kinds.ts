import { invalid, refused } from '../errors.ts';
import { t } from '../i18n/index.ts';

/** The workload kinds whose pod template `patch` can change (Jobs are refused: their template is immutable). */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'CronJob'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface KindInfo {
  readonly kind: WorkloadKind;
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name, as in the URL. */
  readonly resource: string;
  /** JSON pointer of the pod template (`template` holds metadata + spec). */
  readonly templatePointer: string;
  readonly shortNames: readonly string[];
  /** Whether spec.replicas says how many Pods run (for the "not enough labelled nodes" warning). */
  readonly hasReplicas: boolean;
}

export const KINDS: Readonly<Record<WorkloadKind, KindInfo>> = {
  Deployment: { kind: 'Deployment', group: 'apps', version: 'v1', resource: 'deployments', templatePointer: '/spec/template', shortNames: ['deploy'], hasReplicas: true },
  StatefulSet: { kind: 'StatefulSet', group: 'apps', version: 'v1', resource: 'statefulsets', templatePointer: '/spec/template', shortNames: ['sts'], hasReplicas: true },
  DaemonSet: { kind: 'DaemonSet', group: 'apps', version: 'v1', resource: 'daemonsets', templatePointer: '/spec/template', shortNames: ['ds'], hasReplicas: false },
  ReplicaSet: { kind: 'ReplicaSet', group: 'apps', version: 'v1', resource: 'replicasets', templatePointer: '/spec/template', shortNames: ['rs'], hasReplicas: true },
  ReplicationController: { kind: 'ReplicationController', group: '', version: 'v1', resource: 'replicationcontrollers', templatePointer: '/spec/template', shortNames: ['rc'], hasReplicas: true },
  CronJob: { kind: 'CronJob', group: 'batch', version: 'v1', resource: 'cronjobs', templatePointer: '/spec/jobTemplate/spec/template', shortNames: ['cj'], hasReplicas: false },
};

const JOB_NAMES = new Set(['job', 'jobs', 'job.batch', 'jobs.batch']);

/** A kind whose pod template can be read, including those `patch` refuses (for `create --from`). */
export interface TemplateKindInfo extends Omit<KindInfo, 'kind'> {
  readonly kind: WorkloadKind | 'Job' | 'Pod';
}

/** Read-only template kinds: a Job's template is immutable, and a Pod is its own template (pointer ''). */
export const READ_ONLY_KINDS: Readonly<Record<'Job' | 'Pod', TemplateKindInfo>> = {
  Job: { kind: 'Job', group: 'batch', version: 'v1', resource: 'jobs', templatePointer: '/spec/template', shortNames: [], hasReplicas: false },
  Pod: { kind: 'Pod', group: '', version: 'v1', resource: 'pods', templatePointer: '', shortNames: ['po'], hasReplicas: false },
};

/** Like resolveType, for reading a pod template: every kind patch takes, plus Jobs and Pods. */
export function resolveTemplateType(type: string): TemplateKindInfo {
  const lower = type.toLowerCase();
  if (JOB_NAMES.has(lower)) return READ_ONLY_KINDS.Job;
  if (['pod', 'pods', 'po'].includes(lower)) return READ_ONLY_KINDS.Pod;
  try {
    return resolveType(type);
  } catch {
    throw invalid(t('workload.error.noTemplateType', { type }), t('workload.hint.templateTypes'));
  }
}

/** What a kind is, for any kind a pod template lives in. */
export function templateKindInfo(kind: WorkloadKind | 'Job' | 'Pod'): TemplateKindInfo {
  return kind === 'Job' || kind === 'Pod' ? READ_ONLY_KINDS[kind] : KINDS[kind];
}

/** kubectl's way of naming a resource: `deployment.apps`, `replicationcontroller` (core group has no suffix). */
export function qualifiedName(info: Pick<TemplateKindInfo, 'kind' | 'group'>): string {
  return info.group ? `${info.kind.toLowerCase()}.${info.group}` : info.kind.toLowerCase();
}

/** `deployment.apps/web`, as `kubectl -o name` prints it. */
export function objectName(info: KindInfo, name: string): string {
  return `${qualifiedName(info)}/${name}`;
}

export function collectionPath(info: TemplateKindInfo, namespace: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${info.resource}`;
}

export function objectPath(info: TemplateKindInfo, namespace: string, name: string): string {
  return `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`;
}

/** A TYPE as kubectl accepts it: kind, singular, plural, short name, optionally `.group`; case-insensitive. */
export function resolveType(type: string): KindInfo {
  const lower = type.toLowerCase();
  if (JOB_NAMES.has(lower)) throw refused(t('workload.error.jobImmutable'), t('workload.hint.jobImmutable'));
  for (const info of Object.values(KINDS)) {
    const singular = info.kind.toLowerCase();
    const names = [singular, info.resource, ...info.shortNames];
    const candidates = info.group ? [...names, ...names.map((n) => `${n}.${info.group}`)] : names;
    if (candidates.includes(lower)) return info;
  }
  throw invalid(t('workload.error.unknownType', { type }), t('workload.hint.patchTypes'));
}

export interface NamedTarget {
  readonly info: KindInfo;
  readonly name: string;
}

export type Targets =
  | { readonly mode: 'names'; readonly targets: readonly NamedTarget[] }
  | { readonly mode: 'select'; readonly info: KindInfo; readonly selector: string | undefined };

/**
 * The arguments kubectl accepts for a resource command: `TYPE/NAME...`, `TYPE NAME...`, or `TYPE` with `-l`/`--all`.
 */
export function parseTargets(args: readonly string[], selector: string | undefined, all: boolean): Targets {
  if (args.length === 0) throw invalid(t('workload.error.noTargets'));
  const slashed = args.filter((a) => a.includes('/'));
  if (selector !== undefined || all) {
    if (selector !== undefined && all) throw invalid(t('workload.error.selectorAndAll'));
    if (args.length !== 1 || slashed.length > 0) throw invalid(t('workload.error.selectorTakesType'));
    return { mode: 'select', info: resolveType(args[0] as string), selector };
  }
  if (slashed.length === args.length) {
    return {
      mode: 'names',
      targets: args.map((a) => {
        const [type, name, ...rest] = a.split('/');
        if (!type || !name || rest.length > 0) throw invalid(t('workload.error.badTypeName', { arg: a }));
        return { info: resolveType(type), name };
      }),
    };
  }
  if (slashed.length > 0) throw invalid(t('workload.error.typeSeparate'));
  const [type, ...names] = args;
  if (names.length === 0) throw invalid(t('workload.error.nameMissing', { type: type ?? '' }));
  const info = resolveType(type as string);
  return { mode: 'names', targets: names.map((name) => ({ info, name })) };
}
