import type { Affinity } from '../affinity.ts';
import { t } from '../i18n/index.ts';
import type { KindInfo } from './kinds.ts';

/** The JSON shape of a workload as read from the apiserver; only what patch/unpatch touch is typed. */
export interface Container {
  name: string;
  image?: string;
  [key: string]: unknown;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  affinity?: Affinity;
  [key: string]: unknown;
}

export interface PodTemplate {
  metadata?: Record<string, unknown>;
  spec?: PodSpec;
  [key: string]: unknown;
}

export interface Workload {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export const CONTAINER_LISTS = ['initContainers', 'containers'] as const;
export type ContainerList = (typeof CONTAINER_LISTS)[number];

/** `container main` / `init container setup` (quoted: `container "main"`), as messages name a container. */
export function containerRef(list: ContainerList, name: string, quoted = false): string {
  if (quoted) return t(list === 'initContainers' ? 'workload.initContainerQuoted' : 'workload.containerQuoted', { name });
  return t(list === 'initContainers' ? 'workload.initContainer' : 'workload.container', { name });
}

/**
 * The pod template of any workload kind, found by following the kind's template pointer (`/spec/template`, or
 * `/spec/jobTemplate/spec/template` for CronJobs): one accessor for every kind, as `kubectl set image` has.
 */
export function podTemplateOf(info: Pick<KindInfo, 'templatePointer'>, obj: Workload): PodTemplate | undefined {
  let cur: unknown = obj;
  for (const part of info.templatePointer.split('/').slice(1)) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === 'object' && cur !== null ? (cur as PodTemplate) : undefined;
}

export function replicasOf(info: KindInfo, obj: Workload): number | undefined {
  if (!info.hasReplicas) return undefined;
  const r = obj.spec?.['replicas'];
  return typeof r === 'number' ? r : 1;
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
