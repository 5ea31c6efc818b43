import { addAccelerationAffinity, describeLabels, requiresAcceleratedNode, type Affinity } from '../lib/affinity.ts';
import { ImageMatcher } from '../lib/inuse/scan.ts';
import { tryParseImageReference } from '../lib/image/reference.ts';

export const REWRITE_LABEL = 'uimgacc.ucloud.cn/rewrite';
export const IGNORE_LABEL = 'uimgacc.ucloud.cn/ignore';
export const ORIGINAL_IMAGES_ANNOTATION = 'uimgacc.ucloud.cn/original-images';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** What the webhook knows when a request arrives; built by the poller, read-only in the request path. */
export interface AccelerationSnapshot {
  /** Target images of Ready accelerations: Pods using them need the node affinity. */
  readonly targets: ImageMatcher;
  /** Original image (as UCloud lists it) → target, only for accelerations that may be rewritten to right now. */
  readonly rewrites: ReadonlyMap<string, string>;
  readonly originals: ImageMatcher;
  /** Node labels (=true) that mark accelerated nodes; Pods are required to land on a node carrying one of them. */
  readonly labels: readonly string[];
  /**
   * Rewriting stops at this time (ms since the epoch): the accelerations list is then older than maxRewriteStaleness,
   * and a delete may have started meanwhile. Checked when each request is answered, not when the poller runs: a
   * hung poll cannot extend it. Undefined = no limit.
   */
  readonly rewriteUntil?: number | undefined;
}

export interface SnapshotOptions {
  readonly rewritable: boolean;
  readonly labels: readonly string[];
  readonly rewriteUntil?: number | undefined;
}

export function snapshotOf(images: readonly { originalImage: string; targetImage: string }[], opts: SnapshotOptions): AccelerationSnapshot {
  // UCloud validates what it stores, but one unparsable entry must not cost the webhook every other acceleration.
  const usable = images.filter((i) => tryParseImageReference(i.originalImage) !== undefined && tryParseImageReference(i.targetImage) !== undefined);
  const rewritable = opts.rewritable;
  return {
    targets: new ImageMatcher(usable.map((i) => i.targetImage)),
    rewrites: new Map(rewritable ? usable.map((i) => [i.originalImage, i.targetImage]) : []),
    originals: new ImageMatcher(rewritable ? usable.map((i) => i.originalImage) : []),
    labels: opts.labels,
    rewriteUntil: opts.rewriteUntil,
  };
}

/** Rewriting is allowed for this request: there is something to rewrite to and the list is fresh enough. */
export function mayRewrite(snapshot: AccelerationSnapshot, now: number): boolean {
  return snapshot.rewrites.size > 0 && (snapshot.rewriteUntil === undefined || now <= snapshot.rewriteUntil);
}

export interface JsonPatchOp {
  readonly op: 'add' | 'replace';
  readonly path: string;
  readonly value: unknown;
}

export interface AdmissionResponse {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly response: {
    readonly uid: string;
    readonly allowed: true;
    readonly patchType?: 'JSONPatch';
    readonly patch?: string;
    readonly warnings?: string[];
  };
}

export type Mutation = 'affinity' | 'rewrite';

/** Something the user should know about a request that was allowed (counted in metrics). */
export type Notice = 'digest pinned' | 'stale' | 'placement not guaranteed' | 'conflict';

/** Why a request was left alone; `malformed` and `error` come with a warning to the user. */
export type Skip = 'malformed' | 'unexpected' | 'opted out' | 'mirror pod' | 'error';

/** What happened, for metrics and logs. */
export interface ReviewOutcome {
  readonly response: AdmissionResponse;
  readonly mutations: readonly Mutation[];
  readonly skipped?: Skip | undefined;
  /** container path (e.g. `containers/web`) → the original image it was rewritten from. */
  readonly rewritten?: Readonly<Record<string, string>> | undefined;
  readonly namespace?: string | undefined;
  /** The Pod's name, or its generateName prefix followed by `*`. */
  readonly pod?: string | undefined;
  readonly dryRun?: boolean | undefined;
  readonly error?: string | undefined;
  readonly notices?: readonly Notice[] | undefined;
}

/** How the request reached us: the chart registers namespaces that opted in to rewriting under a separate path. */
export interface ReviewOptions {
  /** The Pod's namespace carries `uimgacc.ucloud.cn/rewrite=enabled` (decided by the apiserver's namespaceSelector). */
  readonly namespaceRewrite: boolean;
  /** When the request is answered (ms since the epoch); defaults to Date.now(). */
  readonly now?: number | undefined;
}

interface Container {
  name?: unknown;
  image?: unknown;
}

interface PodLike {
  metadata?: { name?: unknown; generateName?: unknown; namespace?: unknown; labels?: unknown; annotations?: unknown };
  spec?: { containers?: unknown; initContainers?: unknown; ephemeralContainers?: unknown; affinity?: Affinity };
}

/** A Pod cannot be created with ephemeral containers: they arrive later, as UPDATE pods/ephemeralcontainers. */
const CONTAINER_LISTS = ['initContainers', 'containers'] as const;
const ALL_CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function answer(uid: string, ops: readonly JsonPatchOp[], warnings: readonly string[]): AdmissionResponse {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: true,
      ...(ops.length ? { patchType: 'JSONPatch' as const, patch: Buffer.from(JSON.stringify(ops)).toString('base64') } : {}),
      ...(warnings.length ? { warnings: [...warnings] } : {}),
    },
  };
}

/** Allowed unchanged. */
function leave(uid: string, skipped: Skip, warning?: string, extra: Partial<ReviewOutcome> = {}): ReviewOutcome {
  return { response: answer(uid, [], warning ? [warning] : []), mutations: [], skipped, ...extra };
}

/** The uid of anything that looks like an AdmissionReview; the apiserver rejects an answer with another uid. */
export function uidOf(body: unknown): string {
  const request = isRecord(body) ? body['request'] : undefined;
  const uid = isRecord(request) ? request['uid'] : undefined;
  return typeof uid === 'string' ? uid : '';
}

/** What the apiserver sends when something went wrong before or around `review`: allowed unchanged, with a warning. */
export function internalError(body: unknown, err: unknown): ReviewOutcome {
  return leave(uidOf(body), 'error', 'uimgacc: internal error; the Pod was admitted unchanged', { error: err instanceof Error ? err.message : String(err) });
}

/**
 * Decides one AdmissionReview. Never denies: anything unexpected is allowed unchanged with a warning (fail-open),
 * because a webhook that blocks Pod creation is worse than a Pod scheduled without the affinity. Pure: dry-run
 * requests get exactly the answer a real one would, and nothing else happens.
 * Idempotent: a second pass over its own output changes nothing (reinvocationPolicy IfNeeded).
 */
export function review(body: unknown, snapshot: AccelerationSnapshot, options: ReviewOptions = { namespaceRewrite: false }): ReviewOutcome {
  try {
    return decide(body, snapshot, options);
  } catch (err) {
    // Pods are free-form JSON here (e.g. `affinity: "x"`): whatever slipped past the checks, fail open.
    return internalError(body, err);
  }
}

function decide(body: unknown, snapshot: AccelerationSnapshot, options: ReviewOptions): ReviewOutcome {
  const request = isRecord(body) ? body['request'] : undefined;
  if (!isRecord(request)) return leave('', 'malformed', 'uimgacc: not an AdmissionReview; allowed unchanged');
  const uid = typeof request['uid'] === 'string' ? request['uid'] : '';
  const kind = isRecord(request['kind']) ? request['kind'] : {};
  const operation = request['operation'];
  const subResource = typeof request['subResource'] === 'string' ? request['subResource'] : '';
  const isPod = kind['kind'] === 'Pod' && (kind['group'] ?? '') === '';
  const isUpdate = operation === 'UPDATE' && (subResource === '' || subResource === 'ephemeralcontainers');
  if (!isPod || (operation !== 'CREATE' && !isUpdate) || (operation === 'CREATE' && subResource !== '')) {
    const what = `${typeof operation === 'string' ? operation : '?'} ${typeof kind['kind'] === 'string' ? kind['kind'] : '?'}${subResource ? `/${subResource}` : ''}`;
    return leave(uid, 'unexpected', `uimgacc: the webhook only handles Pod CREATE and UPDATE, not ${what}; allowed unchanged`);
  }
  const dryRun = request['dryRun'] === true;
  if (!isRecord(request['object'])) return leave(uid, 'malformed', 'uimgacc: the request has no Pod; allowed unchanged', { dryRun });
  const pod = request['object'] as PodLike;
  const metadata = isRecord(pod.metadata) ? pod.metadata : undefined;
  const labels = isRecord(metadata?.labels) ? metadata.labels : {};
  const annotations = isRecord(metadata?.annotations) ? metadata.annotations : undefined;
  const namespace = typeof request['namespace'] === 'string' ? request['namespace'] : typeof metadata?.namespace === 'string' ? metadata.namespace : '';
  const name = typeof metadata?.name === 'string' && metadata.name ? metadata.name : typeof metadata?.generateName === 'string' ? `${metadata.generateName}*` : '';
  const about = { namespace, pod: name, dryRun };
  if (labels[IGNORE_LABEL] === 'true') return leave(uid, 'opted out', undefined, about);
  if (annotations?.[MIRROR_ANNOTATION] !== undefined) return leave(uid, 'mirror pod', undefined, about);
  const spec = pod.spec;
  if (!isRecord(spec)) return leave(uid, 'malformed', 'uimgacc: the Pod has no spec; allowed unchanged', about);
  if (operation === 'UPDATE') return reviewUpdate(uid, request['oldObject'], spec, subResource, snapshot, about);
  const rewriteOptIn = labels[REWRITE_LABEL] === 'enabled' || options.namespaceRewrite;
  const rewriteNow = mayRewrite(snapshot, options.now ?? Date.now());

  const ops: JsonPatchOp[] = [];
  const rewritten: Record<string, string> = {};
  const warnings: string[] = [];
  const notices: Notice[] = [];
  let usesTarget = false;
  for (const list of CONTAINER_LISTS) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: unknown, i) => {
      if (!isRecord(c)) return;
      const container = c as Container;
      if (typeof container.image !== 'string') return;
      const image = container.image;
      if (snapshot.targets.match(image) !== undefined) {
        usesTarget = true;
        return;
      }
      if (!rewriteOptIn) return;
      const original = snapshot.originals.match(image);
      const target = original === undefined ? undefined : snapshot.rewrites.get(original);
      if (target === undefined) return;
      const where = `${list}/${typeof container.name === 'string' ? container.name : i}`;
      // A digest pins exactly what runs; the target is another image, so swapping would silently unpin it.
      if (tryParseImageReference(image)?.digest !== undefined) {
        warnings.push(`uimgacc: ${where} is pinned by digest (${image}); it is not rewritten to ${target}. To use the accelerated image, set it yourself (without the digest of the original)`);
        notices.push('digest pinned');
        return;
      }
      if (!rewriteNow) {
        warnings.push(`uimgacc: the accelerations list is older than maxRewriteStaleness (UCloud has not answered); ${where} is not rewritten to ${target}`);
        notices.push('stale');
        return;
      }
      ops.push({ op: 'replace', path: `/spec/${list}/${i}/image`, value: target });
      rewritten[where] = image;
      usesTarget = true;
    });
  }
  const mutations: Mutation[] = [];
  if (Object.keys(rewritten).length > 0) {
    mutations.push('rewrite');
    // A reinvocation may rewrite containers another webhook added since: keep what the first pass recorded.
    const value = JSON.stringify({ ...recordedOriginals(annotations?.[ORIGINAL_IMAGES_ANNOTATION]), ...rewritten });
    if (annotations) ops.push({ op: 'add', path: `/metadata/annotations/${escapePointer(ORIGINAL_IMAGES_ANNOTATION)}`, value });
    else if (metadata) ops.push({ op: 'add', path: '/metadata/annotations', value: { [ORIGINAL_IMAGES_ANNOTATION]: value } });
    else ops.push({ op: 'add', path: '/metadata', value: { annotations: { [ORIGINAL_IMAGES_ANNOTATION]: value } } });
  }
  if (usesTarget) {
    const affinity = spec['affinity'];
    const change = addAccelerationAffinity(isRecord(affinity) ? (affinity as Affinity) : undefined, snapshot.labels);
    if (change.conflicts.length) {
      warnings.push(`uimgacc: the Pod's node affinity contradicts ${describeLabels(snapshot.labels)} (${change.conflicts.join('; ')}); it may not be schedulable`);
      notices.push('conflict');
    }
    if (change.changed) {
      // One `add` of the whole affinity is valid whether or not it existed, and replaying it changes nothing.
      ops.push({ op: 'add', path: '/spec/affinity', value: change.affinity });
      mutations.push('affinity');
    }
  }
  return {
    response: answer(uid, ops, warnings),
    mutations,
    rewritten: mutations.includes('rewrite') ? rewritten : undefined,
    notices: notices.length ? [...new Set(notices)] : undefined,
    ...about,
  };
}

/** container path (`containers/web`) → image, over every list (ephemeral containers included). */
function imagesOf(spec: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!isRecord(spec)) return out;
  for (const list of ALL_CONTAINER_LISTS) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: unknown, i) => {
      if (!isRecord(c) || typeof c['image'] !== 'string') return;
      out.set(`${list}/${typeof c['name'] === 'string' ? c['name'] : i}`, c['image']);
    });
  }
  return out;
}

/**
 * `kubectl set image` (UPDATE pods) and `kubectl debug --image` (UPDATE pods/ephemeralcontainers) can put a target
 * image on an existing Pod. Its node affinity cannot be changed any more, so nothing is patched: when the Pod's
 * placement does not guarantee an accelerated node, the answer carries a warning that says so and what to do. Never
 * denies (fail-open, and the user may know the node is accelerated).
 */
function reviewUpdate(uid: string, oldObject: unknown, spec: Record<string, unknown>, subResource: string, snapshot: AccelerationSnapshot, about: Partial<ReviewOutcome>): ReviewOutcome {
  const before = imagesOf(isRecord(oldObject) ? oldObject['spec'] : undefined);
  const added: string[] = [];
  for (const [where, image] of imagesOf(spec)) {
    if (before.get(where) === image || snapshot.targets.match(image) === undefined) continue;
    added.push(`${where} (${image})`);
  }
  const affinity = spec['affinity'];
  if (added.length === 0 || requiresAcceleratedNode(isRecord(affinity) ? (affinity as Affinity) : undefined, snapshot.labels)) {
    return { response: answer(uid, [], []), mutations: [], ...about };
  }
  const fix =
    subResource === 'ephemeralcontainers'
      ? 'Debug with the original image, or debug a copy (kubectl debug --copy-to=NAME), which is created with the affinity'
      : 'Change the image in the workload instead (kubectl uimgacc patch), or delete the Pod so that it is recreated with the affinity';
  const warning =
    `uimgacc: ${added.join(', ')} now uses an accelerated target image, but this Pod's node affinity does not require ` +
    `${describeLabels(snapshot.labels)} and cannot be changed on an existing Pod: on a node without acceleration the image ` +
    `may start slowly or fail. ${fix}`;
  return { response: answer(uid, [], [warning]), mutations: [], notices: ['placement not guaranteed'], ...about };
}

function recordedOriginals(text: unknown): Record<string, string> {
  if (typeof text !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}
