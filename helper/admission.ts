import { addAccelerationAffinity, type Affinity } from '../lib/affinity.ts';
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
  /** The node label that marks accelerated nodes in this cluster. */
  readonly label: string;
}

export function snapshotOf(images: readonly { originalImage: string; targetImage: string }[], rewritable: boolean, label: string): AccelerationSnapshot {
  // UCloud validates what it stores, but one unparsable entry must not cost the webhook every other acceleration.
  const usable = images.filter((i) => tryParseImageReference(i.originalImage) !== undefined && tryParseImageReference(i.targetImage) !== undefined);
  return {
    targets: new ImageMatcher(usable.map((i) => i.targetImage)),
    rewrites: new Map(rewritable ? usable.map((i) => [i.originalImage, i.targetImage]) : []),
    originals: new ImageMatcher(rewritable ? usable.map((i) => i.originalImage) : []),
    label,
  };
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
}

/** How the request reached us: the chart registers namespaces that opted in to rewriting under a separate path. */
export interface ReviewOptions {
  /** The Pod's namespace carries `uimgacc.ucloud.cn/rewrite=enabled` (decided by the apiserver's namespaceSelector). */
  readonly namespaceRewrite: boolean;
}

interface Container {
  name?: unknown;
  image?: unknown;
}

interface PodLike {
  metadata?: { name?: unknown; generateName?: unknown; namespace?: unknown; labels?: unknown; annotations?: unknown };
  spec?: { containers?: unknown; initContainers?: unknown; ephemeralContainers?: unknown; affinity?: Affinity };
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

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
  if (kind['kind'] !== 'Pod' || (kind['group'] ?? '') !== '' || operation !== 'CREATE') {
    const what = `${typeof operation === 'string' ? operation : '?'} ${typeof kind['kind'] === 'string' ? kind['kind'] : '?'}`;
    return leave(uid, 'unexpected', `uimgacc: the webhook only handles Pod CREATE, not ${what}; allowed unchanged`);
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
  const rewriteOptIn = labels[REWRITE_LABEL] === 'enabled' || options.namespaceRewrite;

  const ops: JsonPatchOp[] = [];
  const rewritten: Record<string, string> = {};
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
      ops.push({ op: 'replace', path: `/spec/${list}/${i}/image`, value: target });
      rewritten[`${list}/${typeof container.name === 'string' ? container.name : i}`] = image;
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
  const warnings: string[] = [];
  if (usesTarget) {
    const affinity = spec['affinity'];
    const change = addAccelerationAffinity(isRecord(affinity) ? (affinity as Affinity) : undefined, snapshot.label);
    if (change.conflicts.length) warnings.push(`uimgacc: the Pod's node affinity contradicts ${snapshot.label}=true (${change.conflicts.join('; ')}); it may not be schedulable`);
    if (change.changed) {
      // One `add` of the whole affinity is valid whether or not it existed, and replaying it changes nothing.
      ops.push({ op: 'add', path: '/spec/affinity', value: change.affinity });
      mutations.push('affinity');
    }
  }
  return { response: answer(uid, ops, warnings), mutations, rewritten: mutations.includes('rewrite') ? rewritten : undefined, ...about };
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
