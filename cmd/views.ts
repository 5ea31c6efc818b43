import { type AccelerationState, type AcceleratedImage } from '../lib/ucloud/acceleration.ts';
import { t } from '../lib/i18n/index.ts';
import { plainText, statusStyle, type Style, type StyledText } from './colour.ts';
import { humanBytes } from './output.ts';
import { renderStyledTable, type Cell } from './table.ts';
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

/** The accelerated images as a table; the STATUS cell is styled by its value (coloured on a terminal only). */
export function imagesTable(views: readonly ImageView[], wide: boolean, inUseComplete = true): StyledText {
  const head = [t('view.head.originalImage'), t('view.head.targetImage'), t('view.head.size'), t('view.head.layers'), t('view.head.status')];
  if (wide) head.push(t('view.head.sizeBytes'), t('view.head.inUse'));
  return renderStyledTable(
    head,
    views.map((v) => {
      const row: Cell[] = [v.originalImage, v.targetImage, humanBytes(v.sizeBytes), String(v.layers), { style: statusStyle(v.status), text: v.status }];
      if (wide) row.push(String(v.sizeBytes), inUseCell(v, inUseComplete));
      return row;
    }),
  );
}

/**
 * Why the image list is empty when it may not really be empty; in the user's language, or in English (`tEnglish`) where
 * the reason lands in machine output.
 */
export function imagesUnknownReason(state: AccelerationState, translate: typeof t = t): string | undefined {
  if (state.imagesKnown) return undefined;
  if (!state.enabled) return translate('view.unknown.notEnabled');
  if (!state.agentReady) return translate('view.unknown.agentNotReady', { agent: translate('view.agentNotReady') });
  return translate('view.unknown.busy', { status: state.status });
}

export function useStatus(u: ImageUse): string {
  const parts: string[] = [];
  if (u.kind === 'Pod') parts.push(u.terminating ? 'Terminating' : (u.phase ?? ''));
  if (u.replicas !== undefined) parts.push(`replicas=${u.replicas}`);
  if (u.suspended) parts.push(t('view.use.suspended'));
  if (!u.certain) parts.push(t('view.use.maybe'));
  return parts.filter((p) => p !== '').join(t('common.listSeparator')) || '-';
}

/** How a use's STATUS reads at a glance: running fine, on its way out, stuck, or not certainly a use at all. */
function useStyle(u: ImageUse): Style | undefined {
  if (!u.certain) return 'warn';
  if (u.kind !== 'Pod') return undefined;
  if (u.terminating) return 'progress';
  if (u.phase === 'Running' || u.phase === 'Succeeded') return 'ok';
  if (u.phase === 'Failed' || u.phase === 'Unknown') return 'fail';
  return u.phase === 'Pending' ? 'warn' : undefined;
}

/**
 * One row per container using a target, the STATUS cell styled (usesTable is its plain text); without the TARGET IMAGE
 * column, a container that may be several targets is one row.
 */
export function usesStyledTable(uses: readonly ImageUse[], wide = false): StyledText {
  const head = [t('view.head.namespace'), t('view.head.kind'), t('view.head.name'), t('view.head.container'), t('view.head.image'), t('view.head.status')];
  if (wide) head.push(t('view.head.targetImage'));
  const rows: Cell[][] = [];
  let previous = '';
  for (const u of uses) {
    const status = useStatus(u);
    const row: Cell[] = [u.namespace, u.kind, u.name, u.containerType === 'container' ? u.container : `${u.container} (${u.containerType})`, u.image, { style: useStyle(u), text: status }];
    if (wide) row.push(u.target);
    const key = [u.namespace, u.kind, u.name, row[3], u.image, status, wide ? u.target : ''].join('\u0000');
    if (key === previous) continue;
    previous = key;
    rows.push(row);
  }
  return renderStyledTable(head, rows);
}

export function usesTable(uses: readonly ImageUse[], wide = false): string {
  return plainText(usesStyledTable(uses, wide));
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
    if (list.length > 1) lines.push(t('view.unseen.namespaces', { kind, n: list.length, namespaces: list.map((u) => u.scope).join(t('common.listSeparator')), reason: first.reason }));
    else if (first.scope === ALL_NAMESPACES) lines.push(t('view.unseen.allNamespaces', { kind, reason: first.reason }));
    else lines.push(t('view.unseen.namespace', { kind, namespace: first.scope, reason: first.reason }));
  }
  return lines;
}
