import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ORIGINAL_IMAGES_ANNOTATION, review, snapshotOf, type JsonPatchOp } from '../../helper/admission.ts';
import { ACCELERATION_LABEL } from '../../lib/affinity.ts';

const APP = 'uhub.service.ucloud.cn/team/app:v1';
const snap = snapshotOf([{ originalImage: APP, targetImage: `${APP}-acc` }, { originalImage: 'docker.io/library/nginx:1.27', targetImage: 'docker.io/library/nginx:1.27-acc' }], true, ACCELERATION_LABEL);
const noLabels = (): undefined => undefined;

function reviewOf(pod: object, extra: object = {}): { uid: string; kind: { kind: string }; operation: string; namespace: string; object: object } {
  return { uid: 'u-1', kind: { kind: 'Pod' }, operation: 'CREATE', namespace: 'web', object: pod, ...extra };
}

function ops(body: unknown, labels: (ns: string) => Record<string, string> | undefined = noLabels): JsonPatchOp[] {
  const r = review(body, snap, labels).response.response;
  assert.equal(r.allowed, true);
  return r.patch ? (JSON.parse(Buffer.from(r.patch, 'base64').toString()) as JsonPatchOp[]) : [];
}

/** Applies our own (add/replace) ops the way the apiserver would, to check idempotence on the result. */
function apply(obj: unknown, patch: readonly JsonPatchOp[]): unknown {
  const out = structuredClone(obj) as Record<string, unknown>;
  for (const op of patch) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop() as string;
    let cur: Record<string, unknown> = out;
    for (const p of parts) cur = cur[p] as Record<string, unknown>;
    cur[last] = op.value;
  }
  return out;
}

test('a Pod using a Ready target image gets the required node affinity, once', () => {
  const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27-acc' }] } };
  const patch = ops({ request: reviewOf(pod) });
  assert.deepEqual(patch, [
    { op: 'add', path: '/spec/affinity', value: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ACCELERATION_LABEL, operator: 'In', values: ['true'] }] }] } } } },
  ]);
  assert.deepEqual(ops({ request: reviewOf(apply(pod, patch) as object) }), [], 'reinvocation changes nothing');
});

test('init and ephemeral containers count; existing terms get the expression ANDed in', () => {
  const pod = {
    spec: {
      initContainers: [{ name: 'i', image: `${APP}-acc` }],
      containers: [{ name: 'c', image: 'busybox' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, {}] } } },
    },
  };
  const value = ops({ request: reviewOf(pod) })[0]?.value as { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: unknown[] } } };
  assert.equal(value.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.length, 2);
  assert.equal(ops({ request: reviewOf({ spec: { containers: [], ephemeralContainers: [{ image: `${APP}-acc` }] } }) }).length, 1);
});

test('opted-in Pods (label or namespace label) are rewritten to the target, originals recorded, affinity added', () => {
  const pod = { metadata: { name: 'p', labels: { 'uimgacc.ucloud.cn/rewrite': 'enabled' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'side', image: 'busybox' }] } };
  const patch = ops({ request: reviewOf(pod) });
  assert.deepEqual(patch[0], { op: 'replace', path: '/spec/containers/0/image', value: 'docker.io/library/nginx:1.27-acc' });
  assert.deepEqual(patch[1], { op: 'add', path: '/metadata/annotations', value: { [ORIGINAL_IMAGES_ANNOTATION]: JSON.stringify({ 'containers/web': 'nginx:1.27' }) } });
  assert.equal(patch[2]?.path, '/spec/affinity');
  assert.deepEqual(ops({ request: reviewOf(apply(pod, patch) as object) }), [], 'reinvocation changes nothing');
  const byNamespace = ops({ request: reviewOf({ metadata: { annotations: { a: 'b' } }, spec: { containers: [{ name: 'x', image: APP }] } }) }, () => ({ 'uimgacc.ucloud.cn/rewrite': 'enabled' }));
  assert.equal(byNamespace[1]?.path, '/metadata/annotations/uimgacc.ucloud.cn~1original-images');
  // Without opt-in, originals are left alone.
  assert.deepEqual(ops({ request: reviewOf({ spec: { containers: [{ image: APP }] } }) }), []);
});

test('no rewrite to accelerations that may not be used right now', () => {
  const frozen = snapshotOf([{ originalImage: APP, targetImage: `${APP}-acc` }], false, ACCELERATION_LABEL);
  const body = { request: reviewOf({ metadata: { labels: { 'uimgacc.ucloud.cn/rewrite': 'enabled' } }, spec: { containers: [{ image: APP }] } }) };
  assert.equal(review(body, frozen, noLabels).response.response.patch, undefined);
});

test('opt-out label, mirror pods, other kinds and operations are left alone', () => {
  const uses = { containers: [{ image: `${APP}-acc` }] };
  assert.deepEqual(ops({ request: reviewOf({ metadata: { labels: { 'uimgacc.ucloud.cn/ignore': 'true' } }, spec: uses }) }), []);
  assert.deepEqual(ops({ request: reviewOf({ metadata: { annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: uses }) }), []);
  assert.deepEqual(ops({ request: reviewOf({ spec: uses }, { operation: 'UPDATE' }) }), []);
  assert.deepEqual(ops({ request: reviewOf({ spec: uses }, { kind: { kind: 'Deployment' } }) }), []);
});

test('garbage input is allowed without a patch, never thrown', () => {
  for (const body of [null, 42, 'x', [], {}, { request: null }, { request: { uid: 7 } }, { request: { uid: 'u', kind: { kind: 'Pod' }, operation: 'CREATE' } }, { request: { uid: 'u', kind: { kind: 'Pod' }, operation: 'CREATE', object: { spec: 'nope' } } }, { request: { uid: 'u', kind: { kind: 'Pod' }, operation: 'CREATE', object: { spec: { containers: [null, { image: 5 }, { image: 'Bad Image!' }] } } } }]) {
    const r = review(body, snap, noLabels).response;
    assert.equal(r.response.allowed, true);
    assert.equal(r.response.patch, undefined);
  }
  assert.equal(review({ request: reviewOf({ spec: { containers: [] } }) }, snap, noLabels).response.response.uid, 'u-1');
});
