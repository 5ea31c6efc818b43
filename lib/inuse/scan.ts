import type { KubeAccess } from '../kube/access.ts';
import { describeKubeError, isForbidden, kubeStatusOf } from '../kube/errors.ts';
import { listPages } from '../kube/rawlist.ts';
import { imageKey, repositoryName, tryParseImageReference } from '../image/reference.ts';
import { tEnglish } from '../i18n/index.ts';

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
  /** The target image (as given to the scan) that this image is, or may be (see `certain`). */
  readonly target: string;
  /**
   * False when the image may or may not be the target: one side names a digest and the other only a tag, and only the
   * registry knows which digest a tag points to. Safety checks count it as a use.
   */
  readonly certain: boolean;
  /** Pods: phase, and whether it is being deleted. Workloads: replicas where the kind has them. */
  readonly phase?: string | undefined;
  readonly terminating?: boolean | undefined;
  readonly replicas?: number | undefined;
  readonly suspended?: boolean | undefined;
}

/** The `scope` of an Unseen entry for a cluster-wide list. */
export const ALL_NAMESPACES = 'all namespaces';

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

/** Zero objects examined of every kind. */
function noneScanned(): Record<ScannedKind, number> {
  return Object.fromEntries(SCANNED_KINDS.map((k) => [k, 0])) as Record<ScannedKind, number>;
}

/** The result of scanning for no targets at all: nothing listed, nothing used. */
export function emptyScanResult(): ScanResult {
  return { uses: [], unseen: [], scanned: noneScanned() };
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

/** How an image relates to a target: `certain` false when only a digest on one side could tell, and it cannot. */
export interface ImageMatch {
  readonly target: string;
  readonly certain: boolean;
}

const NO_MATCHES: readonly ImageMatch[] = Object.freeze([]);

function push(map: Map<string, string[]>, key: string, target: string): void {
  const list = map.get(key);
  if (list) {
    if (!list.includes(target)) list.push(target);
  } else {
    map.set(key, [target]);
  }
}

/**
 * Answers "is this image one of the targets?" by image identity (lib/image/reference.ts), never by substring. Image
 * strings repeat across thousands of Pods, so each distinct string is parsed once and every lookup is a Map hit.
 *
 * Identity, with `repo` the normalised repository (`nginx` is `docker.io/library/nginx`):
 * - neither side pinned by digest: same tag (missing = latest);
 * - both pinned: same digest, whatever the tags say (the runtime pulls by digest);
 * - the image `repo:tag@digest`, the target `repo:tag`: the image was pinned to what the target's tag named, a match;
 * - otherwise, one side with a digest and the other with a tag only (the image `repo@digest` and the target
 *   `repo:tag`, or the image `repo:tag` and the target `repo:tag@digest` or `repo@digest`): only the registry knows
 *   what the tag points to. `match()` says no (the webhook must not act on a guess); `matches()` reports it with
 *   `certain: false`, because for a safety check an unknown is not a no.
 */
export class ImageMatcher {
  readonly #targets = new Set<string>();
  /** repo@digest → targets pinned by that digest. */
  readonly #byDigest = new Map<string, string[]>();
  /** repo:tag → targets with that tag and no digest. */
  readonly #byTag = new Map<string, string[]>();
  /** repo:tag → targets with that tag and a digest (candidates for a reference with the tag only). */
  readonly #byTagPinned = new Map<string, string[]>();
  /** repo → targets without a digest (candidates for a digest-only reference). */
  readonly #unpinnedByRepo = new Map<string, string[]>();
  /** repo → targets with a digest and no tag (candidates for a tag-only reference). */
  readonly #digestOnlyByRepo = new Map<string, string[]>();
  readonly #cache = new Map<string, readonly ImageMatch[]>();
  /**
   * Targets our reference grammar rejects (UCloud may list such names, e.g. upper case from an older API): they cannot
   * be normalised, so only the exact same string is them.
   */
  readonly #unparsed = new Set<string>();

  constructor(targets: readonly string[]) {
    for (const t of targets) {
      this.#targets.add(t);
      const ref = tryParseImageReference(t);
      if (ref === undefined) {
        this.#unparsed.add(t);
        continue;
      }
      const repo = repositoryName(ref);
      if (ref.digest === undefined) {
        push(this.#byTag, imageKey(ref), t);
        push(this.#unpinnedByRepo, repo, t);
        continue;
      }
      push(this.#byDigest, `${repo}@${ref.digest}`, t);
      if (ref.tag !== undefined) push(this.#byTagPinned, imageKey({ domain: ref.domain, path: ref.path, tag: ref.tag }), t);
      else push(this.#digestOnlyByRepo, repo, t);
    }
  }

  get size(): number {
    return this.#targets.size;
  }

  /** The first target the image certainly is, or undefined. */
  match(image: string): string | undefined {
    const first = this.matches(image)[0];
    return first?.certain ? first.target : undefined;
  }

  /** Every target the image is (certain first) or may be (`certain: false`); empty for an unrelated or invalid image. */
  matches(image: string): readonly ImageMatch[] {
    let hit = this.#cache.get(image);
    if (hit === undefined) {
      hit = this.#compute(image);
      // Bounded, so that a cluster of unique image strings cannot grow it without limit.
      if (this.#cache.size < 50_000) this.#cache.set(image, hit);
    }
    return hit;
  }

  #compute(image: string): readonly ImageMatch[] {
    if (this.#unparsed.has(image)) return Object.freeze([{ target: image, certain: true }]);
    const ref = tryParseImageReference(image);
    if (ref === undefined) return NO_MATCHES;
    const repo = repositoryName(ref);
    const tagKey = imageKey({ domain: ref.domain, path: ref.path, ...(ref.tag !== undefined ? { tag: ref.tag } : {}) });
    let certain: readonly string[];
    let possible: readonly string[];
    if (ref.digest !== undefined) {
      certain = [...(this.#byDigest.get(`${repo}@${ref.digest}`) ?? []), ...(ref.tag !== undefined ? (this.#byTag.get(tagKey) ?? []) : [])];
      possible = ref.tag === undefined ? (this.#unpinnedByRepo.get(repo) ?? []) : [];
    } else {
      certain = this.#byTag.get(tagKey) ?? [];
      // Which digest the tag points to today is the registry's to say.
      possible = [...(this.#byTagPinned.get(tagKey) ?? []), ...(this.#digestOnlyByRepo.get(repo) ?? [])];
    }
    if (certain.length === 0 && possible.length === 0) return NO_MATCHES;
    const out: ImageMatch[] = [];
    for (const target of certain) if (!out.some((m) => m.target === target)) out.push({ target, certain: true });
    for (const target of possible) if (!out.some((m) => m.target === target)) out.push({ target, certain: false });
    return Object.freeze(out);
  }
}

function usesIn(kind: ScannedKind, obj: ObjectLike, matcher: ImageMatcher, out: ImageUse[]): void {
  const spec = podSpecOf(kind, obj);
  if (!spec) return;
  let base: Omit<ImageUse, 'container' | 'containerType' | 'image' | 'target' | 'certain'> | undefined;
  const lists: [ContainerType, Container[] | undefined][] = [
    ['initContainer', spec.initContainers],
    ['container', spec.containers],
    ['ephemeralContainer', spec.ephemeralContainers],
  ];
  for (const [containerType, list] of lists) {
    for (const c of list ?? []) {
      if (!c.image) continue;
      const found = matcher.matches(c.image);
      if (found.length === 0) continue;
      // Only matches are copied out of the page, field by field, so the page itself can be dropped.
      base ??= {
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
      for (const m of found) out.push({ ...base, container: c.name ?? '', containerType, image: c.image, target: m.target, certain: m.certain });
    }
  }
}

function isExpired(err: unknown): boolean {
  return kubeStatusOf(err)?.code === 410;
}

/**
 * Lists one kind in one scope, page by page, keeping only matches. A continue token can expire on a big, busy
 * cluster (HTTP 410): the list then starts again from the top, once, with what the first attempt found dropped.
 */
async function scanScope(kube: KubeAccess, kind: ScannedKind, namespace: string | undefined, matcher: ImageMatcher, pageSize: number, signal: AbortSignal, out: ImageUse[]): Promise<number> {
  const { group, resource } = KIND_PATHS[kind];
  const path = namespace ? `${group}/namespaces/${encodeURIComponent(namespace)}/${resource}` : `${group}/${resource}`;
  for (let attempt = 1; ; attempt++) {
    const found: ImageUse[] = [];
    let count = 0;
    try {
      for await (const page of listPages<ObjectLike>(kube, path, pageSize, signal)) {
        for (const obj of page.items) {
          // Finished Pods hold no image mount any more.
          if (kind === 'Pod' && (obj.status?.phase === 'Succeeded' || obj.status?.phase === 'Failed')) continue;
          usesIn(kind, obj, matcher, found);
        }
        count += page.items.length;
      }
    } catch (err) {
      if (attempt < 2 && count > 0 && isExpired(err)) continue;
      throw err;
    }
    for (const u of found) out.push(u);
    return count;
  }
}

/**
 * Finds every Pod and pod template that uses one of `targets`, across all namespaces the caller can list (or one).
 * Kinds are listed concurrently, each page by page; only matches are kept, so memory does not grow with the size of
 * the cluster. When a cluster-wide list is forbidden, it falls back to listing namespace by namespace, and reports
 * in `unseen` exactly what it still could not see. Any other error ends the whole scan (and stops the other lists).
 */
export async function scanImageUses(kube: KubeAccess, targets: readonly string[], opts: ScanOptions = {}): Promise<ScanResult> {
  const matcher = new ImageMatcher(targets);
  const uses: ImageUse[] = [];
  const unseen: Unseen[] = [];
  const scanned = noneScanned();
  const pageSize = opts.pageSize ?? 500;
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let namespaces: Promise<string[] | string> | undefined;
  // Listed at most once, and only when some cluster-wide list was forbidden.
  const listNamespaces = (): Promise<string[] | string> => {
    namespaces ??= (async () => {
      const names: string[] = [];
      try {
        for await (const page of listPages<ObjectLike>(kube, '/api/v1/namespaces', pageSize, signal)) {
          for (const ns of page.items) if (ns.metadata?.name) names.push(ns.metadata.name);
        }
        return names;
      } catch (err) {
        if (!isForbidden(err)) throw err;
        return describeKubeError(err);
      }
    })();
    return namespaces;
  };

  const scanKind = async (kind: ScannedKind): Promise<void> => {
    try {
      scanned[kind] += await scanScope(kube, kind, opts.namespace, matcher, pageSize, signal, uses);
      return;
    } catch (err) {
      if (!isForbidden(err)) throw err;
      if (opts.namespace !== undefined) {
        unseen.push({ kind, scope: opts.namespace, reason: describeKubeError(err) });
        return;
      }
      const names = await listNamespaces();
      if (typeof names === 'string') {
        // A field of -o json|yaml output: English whatever the language.
        unseen.push({ kind, scope: ALL_NAMESPACES, reason: tEnglish('operation.scan.namespacesUnlistable', { error: describeKubeError(err), reason: names }) });
        return;
      }
      for (const ns of names) {
        try {
          scanned[kind] += await scanScope(kube, kind, ns, matcher, pageSize, signal, uses);
        } catch (nsErr) {
          if (!isForbidden(nsErr)) throw nsErr;
          unseen.push({ kind, scope: ns, reason: describeKubeError(nsErr) });
        }
      }
    }
  };

  await Promise.all(
    SCANNED_KINDS.map((kind) =>
      scanKind(kind).catch((err: unknown) => {
        // One failure fails the scan: stop the other lists rather than let them run on unobserved.
        stop.abort();
        throw err;
      }),
    ),
  );
  const order = (u: ImageUse): string => `${u.namespace}\u0000${SCANNED_KINDS.indexOf(u.kind)}\u0000${u.name}\u0000${u.container}\u0000${u.target}`;
  uses.sort((a, b) => compare(order(a), order(b)));
  unseen.sort((a, b) => compare(a.scope, b.scope) || SCANNED_KINDS.indexOf(a.kind) - SCANNED_KINDS.indexOf(b.kind));
  return { uses, unseen, scanned };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
