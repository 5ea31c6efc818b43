import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ORIGINAL_IMAGES_ANNOTATION, review, snapshotOf, uidOf, type JsonPatchOp, type ReviewOptions } from '../../helper/admission.ts';
import { ACCELERATION_LABEL, ACCELERATION_LABELS, LEGACY_ACCELERATION_LABEL } from '../../lib/affinity.ts';

const APP = 'uhub.service.ucloud.cn/team/app:v1';
const snap = snapshotOf([{ originalImage: APP, targetImage: `${APP}-acc` }, { originalImage: 'docker.io/library/nginx:1.27', targetImage: 'docker.io/library/nginx:1.27-acc' }], { rewritable: true, labels: ACCELERATION_LABELS });
const plain: ReviewOptions = { namespaceRewrite: false };
const optedInNamespace: ReviewOptions = { namespaceRewrite: true };

function reviewOf(pod: object, extra: object = {}): { uid: string; kind: { group: string; version: string; kind: string }; operation: string; namespace: string; object: object } {
  return { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'web', object: pod, ...extra };
}

function responseOf(body: unknown, options = plain): { uid: string; allowed: boolean; patch?: string; patchType?: string; warnings?: string[] } {
  return review(body, snap, options).response.response;
}

function ops(body: unknown, options = plain): JsonPatchOp[] {
  const r = responseOf(body, options);
  assert.equal(r.allowed, true);
  if (r.patch) assert.equal(r.patchType, 'JSONPatch');
  return r.patch ? (JSON.parse(Buffer.from(r.patch, 'base64').toString()) as JsonPatchOp[]) : [];
}

/** Applies our own (add/replace) ops the way the apiserver would, to check idempotence on the result. */
function apply(obj: unknown, patch: readonly JsonPatchOp[]): Record<string, unknown> {
  const out = structuredClone(obj) as Record<string, unknown>;
  for (const op of patch) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop() as string;
    let cur: Record<string, unknown> = out;
    for (const p of parts) {
      assert.ok(cur[p] !== undefined, `JSON Patch ${op.op} ${op.path}: the parent must exist`);
      cur = cur[p] as Record<string, unknown>;
    }
    if (op.op === 'replace') assert.ok(last in cur, `JSON Patch replace ${op.path}: the member must exist`);
    cur[last] = op.value;
  }
  return out;
}

const req = (label: string): object => ({ key: label, operator: 'In', values: ['true'] });
/** One term per label: a node carrying either spelling qualifies. */
const required = (labels: readonly string[] = ACCELERATION_LABELS): object => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: labels.map((l) => ({ matchExpressions: [req(l)] })) } } });

test('a Pod using a Ready target image gets the required node affinity as one add of the whole affinity, once', () => {
  const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27-acc' }] } };
  const patch = ops({ request: reviewOf(pod) });
  assert.deepEqual(patch, [{ op: 'add', path: '/spec/affinity', value: required() }]);
  assert.deepEqual(ops({ request: reviewOf(apply(pod, patch)) }), [], 'reinvocation changes nothing');
  // The same image spelled differently is the same image; a similar-looking one is not.
  assert.equal(ops({ request: reviewOf({ spec: { containers: [{ image: 'docker.io/library/nginx:1.27-acc' }] } }) }).length, 1);
  assert.deepEqual(ops({ request: reviewOf({ spec: { containers: [{ image: 'nginx:1.27-acc-old' }] } }) }), []);
  assert.deepEqual(ops({ request: reviewOf({ spec: { containers: [{ image: 'busybox' }] } }) }), []);
});

test('a forced label (nodeLabel) is the only one required, and other affinity is kept', () => {
  const legacy = snapshotOf([{ originalImage: APP, targetImage: `${APP}-acc` }], { rewritable: true, labels: [LEGACY_ACCELERATION_LABEL] });
  const pod = { spec: { containers: [{ image: `${APP}-acc` }], affinity: { podAntiAffinity: { x: 1 } } } };
  const r = review({ request: reviewOf(pod) }, legacy, plain).response.response;
  const patch = JSON.parse(Buffer.from(r.patch ?? '', 'base64').toString()) as JsonPatchOp[];
  assert.deepEqual(patch, [{ op: 'add', path: '/spec/affinity', value: { podAntiAffinity: { x: 1 }, ...required([LEGACY_ACCELERATION_LABEL]) } }]);
});

test('init containers count; each existing term is copied once per spelling with its expression ANDed in', () => {
  const pod = {
    spec: {
      initContainers: [{ name: 'i', image: `${APP}-acc` }],
      containers: [{ name: 'c', image: 'busybox' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, {}] } } },
    },
  };
  const patch = ops({ request: reviewOf(pod) });
  const terms = (patch[0]?.value as { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: unknown[] } } }).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
  assert.deepEqual(terms, [
    { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, req(ACCELERATION_LABEL)] },
    { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, req(LEGACY_ACCELERATION_LABEL)] },
    { matchExpressions: [req(ACCELERATION_LABEL)] },
    { matchExpressions: [req(LEGACY_ACCELERATION_LABEL)] },
  ]);
  assert.deepEqual(ops({ request: reviewOf(apply(pod, patch)) }), []);
});

/** What the apiserver sends for `kubectl debug` (UPDATE pods/ephemeralcontainers) and `kubectl set image` (UPDATE pods). */
function updateOf(oldPod: object, newPod: object, subResource = ''): object {
  return { request: reviewOf(newPod, { operation: 'UPDATE', oldObject: oldPod, ...(subResource ? { subResource, resource: { group: '', version: 'v1', resource: 'pods' } } : {}) }) };
}

test('kubectl debug --image=TARGET on a Pod without the affinity: allowed, nothing patched, a warning says why and what to do', () => {
  const running = { metadata: { name: 'web-1' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } };
  const debugged = { ...running, spec: { ...running.spec, ephemeralContainers: [{ name: 'debugger', image: `${APP}-acc` }] } };
  const r = responseOf(updateOf(running, debugged, 'ephemeralcontainers'));
  assert.equal(r.allowed, true);
  assert.equal(r.patch, undefined, 'affinity cannot change on an existing Pod');
  assert.match(r.warnings?.[0] ?? '', /ephemeralContainers\/debugger .* now uses an accelerated target image, but this Pod's node affinity does not require node.uk8s.ucloud.cn\/image_accel=true or node.uk8s.ucloud.cn\/uimgacc=true/);
  assert.match(r.warnings?.[0] ?? '', /kubectl debug --copy-to/);
  // A Pod created with the affinity is on an accelerated node: nothing to warn about.
  const placed = { ...debugged, spec: { ...debugged.spec, affinity: required() } };
  assert.equal(responseOf(updateOf({ ...running, spec: { ...running.spec, affinity: required() } }, placed, 'ephemeralcontainers')).warnings, undefined);
  // An ephemeral container that is not a target image: nothing.
  const plainDebug = { ...running, spec: { ...running.spec, ephemeralContainers: [{ name: 'd', image: 'busybox' }] } };
  assert.equal(responseOf(updateOf(running, plainDebug, 'ephemeralcontainers')).warnings, undefined);
});

test('kubectl set image to a target image on a Pod (UPDATE): warned, never denied; unrelated updates are silent', () => {
  const before = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: APP }] } };
  const after = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: `${APP}-acc` }] } };
  const r = responseOf(updateOf(before, after));
  assert.equal(r.allowed, true);
  assert.equal(r.patch, undefined);
  assert.match(r.warnings?.[0] ?? '', /containers\/c .* now uses an accelerated target image.*kubectl uimgacc patch/);
  // A label change on a Pod that already runs the target: not a new use, no warning.
  assert.equal(responseOf(updateOf(after, { ...after, metadata: { name: 'p', labels: { a: 'b' } } })).warnings, undefined);
  // Other subresources are not ours.
  assert.match(responseOf(updateOf(before, after, 'status')).warnings?.[0] ?? '', /only handles Pod CREATE and UPDATE, not UPDATE Pod\/status/);
});

test('a reference pinned by digest is never rewritten (the pin would be dropped silently), with a warning', () => {
  const pinned = `${APP}@sha256:${'a'.repeat(64)}`;
  const pod = { metadata: { labels: { 'uimgacc.ucloud.cn/rewrite': 'enabled' } }, spec: { containers: [{ name: 'web', image: pinned }, { name: 'side', image: APP }] } };
  const outcome = review({ request: reviewOf(pod) }, snap, plain);
  const patch = JSON.parse(Buffer.from(outcome.response.response.patch ?? '', 'base64').toString()) as JsonPatchOp[];
  assert.ok(!patch.some((p) => p.path === '/spec/containers/0/image'), 'the pinned container keeps its image');
  assert.ok(patch.some((p) => p.path === '/spec/containers/1/image' && p.value === `${APP}-acc`), 'the unpinned one is rewritten');
  assert.match(outcome.response.response.warnings?.[0] ?? '', /containers\/web is pinned by digest .*not rewritten/);
  assert.deepEqual(outcome.notices, ['digest pinned']);
  const alone = review({ request: reviewOf({ metadata: pod.metadata, spec: { containers: [{ name: 'web', image: pinned }] } }) }, snap, plain);
  assert.equal(alone.response.response.patch, undefined, 'nothing else happens either: no target image, no affinity');
});

test('maxRewriteStaleness is checked when the request is answered, not when the snapshot was built', () => {
  const s = snapshotOf([{ originalImage: APP, targetImage: `${APP}-acc` }], { rewritable: true, labels: ACCELERATION_LABELS, rewriteUntil: 10_000 });
  const body = { request: reviewOf({ metadata: { labels: { 'uimgacc.ucloud.cn/rewrite': 'enabled' } }, spec: { containers: [{ name: 'a', image: APP }] } }) };
  assert.ok(review(body, s, { namespaceRewrite: false, now: 10_000 }).rewritten, 'fresh: rewritten');
  const late = review(body, s, { namespaceRewrite: false, now: 10_001 });
  assert.equal(late.rewritten, undefined);
  assert.equal(late.response.response.patch, undefined);
  assert.match(late.response.response.warnings?.[0] ?? '', /older than maxRewriteStaleness/);
  // The affinity for Pods already using the target does not depend on freshness.
  assert.ok(review({ request: reviewOf({ spec: { containers: [{ image: `${APP}-acc` }] } }) }, s, { namespaceRewrite: false, now: 99_999 }).mutations.includes('affinity'));
});

test('an affinity that contradicts the label is completed anyway, with a warning', () => {
  const pod = { spec: { containers: [{ image: `${APP}-acc` }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ACCELERATION_LABEL, operator: 'DoesNotExist' }, { key: LEGACY_ACCELERATION_LABEL, operator: 'DoesNotExist' }] }] } } } } };
  const r = responseOf({ request: reviewOf(pod) });
  assert.match(r.warnings?.[0] ?? '', /contradicts node.uk8s.ucloud.cn\/image_accel=true .*may not be schedulable/);
});

test('opted-in Pods (label or namespace) are rewritten to the target, originals recorded, affinity added', () => {
  const pod = { metadata: { name: 'p', labels: { 'uimgacc.ucloud.cn/rewrite': 'enabled' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'side', image: 'busybox' }] } };
  const patch = ops({ request: reviewOf(pod) });
  assert.deepEqual(patch, [
    { op: 'replace', path: '/spec/containers/0/image', value: 'docker.io/library/nginx:1.27-acc' },
    { op: 'add', path: '/metadata/annotations', value: { [ORIGINAL_IMAGES_ANNOTATION]: JSON.stringify({ 'containers/web': 'nginx:1.27' }) } },
    { op: 'add', path: '/spec/affinity', value: required() },
  ]);
  assert.deepEqual(ops({ request: reviewOf(apply(pod, patch)) }), [], 'reinvocation changes nothing');
  const byNamespace = ops({ request: reviewOf({ metadata: { annotations: { a: 'b' } }, spec: { containers: [{ name: 'x', image: APP }] } }) }, optedInNamespace);
  assert.deepEqual(byNamespace[1], { op: 'add', path: '/metadata/annotations/uimgacc.ucloud.cn~1original-images', value: JSON.stringify({ 'containers/x': APP }) });
  // No metadata at all: the whole object is added.
  assert.equal(ops({ request: reviewOf({ spec: { containers: [{ image: APP }] } }) }, optedInNamespace)[1]?.path, '/metadata');
  // Without opt-in, originals are left alone; the label must say exactly "enabled".
  assert.deepEqual(ops({ request: reviewOf({ spec: { containers: [{ image: APP }] } }) }), []);
  assert.deepEqual(ops({ request: reviewOf({ metadata: { labels: { 'uimgacc.ucloud.cn/rewrite': 'true' } }, spec: { containers: [{ image: APP }] } }) }), []);
});

test('a reinvocation after another webhook added a container keeps the originals recorded earlier', () => {
  const pod = { metadata: { labels: { 'uimgacc.ucloud.cn/rewrite': 'enabled' } }, spec: { containers: [{ name: 'a', image: APP }] } };
  const first = apply(pod, ops({ request: reviewOf(pod) }));
  (first['spec'] as { containers: object[] }).containers.push({ name: 'b', image: 'nginx:1.27' });
  const second = apply(first, ops({ request: reviewOf(first) }));
  const annotations = (second['metadata'] as { annotations: Record<string, string> }).annotations;
  assert.deepEqual(JSON.parse(annotations[ORIGINAL_IMAGES_ANNOTATION] ?? ''), { 'containers/a': APP, 'containers/b': 'nginx:1.27' });
  assert.deepEqual(ops({ request: reviewOf(second) }), []);
});

test('no rewrite to accelerations that may not be used right now', () => {
  const frozen = snapshotOf([{ originalImage: APP, targetImage: `${APP}-acc` }], { rewritable: false, labels: ACCELERATION_LABELS });
  const body = { request: reviewOf({ metadata: { labels: { 'uimgacc.ucloud.cn/rewrite': 'enabled' } }, spec: { containers: [{ image: APP }] } }) };
  assert.equal(review(body, frozen, optedInNamespace).response.response.patch, undefined);
  // ... while a Pod already using the target still gets the affinity.
  assert.ok(review({ request: reviewOf({ spec: { containers: [{ image: `${APP}-acc` }] } }) }, frozen, plain).response.response.patch);
  // An image UCloud does not list is not rewritten, even if a "-acc" tag exists for it.
  assert.deepEqual(ops({ request: reviewOf({ spec: { containers: [{ image: 'uhub.service.ucloud.cn/team/other:v1' }] } }) }, optedInNamespace), []);
});

test('opt-out label and mirror Pods are left alone, silently', () => {
  const uses = { containers: [{ image: `${APP}-acc` }] };
  for (const metadata of [{ labels: { 'uimgacc.ucloud.cn/ignore': 'true', 'uimgacc.ucloud.cn/rewrite': 'enabled' } }, { annotations: { 'kubernetes.io/config.mirror': 'x' } }]) {
    const r = responseOf({ request: reviewOf({ metadata, spec: uses }) }, optedInNamespace);
    assert.equal(r.patch, undefined);
    assert.equal(r.warnings, undefined);
  }
});

test('other kinds and operations are allowed unchanged, with a warning', () => {
  const uses = { containers: [{ image: `${APP}-acc` }] };
  for (const extra of [{ operation: 'DELETE' }, { operation: 'CONNECT', subResource: 'exec' }, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }, { kind: { group: 'example.com', version: 'v1', kind: 'Pod' } }]) {
    const r = responseOf({ request: reviewOf({ spec: uses }, extra) });
    assert.equal(r.uid, 'u-1');
    assert.equal(r.patch, undefined);
    assert.match(r.warnings?.[0] ?? '', /only handles Pod CREATE and UPDATE/);
  }
});

test('a dry-run request gets exactly the answer a real one gets', () => {
  const pod = { metadata: { labels: { 'uimgacc.ucloud.cn/rewrite': 'enabled' } }, spec: { containers: [{ name: 'a', image: APP }] } };
  const real = review({ request: reviewOf(pod) }, snap, plain);
  const dry = review({ request: reviewOf(pod, { dryRun: true }) }, snap, plain);
  assert.deepEqual(dry.response, real.response);
  assert.equal(dry.dryRun, true);
});

test('garbage input is allowed without a patch, never thrown, with the uid when there is one', () => {
  const garbage: unknown[] = [
    undefined, null, 42, 'x', [], {}, { request: null }, { request: [] }, { request: 'x' }, { request: { uid: 7 } },
    { request: { uid: 'u', kind: 'Pod', operation: 'CREATE' } },
    { request: { uid: 'u', kind: { kind: 'Pod' }, operation: 'CREATE' } },
    { request: { uid: 'u', kind: { kind: 'Pod' }, operation: 'CREATE', object: [] } },
    { request: { uid: 'u', kind: { kind: 'Pod' }, operation: 'CREATE', object: { spec: 'nope' } } },
    { request: { uid: 'u', kind: { kind: 'Pod' }, operation: 'CREATE', object: { metadata: 'm', spec: { containers: 'c' } } } },
    { request: { uid: 'u', kind: { kind: 'Pod' }, operation: 'CREATE', object: { metadata: { labels: 5, annotations: [] }, spec: { containers: [null, 1, [], { image: 5 }, { image: 'Bad Image!' }, { image: '' }] } } } },
  ];
  for (const body of garbage) {
    const r = review(body, snap, optedInNamespace).response;
    assert.equal(r.apiVersion, 'admission.k8s.io/v1');
    assert.equal(r.kind, 'AdmissionReview');
    assert.equal(r.response.allowed, true, JSON.stringify(body));
    assert.equal(r.response.patch, undefined, JSON.stringify(body));
    assert.equal(r.response.uid, uidOf(body));
  }
  assert.match(responseOf({}).warnings?.[0] ?? '', /not an AdmissionReview/);
  assert.match(responseOf({ request: { uid: 'u', kind: { kind: 'Pod' }, operation: 'CREATE' } }).warnings?.[0] ?? '', /no Pod/);
  assert.equal(responseOf({ request: reviewOf({ spec: { containers: [] } }) }).uid, 'u-1');
});

test('a Pod shape that breaks the affinity code is admitted unchanged with its uid (internal error)', () => {
  const pod = { spec: { containers: [{ image: `${APP}-acc` }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [null] } } } } };
  const outcome = review({ request: reviewOf(pod) }, snap, plain);
  assert.equal(outcome.skipped, 'error');
  assert.equal(outcome.response.response.uid, 'u-1');
  assert.equal(outcome.response.response.patch, undefined);
  assert.match(outcome.response.response.warnings?.[0] ?? '', /internal error; the Pod was admitted unchanged/);
});

test('an unparsable image listed by UCloud does not cost the other accelerations', () => {
  const s = snapshotOf([{ originalImage: 'Not Valid', targetImage: 'x:y-acc' }, { originalImage: APP, targetImage: `${APP}-acc` }], { rewritable: true, labels: ACCELERATION_LABELS });
  assert.equal(s.targets.size, 1);
  assert.ok(review({ request: reviewOf({ spec: { containers: [{ image: `${APP}-acc` }] } }) }, s, plain).response.response.patch);
});
