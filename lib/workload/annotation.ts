import type { AffinityRecord } from '../affinity.ts';
import { t } from '../i18n/index.ts';
import type { ContainerList } from './template.ts';

/** Annotation on the workload (not the pod template, so Pods do not carry it) recording what patch changed. */
export const PATCHED_ANNOTATION = 'uimgacc.ucloud.cn/patched';

/**
 * v1 format: `containers`/`initContainers` map container name → original image (what unpatch restores);
 * `targets` maps container name → the target image patch set (container names are unique across both lists), so
 * unpatch can tell whether someone changed the image since; `affinity` is what addAccelerationAffinity added.
 */
export interface PatchRecord {
  readonly v: 1;
  readonly containers: Readonly<Record<string, string>>;
  readonly initContainers: Readonly<Record<string, string>>;
  readonly targets: Readonly<Record<string, string>>;
  readonly affinity: AffinityRecord | null;
}

export const EMPTY_RECORD: PatchRecord = { v: 1, containers: {}, initContainers: {}, targets: {}, affinity: null };

export class BadRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRecordError';
  }
}

function stringMap(v: unknown, what: string): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRecordError(t('workload.record.notObject', { what }));
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new BadRecordError(t('workload.record.notString', { what: `${what}.${k}` }));
    out[k] = val;
  }
  return out;
}

function affinityRecord(v: unknown): AffinityRecord | null {
  if (v === null || v === undefined) return null;
  const r = v as Record<string, unknown>;
  const terms = r['terms'];
  const labels = r['labels'];
  const isTerm = (term: unknown): boolean => {
    if (typeof term !== 'object' || term === null) return false;
    const e = term as Record<string, unknown>;
    return typeof e['source'] === 'number' && (e['label'] === undefined || typeof e['label'] === 'string') && typeof e['createdList'] === 'boolean';
  };
  if (
    typeof v !== 'object' ||
    !Array.isArray(labels) ||
    labels.length === 0 ||
    !labels.every((l: unknown) => typeof l === 'string') ||
    !Array.isArray(terms) ||
    !terms.every(isTerm) ||
    typeof r['createdRequired'] !== 'boolean' ||
    typeof r['createdNodeAffinity'] !== 'boolean' ||
    typeof r['createdAffinity'] !== 'boolean'
  ) {
    throw new BadRecordError(t('workload.record.badAffinity'));
  }
  return v as AffinityRecord;
}

/** The record in the annotations, undefined when the workload was not patched by uimgacc. */
export function readRecord(annotations: Readonly<Record<string, string>> | undefined): PatchRecord | undefined {
  const raw = annotations?.[PATCHED_ANNOTATION];
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BadRecordError(t('workload.record.notJson'));
  }
  if (typeof parsed !== 'object' || parsed === null) throw new BadRecordError(t('workload.record.notJsonObject'));
  const p = parsed as Record<string, unknown>;
  if (p['v'] !== 1) throw new BadRecordError(t('workload.record.version', { version: JSON.stringify(p['v']) ?? 'undefined' }));
  return {
    v: 1,
    containers: stringMap(p['containers'], 'containers'),
    initContainers: stringMap(p['initContainers'], 'initContainers'),
    targets: stringMap(p['targets'], 'targets'),
    affinity: affinityRecord(p['affinity']),
  };
}

export function formatRecord(record: PatchRecord): string {
  return JSON.stringify({ v: 1, containers: record.containers, initContainers: record.initContainers, targets: record.targets, affinity: record.affinity });
}

export interface ImageChange {
  readonly list: ContainerList;
  readonly name: string;
  readonly original: string;
  readonly target: string;
}

/**
 * Adds this patch's changes to an earlier record. A container patched before keeps its first original image, so
 * unpatch goes back to what the workload ran before uimgacc ever touched it. `affinity` is the (already merged)
 * affinity record.
 */
export function mergeRecord(previous: PatchRecord | undefined, changes: readonly ImageChange[], affinity: AffinityRecord | null): PatchRecord {
  const prev = previous ?? EMPTY_RECORD;
  const lists: Record<ContainerList, Record<string, string>> = { containers: { ...prev.containers }, initContainers: { ...prev.initContainers } };
  const targets: Record<string, string> = { ...prev.targets };
  for (const c of changes) {
    lists[c.list][c.name] ??= c.original;
    targets[c.name] = c.target;
  }
  return { v: 1, containers: lists.containers, initContainers: lists.initContainers, targets, affinity };
}
