import type { KubeAccess } from '../kube/access.ts';
import { describeKubeError, isForbidden } from '../kube/errors.ts';
import { listPages } from '../kube/rawlist.ts';
import { imageKey, parseImageReference, tryParseImageReference, type ImageReference } from '../image/reference.ts';

export const SCANNED_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'] as const;
export type ScannedKind = (typeof SCANNED_KINDS)[number];
export type ContainerType = 'container' | 'initContainer' | 'ephemeralContainer';

/** One container (of a Pod or of a workload's pod template) whose image is one of the scanned target images. */
export interface ImageUse {
  readonly namespace: string;
  readonly kind: ScannedKind;
  readonly name: string;
  readonly container: string;
  readonly containerType: ContainerType;
  readonly image: string;
  /** The target image (as given to the scan) that this image is. */
  readonly target: string;
  /** Pods: phase, and whether it is being deleted. Workloads: replicas where the kind has them. */
  readonly phase?: string | undefined;
  readonly terminating?: boolean | undefined;
  readonly replicas?: number | undefined;
  readonly suspended?: boolean | undefined;
}

/** Something the caller could not list: the scan cannot vouch for it. */
export interface Unseen {
  readonly kind: ScannedKind;
  /** A namespace, or "all namespaces". */
  readonly scope: string;
  readonly reason: string;
}

export interface ScanResult {
  readonly uses: readonly ImageUse[];
  readonly unseen: readonly Unseen[];
  /** Objects examined per kind. */
  readonly scanned: Readonly<Record<ScannedKind, number>>;
}

export interface ScanOptions {
  /** Only this namespace; default all namespaces. */
  readonly namespace?: string | undefined;
  readonly pageSize?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

interface Container {
  name?: string;
  image?: string;
}

interface PodSpecLike {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
}

interface ObjectLike {
  metadata?: { name?: string; namespace?: string; deletionTimestamp?: string };
  spec?: {
    replicas?: number;
    suspend?: boolean;
    template?: { spec?: PodSpecLike };
    jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } };
  } & PodSpecLike;
  status?: { phase?: string };
}

const KIND_PATHS: Readonly<Record<ScannedKind, { group: string; resource: string }>> = {
  Pod: { group: '/api/v1', resource: 'pods' },
  ReplicationController: { group: '/api/v1', resource: 'replicationcontrollers' },
  Deployment: { group: '/apis/apps/v1', resource: 'deployments' },
  StatefulSet: { group: '/apis/apps/v1', resource: 'statefulsets' },
  DaemonSet: { group: '/apis/apps/v1', resource: 'daemonsets' },
  ReplicaSet: { group: '/apis/apps/v1', resource: 'replicasets' },
  Job: { group: '/apis/batch/v1', resource: 'jobs' },
  CronJob: { group: '/apis/batch/v1', resource: 'cronjobs' },
};

/** The pod spec of any kind we scan: one accessor for all, as `kubectl set image` has. */
export function podSpecOf(kind: ScannedKind, obj: ObjectLike): PodSpecLike | undefined {
  if (kind === 'Pod') return obj.spec;
  if (kind === 'CronJob') return obj.spec?.jobTemplate?.spec?.template?.spec;
  return obj.spec?.template?.spec;
}

/**
 * Answers "is this image one of the targets?" by image identity. Image strings repeat across thousands of Pods, so
 * each distinct string is parsed once.
 */
export class ImageMatcher {
  readonly #byKey = new Map<string, string>();
  readonly #cache = new Map<string, string | null>();

  constructor(targets: readonly string[]) {
    for (const t of targets) this.#byKey.set(imageKey(parseImageReference(t)), t);
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** The target the image is, or undefined. */
  match(image: string): string | undefined {
    let hit = this.#cache.get(image);
    if (hit === undefined) {
      const ref: ImageReference | undefined = tryParseImageReference(image);
      hit = (ref && this.#byKey.get(imageKey(ref))) ?? null;
      // Also match a reference that pins tag and digest against a tag-only target: the tag names the target.
      if (hit === null && ref?.digest && ref.tag) hit = this.#byKey.get(imageKey({ ...ref, digest: undefined })) ?? null;
      if (this.#cache.size < 50_000) this.#cache.set(image, hit);
    }
    return hit ?? undefined;
  }
}

function usesIn(kind: ScannedKind, obj: ObjectLike, matcher: ImageMatcher, out: ImageUse[]): void {
  const spec = podSpecOf(kind, obj);
  if (!spec) return;
  const base = {
    namespace: obj.metadata?.namespace ?? '',
    kind,
    name: obj.metadata?.name ?? '',
    ...(kind === 'Pod'
      ? { phase: obj.status?.phase ?? 'Pending', terminating: Boolean(obj.metadata?.deletionTimestamp) }
      : typeof obj.spec?.replicas === 'number'
        ? { replicas: obj.spec.replicas }
        : {}),
    ...(kind === 'CronJob' || kind === 'Job' ? { suspended: obj.spec?.suspend === true } : {}),
  };
  const lists: [ContainerType, Container[] | undefined][] = [
    ['initContainer', spec.initContainers],
    ['container', spec.containers],
    ['ephemeralContainer', spec.ephemeralContainers],
  ];
  for (const [containerType, list] of lists) {
    for (const c of list ?? []) {
      if (!c.image) continue;
      const target = matcher.match(c.image);
      if (target) out.push({ ...base, container: c.name ?? '', containerType, image: c.image, target });
    }
  }
}

/** Lists one kind in one scope, page by page, keeping only matches. */
async function scanScope(kube: KubeAccess, kind: ScannedKind, namespace: string | undefined, matcher: ImageMatcher, opts: ScanOptions, out: ImageUse[]): Promise<number> {
  const { group, resource } = KIND_PATHS[kind];
  const path = namespace ? `${group}/namespaces/${encodeURIComponent(namespace)}/${resource}` : `${group}/${resource}`;
  let count = 0;
  for await (const page of listPages<ObjectLike>(kube, path, opts.pageSize ?? 500, opts.signal)) {
    for (const obj of page.items) {
      // Finished Pods hold no image mount any more.
      if (kind === 'Pod' && (obj.status?.phase === 'Succeeded' || obj.status?.phase === 'Failed')) continue;
      usesIn(kind, obj, matcher, out);
    }
    count += page.items.length;
  }
  return count;
}

/**
 * Finds every Pod and pod template that uses one of `targets`, across all namespaces the caller can list (or one).
 * Kinds are listed concurrently. When a cluster-wide list is forbidden, falls back to listing namespace by namespace,
 * and reports exactly what it still could not see.
 */
export async function scanImageUses(kube: KubeAccess, targets: readonly string[], opts: ScanOptions = {}): Promise<ScanResult> {
  const matcher = new ImageMatcher(targets);
  const uses: ImageUse[] = [];
  const unseen: Unseen[] = [];
  const scanned = Object.fromEntries(SCANNED_KINDS.map((k) => [k, 0])) as Record<ScannedKind, number>;
  let namespaces: Promise<string[] | Unseen['reason']> | undefined;
  const listNamespaces = (): Promise<string[] | string> => {
    namespaces ??= (async () => {
      const names: string[] = [];
      try {
        for await (const page of listPages<ObjectLike>(kube, '/api/v1/namespaces', 500, opts.signal)) {
          for (const ns of page.items) if (ns.metadata?.name) names.push(ns.metadata.name);
        }
        return names;
      } catch (err) {
        return describeKubeError(err);
      }
    })();
    return namespaces;
  };

  await Promise.all(
    SCANNED_KINDS.map(async (kind) => {
      try {
        scanned[kind] += await scanScope(kube, kind, opts.namespace, matcher, opts, uses);
        return;
      } catch (err) {
        if (!isForbidden(err) || opts.namespace) {
          if (!isForbidden(err)) throw err;
          unseen.push({ kind, scope: opts.namespace as string, reason: describeKubeError(err) });
          return;
        }
        const names = await listNamespaces();
        if (typeof names === 'string') {
          unseen.push({ kind, scope: 'all namespaces', reason: `${describeKubeError(err)}; and namespaces cannot be listed to check them one by one: ${names}` });
          return;
        }
        for (const ns of names) {
          try {
            scanned[kind] += await scanScope(kube, kind, ns, matcher, opts, uses);
          } catch (nsErr) {
            if (!isForbidden(nsErr)) throw nsErr;
            unseen.push({ kind, scope: ns, reason: describeKubeError(nsErr) });
          }
        }
      }
    }),
  );
  const order = (u: ImageUse): string => `${u.namespace}\u0000${SCANNED_KINDS.indexOf(u.kind)}\u0000${u.name}\u0000${u.container}`;
  uses.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  unseen.sort((a, b) => (a.scope + a.kind < b.scope + b.kind ? -1 : 1));
  return { uses, unseen, scanned };
}
