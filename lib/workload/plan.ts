import { addAccelerationAffinity, AffinityRestoreError, removeAccelerationAffinity, type Affinity, type AffinityRecord } from '../affinity.ts';
import { refused, invalid } from '../errors.ts';
import { t } from '../i18n/index.ts';
import { imageKey, sameImageString, tryParseImageReference } from '../image/reference.ts';
import { formatRecord, mergeRecord, PATCHED_ANNOTATION, readRecord, BadRecordError, type ImageChange, type PatchRecord } from './annotation.ts';
import { objectName, type KindInfo } from './kinds.ts';
import { clone, CONTAINER_LISTS, containerRef, podTemplateOf, type ContainerList, type PodSpec, type Workload } from './template.ts';

/** An original image and the target image of its Ready acceleration. */
export interface Acceleration {
  readonly originalImage: string;
  readonly targetImage: string;
}

export interface JsonPatchOp {
  readonly op: 'test' | 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

export interface PatchOptions {
  readonly accelerations: readonly Acceleration[];
  /** --container: only these containers (init or not); undefined = all. */
  readonly containers?: readonly string[] | undefined;
  /** Node labels to require, one of them (both spellings, or the one --node-label forces); an earlier patch's win. */
  readonly labels: readonly string[];
}

export type ContainerOutcome = 'patched' | 'already-accelerated' | 'not-accelerated' | 'not-selected';

export interface ContainerReport {
  readonly list: ContainerList;
  readonly name: string;
  /** The image before this patch. */
  readonly image: string;
  readonly outcome: ContainerOutcome;
  /** The target image set (patched) or already used (already-accelerated). */
  readonly target?: string | undefined;
}

export interface PatchPlan {
  /** The workload as it will be after the patch. */
  readonly object: Workload;
  readonly changed: boolean;
  /** JSON Patch, starting with a `test` of the resourceVersion read, so a concurrent change makes it fail. */
  readonly ops: readonly JsonPatchOp[];
  readonly containers: readonly ContainerReport[];
  readonly imageChanges: readonly ImageChange[];
  readonly affinityChanged: boolean;
  /** The labels required of nodes (one of); undefined when no container runs a target image (so no affinity is needed). */
  readonly labels: readonly string[] | undefined;
  /** Expressions that contradict the required label: Pods could not be scheduled anywhere. */
  readonly conflicts: readonly string[];
  readonly record: PatchRecord | undefined;
}

/** RFC 6901 escaping of one reference token. */
export function pointerToken(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function specOf(info: KindInfo, obj: Workload): PodSpec {
  const spec = podTemplateOf(info, obj)?.spec;
  if (!spec) throw invalid(t('workload.error.noPodTemplate', { name: objectName(info, obj.metadata.name), pointer: `${info.templatePointer}/spec` }));
  return spec;
}

function recordOf(info: KindInfo, obj: Workload): PatchRecord | undefined {
  try {
    return readRecord(obj.metadata.annotations);
  } catch (err) {
    if (!(err instanceof BadRecordError)) throw err;
    const name = objectName(info, obj.metadata.name);
    throw refused(
      t('workload.record.invalid', { annotation: PATCHED_ANNOTATION, name, reason: err.message }),
      t('workload.hint.record', { name, annotation: PATCHED_ANNOTATION }),
    );
  }
}

function testResourceVersion(obj: Workload): JsonPatchOp[] {
  const rv = obj.metadata.resourceVersion;
  return rv === undefined ? [] : [{ op: 'test', path: '/metadata/resourceVersion', value: rv }];
}

function annotationOp(obj: Workload, value: string): JsonPatchOp {
  if (obj.metadata.annotations === undefined) return { op: 'add', path: '/metadata/annotations', value: { [PATCHED_ANNOTATION]: value } };
  // `add` on an existing member replaces it.
  return { op: 'add', path: `/metadata/annotations/${pointerToken(PATCHED_ANNOTATION)}`, value };
}

/** Key → acceleration, for originals and for targets; identity as sameImage defines it. */
function indexAccelerations(accelerations: readonly Acceleration[]): { byOriginal: Map<string, Acceleration>; byTarget: Map<string, Acceleration> } {
  const byOriginal = new Map<string, Acceleration>();
  const byTarget = new Map<string, Acceleration>();
  for (const acc of accelerations) {
    const o = tryParseImageReference(acc.originalImage);
    const target = tryParseImageReference(acc.targetImage);
    if (o && !byOriginal.has(imageKey(o))) byOriginal.set(imageKey(o), acc);
    if (target && !byTarget.has(imageKey(target))) byTarget.set(imageKey(target), acc);
  }
  return { byOriginal, byTarget };
}

function keyOf(image: string | undefined): string | undefined {
  const ref = image === undefined ? undefined : tryParseImageReference(image);
  return ref ? imageKey(ref) : undefined;
}

/**
 * What an earlier patch added and what this one adds. A second patch changes the affinity only when terms without
 * an acceleration expression appeared since (the user edited it); the earlier record no longer describes those
 * terms, so the new one (taken over the edited affinity) is the exact undo of this patch.
 */
function mergeAffinityRecord(previous: AffinityRecord | null, added: AffinityRecord | undefined): AffinityRecord | null {
  return added ?? previous;
}

/**
 * What `patch` does to one workload, computed without I/O: every selected container (and init container) whose
 * image has a Ready acceleration gets the target image; if any container then runs a target image, Pods are
 * required to land on nodes with the acceleration label; the annotation records how to undo both. Idempotent: a
 * second plan on the result changes nothing.
 */
export function planPatch(info: KindInfo, obj: Workload, opts: PatchOptions): PatchPlan {
  const name = objectName(info, obj.metadata.name);
  const spec = specOf(info, obj);
  const previous = recordOf(info, obj);
  const names = new Set(CONTAINER_LISTS.flatMap((l) => (spec[l] ?? []).map((c) => c.name)));
  for (const wanted of opts.containers ?? []) {
    if (!names.has(wanted)) throw invalid(t('workload.error.noContainer', { container: wanted, name }));
  }
  const { byOriginal, byTarget } = indexAccelerations(opts.accelerations);
  const object = clone(obj);
  const newSpec = specOf(info, object);
  const ops: JsonPatchOp[] = [];
  const reports: ContainerReport[] = [];
  const imageChanges: ImageChange[] = [];
  let usesTarget = false;
  for (const list of CONTAINER_LISTS) {
    (spec[list] ?? []).forEach((c, index) => {
      const image = c.image ?? '';
      const key = keyOf(c.image);
      const already = key === undefined ? undefined : byTarget.get(key);
      if (already) usesTarget = true;
      if (opts.containers && !opts.containers.includes(c.name)) {
        reports.push({ list, name: c.name, image, outcome: 'not-selected' });
        return;
      }
      if (already) {
        reports.push({ list, name: c.name, image, outcome: 'already-accelerated', target: image });
        return;
      }
      const acc = key === undefined ? undefined : byOriginal.get(key);
      if (!acc) {
        reports.push({ list, name: c.name, image, outcome: 'not-accelerated' });
        return;
      }
      usesTarget = true;
      (newSpec[list] as { image?: string }[])[index] = { ...(newSpec[list] as object[])[index], image: acc.targetImage };
      ops.push({ op: 'replace', path: `${info.templatePointer}/spec/${list}/${index}/image`, value: acc.targetImage });
      imageChanges.push({ list, name: c.name, original: image, target: acc.targetImage });
      reports.push({ list, name: c.name, image, outcome: 'patched', target: acc.targetImage });
    });
  }
  let labels: readonly string[] | undefined;
  let affinityChanged = false;
  let conflicts: readonly string[] = [];
  let added: AffinityRecord | undefined;
  if (usesTarget) {
    // Labels recorded by an earlier patch win, so that patching again never adds a second set of expressions.
    labels = previous?.affinity?.labels ?? opts.labels;
    const change = addAccelerationAffinity(spec.affinity as Affinity | undefined, labels);
    conflicts = change.conflicts;
    if (change.changed) {
      affinityChanged = true;
      added = change.record;
      newSpec.affinity = change.affinity;
      ops.push({ op: spec.affinity === undefined ? 'add' : 'replace', path: `${info.templatePointer}/spec/affinity`, value: change.affinity });
    }
  }
  const changed = ops.length > 0;
  let record = previous;
  if (changed) {
    record = mergeRecord(previous, imageChanges, mergeAffinityRecord(previous?.affinity ?? null, added));
    const value = formatRecord(record);
    ops.push(annotationOp(obj, value));
    object.metadata.annotations = { ...(object.metadata.annotations ?? {}), [PATCHED_ANNOTATION]: value };
  }
  return {
    object,
    changed,
    ops: changed ? [...testResourceVersion(obj), ...ops] : [],
    containers: reports,
    imageChanges,
    affinityChanged,
    labels,
    conflicts,
    record,
  };
}

export interface UnpatchPlan {
  readonly object: Workload;
  readonly ops: readonly JsonPatchOp[];
  /** Images put back: `original` is restored, `target` is what the container ran. */
  readonly restored: readonly ImageChange[];
  /** Recorded containers that already run their original image again (changed back by hand): left as they are. */
  readonly alreadyOriginal: readonly ImageChange[];
  readonly affinityRemoved: boolean;
}

/**
 * What `unpatch` does to one workload, without I/O: restores the recorded original images, removes exactly the
 * affinity patch added, and the annotation. Refuses (UserError 'refused') when the workload was not patched by
 * uimgacc, or was changed since in a way that makes the undo ambiguous.
 */
export function planUnpatch(info: KindInfo, obj: Workload): UnpatchPlan {
  const name = objectName(info, obj.metadata.name);
  const record = recordOf(info, obj);
  if (!record) {
    throw refused(t('workload.unpatch.notPatched', { name, annotation: PATCHED_ANNOTATION }), t('workload.hint.notPatched', { name }));
  }
  const spec = specOf(info, obj);
  const object = clone(obj);
  const newSpec = specOf(info, object);
  const ops: JsonPatchOp[] = [];
  const restored: ImageChange[] = [];
  const unchanged: ImageChange[] = [];
  const problems: string[] = [];
  for (const list of CONTAINER_LISTS) {
    for (const [cname, original] of Object.entries(record[list])) {
      const index = (spec[list] ?? []).findIndex((c) => c.name === cname);
      const container = spec[list]?.[index];
      const target = record.targets[cname];
      if (!container) {
        problems.push(t('workload.unpatch.containerGone', { container: containerRef(list, cname, true) }));
        continue;
      }
      const image = container.image ?? '';
      // Already back on the original (set by hand): nothing to restore, and nothing ambiguous either.
      if (sameImageString(image, original)) {
        unchanged.push({ list, name: cname, original, target: image });
        continue;
      }
      if (target !== undefined && !sameImageString(image, target)) {
        problems.push(t('workload.unpatch.imageChanged', { container: containerRef(list, cname, true), image, target, original }));
        continue;
      }
      (newSpec[list] as { image?: string }[])[index] = { ...(newSpec[list] as object[])[index], image: original };
      ops.push({ op: 'replace', path: `${info.templatePointer}/spec/${list}/${index}/image`, value: original });
      restored.push({ list, name: cname, original, target: image });
    }
  }
  if (problems.length > 0) {
    throw refused(t('workload.unpatch.changed', { name }), ...problems.map((p) => `  ${p}`), t('workload.hint.unpatchImages', { name, annotation: PATCHED_ANNOTATION }));
  }
  let affinityRemoved = false;
  if (record.affinity) {
    let affinity: Affinity | undefined;
    try {
      affinity = removeAccelerationAffinity(spec.affinity as Affinity | undefined, record.affinity);
    } catch (err) {
      if (!(err instanceof AffinityRestoreError)) throw err;
      throw refused(
        t('workload.unpatch.affinity', { name, reason: err.message }),
        t('workload.hint.unpatchAffinity', { labels: record.affinity.labels.join(' / '), name, annotation: PATCHED_ANNOTATION }),
      );
    }
    affinityRemoved = true;
    const path = `${info.templatePointer}/spec/affinity`;
    if (affinity === undefined) {
      delete newSpec.affinity;
      if (spec.affinity !== undefined) ops.push({ op: 'remove', path });
    } else {
      newSpec.affinity = affinity;
      ops.push({ op: 'replace', path, value: affinity });
    }
  }
  const annotations = { ...(object.metadata.annotations ?? {}) };
  delete annotations[PATCHED_ANNOTATION];
  if (Object.keys(annotations).length === 0) {
    delete object.metadata.annotations;
    ops.push({ op: 'remove', path: '/metadata/annotations' });
  } else {
    object.metadata.annotations = annotations;
    ops.push({ op: 'remove', path: `/metadata/annotations/${pointerToken(PATCHED_ANNOTATION)}` });
  }
  return { object, ops: [...testResourceVersion(obj), ...ops], restored, alreadyOriginal: unchanged, affinityRemoved };
}

/** One planning step of `unpatch` in a run that may re-read the workload after losing a race. */
export type UnpatchStep = (UnpatchPlan & { readonly changed: true; readonly alreadyDone: false }) | { readonly changed: false; readonly ops: readonly JsonPatchOp[]; readonly object: Workload; readonly alreadyDone: true };

/**
 * planUnpatch for every read of one run. A workload whose record was seen earlier in this run (`seenPatched`, or a read
 * before a lost race) and is gone now was unpatched by a concurrent run: the work is done, which is not an error.
 */
export function unpatchPlanner(info: KindInfo, seenPatched = false): (obj: Workload) => UnpatchStep {
  let seen = seenPatched;
  return (obj) => {
    if (seen && obj.metadata.annotations?.[PATCHED_ANNOTATION] === undefined) return { changed: false, ops: [], object: obj, alreadyDone: true };
    const plan = planUnpatch(info, obj);
    seen = true;
    return { ...plan, changed: true, alreadyDone: false };
  };
}
