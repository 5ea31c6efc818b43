import { addAccelerationAffinity, type Affinity } from '../lib/affinity.ts';
import { ImageMatcher } from '../lib/inuse/scan.ts';

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
  return {
    targets: new ImageMatcher(images.map((i) => i.targetImage)),
    rewrites: new Map(rewritable ? images.map((i) => [i.originalImage, i.targetImage]) : []),
    originals: new ImageMatcher(rewritable ? images.map((i) => i.originalImage) : []),
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

/** What happened, for metrics and logs. */
export interface ReviewOutcome {
  readonly response: AdmissionResponse;
  readonly mutations: readonly ('affinity' | 'rewrite')[];
  readonly skipped?: string;
}

interface Container {
  image?: unknown;
}

interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[]; affinity?: Affinity };
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function allow(uid: string, mutations: ReviewOutcome['mutations'] = [], ops: readonly JsonPatchOp[] = [], warnings: string[] = [], skipped?: string): ReviewOutcome {
  return {
    response: {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid,
        allowed: true,
        ...(ops.length ? { patchType: 'JSONPatch' as const, patch: Buffer.from(JSON.stringify(ops)).toString('base64') } : {}),
        ...(warnings.length ? { warnings } : {}),
      },
    },
    mutations,
    ...(skipped ? { skipped } : {}),
  };
}

/**
 * Decides one AdmissionReview. Never denies: anything unexpected is allowed unchanged with a warning (fail-open),
 * because a webhook that blocks Pod creation is worse than a Pod scheduled without the affinity.
 * Idempotent: a second pass over its own output changes nothing (reinvocationPolicy IfNeeded).
 */
export function review(body: unknown, snapshot: AccelerationSnapshot, namespaceLabels: (namespace: string) => Readonly<Record<string, string>> | undefined): ReviewOutcome {
  const request = typeof body === 'object' && body !== null ? (body as { request?: unknown }).request : undefined;
  if (typeof request !== 'object' || request === null) return allow('', [], [], ['uimgacc: not an AdmissionReview; allowed unchanged'], 'malformed');
  const req = request as { uid?: unknown; kind?: { kind?: unknown }; operation?: unknown; object?: unknown; namespace?: unknown; dryRun?: unknown };
  const uid = typeof req.uid === 'string' ? req.uid : '';
  if (req.kind?.kind !== 'Pod' || req.operation !== 'CREATE') return allow(uid, [], [], [], 'not a Pod CREATE');
  if (typeof req.object !== 'object' || req.object === null) return allow(uid, [], [], ['uimgacc: the request has no Pod; allowed unchanged'], 'malformed');
  const pod = req.object as PodLike;
  const labels = pod.metadata?.labels ?? {};
  const annotations = pod.metadata?.annotations ?? {};
  if (labels[IGNORE_LABEL] === 'true') return allow(uid, [], [], [], 'opted out');
  if (annotations[MIRROR_ANNOTATION] !== undefined) return allow(uid, [], [], [], 'mirror pod');
  const spec = pod.spec;
  if (typeof spec !== 'object' || spec === null) return allow(uid, [], [], ['uimgacc: the Pod has no spec; allowed unchanged'], 'malformed');
  const namespace = typeof req.namespace === 'string' ? req.namespace : (pod.metadata?.namespace ?? '');
  const rewriteOptIn = labels[REWRITE_LABEL] === 'enabled' || namespaceLabels(namespace)?.[REWRITE_LABEL] === 'enabled';

  const ops: JsonPatchOp[] = [];
  const originals: Record<string, string> = {};
  let usesTarget = false;
  for (const list of CONTAINER_LISTS) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: Container & { name?: unknown }, i) => {
      if (typeof c?.image !== 'string') return;
      let image = c.image;
      if (rewriteOptIn && !snapshot.targets.match(image)) {
        const original = snapshot.originals.match(image);
        const target = original ? snapshot.rewrites.get(original) : undefined;
        if (target) {
          ops.push({ op: 'replace', path: `/spec/${list}/${i}/image`, value: target });
          originals[`${list}/${typeof c.name === 'string' ? c.name : i}`] = image;
          image = target;
        }
      }
      if (snapshot.targets.match(image)) usesTarget = true;
    });
  }
  const mutations: ('affinity' | 'rewrite')[] = [];
  if (Object.keys(originals).length > 0) {
    mutations.push('rewrite');
    const value = JSON.stringify(originals);
    if (pod.metadata?.annotations) ops.push({ op: 'add', path: `/metadata/annotations/${escapePointer(ORIGINAL_IMAGES_ANNOTATION)}`, value });
    else if (pod.metadata) ops.push({ op: 'add', path: '/metadata/annotations', value: { [ORIGINAL_IMAGES_ANNOTATION]: value } });
    else ops.push({ op: 'add', path: '/metadata', value: { annotations: { [ORIGINAL_IMAGES_ANNOTATION]: value } } });
  }
  const warnings: string[] = [];
  if (usesTarget) {
    const change = addAccelerationAffinity(spec.affinity, snapshot.label);
    if (change.conflicts.length) warnings.push(`uimgacc: the Pod's node affinity contradicts ${snapshot.label}=true (${change.conflicts.join('; ')}); it may not be schedulable`);
    if (change.changed) {
      // One `add` of the whole affinity is valid whether or not it existed, and replaying it changes nothing.
      ops.push({ op: 'add', path: '/spec/affinity', value: change.affinity });
      mutations.push('affinity');
    }
  }
  return allow(uid, mutations, ops, warnings);
}
