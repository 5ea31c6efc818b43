import { AGENT_NOT_READY, type AccelerationState, type AcceleratedImage } from '../lib/ucloud/acceleration.ts';
import { humanBytes } from './output.ts';
import { renderTable } from './table.ts';
import { ALL_NAMESPACES, type ImageUse, type Unseen } from '../lib/inuse/scan.ts';

export const API_VERSION = 'uimgacc.ucloud.cn/v1alpha1';

export interface ImageView {
  readonly originalImage: string;
  readonly targetImage: string;
  readonly sizeBytes: number;
  readonly layers: number;
  readonly status: string;
  readonly inUseBy?: number | undefined;
}

/**
 * UCloud reports one cluster-wide status; an image that is listed is usable unless that status says an operation is
 * touching the images, so the per-image status is derived from it.
 */
export function imageStatus(state: AccelerationState): string {
  return state.status === 'Ready' || state.status === 'CreateError' || state.status === 'DeleteError' ? 'Ready' : state.status;
}

export function imageView(state: AccelerationState, img: AcceleratedImage, inUseBy?: number): ImageView {
  return { ...img, status: imageStatus(state), ...(inUseBy === undefined ? {} : { inUseBy }) };
}

/**
 * One acceleration as create and delete print it (kind AcceleratedImage), whether they waited or not: `status` is the
 * image's own (Ready; Creating/Deleting while UCloud works, or with --no-wait; Deleted once gone), size and layers
 * once UCloud lists it. `extra` adds `dryRun: true` (the object as the operation would leave it) or `forced: true`.
 */
export function acceleratedImageObject(
  state: AccelerationState,
  pair: { readonly originalImage: string; readonly targetImage: string },
  status: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const listed = state.images.find((i) => i.originalImage === pair.originalImage);
  return {
    apiVersion: API_VERSION,
    kind: 'AcceleratedImage',
    clusterId: state.clusterId,
    originalImage: pair.originalImage,
    targetImage: listed?.targetImage ?? pair.targetImage,
    status,
    ...(listed && status !== 'Deleted' ? { sizeBytes: listed.sizeBytes, layers: listed.layers } : {}),
    ...extra,
  };
}

/** Several objects of one command, as kubectl prints them. */
export function listObject(items: readonly unknown[]): unknown {
  return items.length === 1 ? items[0] : { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
}

export function statusView(state: AccelerationState): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'AccelerationStatus',
    clusterId: state.clusterId,
    enabled: state.enabled,
    nfsReady: state.nfsReady,
    agentReady: state.agentReady,
    status: state.status,
    ...(state.error ? { error: state.error } : {}),
    ...(state.nfsAddr ? { nfsAddr: state.nfsAddr } : {}),
    ...(state.subnetId ? { subnetId: state.subnetId } : {}),
    imagesKnown: state.imagesKnown,
    images: state.images.map((img) => imageView(state, img)),
  };
}

/**
 * IN USE: a count from a complete scan; from a partial one "?" (none seen, which is not none) or "N+" (at least N);
 * "?" too when the scan could not run. `inUseComplete` says whether the scan saw everything.
 */
function inUseCell(v: ImageView, inUseComplete: boolean): string {
  if (v.inUseBy === undefined) return inUseComplete ? '-' : '?';
  if (inUseComplete) return String(v.inUseBy);
  return v.inUseBy === 0 ? '?' : `${v.inUseBy}+`;
}

export function imagesTable(views: readonly ImageView[], wide: boolean, inUseComplete = true): string {
  const head = ['ORIGINAL IMAGE', 'TARGET IMAGE', 'SIZE', 'LAYERS', 'STATUS'];
  if (wide) head.push('SIZE (BYTES)', 'IN USE');
  return renderTable(
    head,
    views.map((v) => {
      const row = [v.originalImage, v.targetImage, humanBytes(v.sizeBytes), String(v.layers), v.status];
      if (wide) row.push(String(v.sizeBytes), inUseCell(v, inUseComplete));
      return row;
    }),
  );
}

/** Why the image list is empty when it may not really be empty. */
export function imagesUnknownReason(state: AccelerationState): string | undefined {
  if (state.imagesKnown) return undefined;
  if (!state.enabled) return 'image acceleration is not enabled';
  if (!state.agentReady) return `the acceleration agent is ${AGENT_NOT_READY}; meanwhile UCloud does not list the images`;
  return `an operation is in progress (status ${state.status}), so UCloud does not list the images until it ends`;
}

export function useStatus(u: ImageUse): string {
  const parts: string[] = [];
  if (u.kind === 'Pod') parts.push(u.terminating ? 'Terminating' : (u.phase ?? ''));
  if (u.replicas !== undefined) parts.push(`replicas=${u.replicas}`);
  if (u.suspended) parts.push('suspended');
  if (!u.certain) parts.push('maybe (tag vs digest)');
  return parts.join(', ') || '-';
}

/** One row per container using a target; without the TARGET IMAGE column, a container that may be several targets is one row. */
export function usesTable(uses: readonly ImageUse[], wide = false): string {
  const head = ['NAMESPACE', 'KIND', 'NAME', 'CONTAINER', 'IMAGE', 'STATUS'];
  if (wide) head.push('TARGET IMAGE');
  const rows: string[][] = [];
  let previous = '';
  for (const u of uses) {
    const row = [u.namespace, u.kind, u.name, u.containerType === 'container' ? u.container : `${u.container} (${u.containerType})`, u.image, useStatus(u)];
    if (wide) row.push(u.target);
    const key = row.join('\u0000');
    if (key === previous) continue;
    previous = key;
    rows.push(row);
  }
  return renderTable(head, rows);
}

/**
 * What the scan could not see, one line per kind: every namespace is named (the user must know exactly what was not
 * checked), with the first API error as the example of why.
 */
export function unseenLines(unseen: readonly Unseen[]): string[] {
  const byKind = new Map<string, Unseen[]>();
  for (const u of unseen) {
    const list = byKind.get(u.kind);
    if (list) list.push(u);
    else byKind.set(u.kind, [u]);
  }
  const lines: string[] = [];
  for (const [kind, list] of byKind) {
    const first = list[0] as Unseen;
    if (list.length === 1) lines.push(`  ${kind} in ${first.scope === ALL_NAMESPACES ? ALL_NAMESPACES : `namespace ${first.scope}`}: ${first.reason}`);
    else lines.push(`  ${kind} in ${list.length} namespaces (${list.map((u) => u.scope).join(', ')}): ${first.reason}`);
  }
  return lines;
}
