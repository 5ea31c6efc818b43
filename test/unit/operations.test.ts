// The pure rules behind create/delete/patch: image pairs and lists, patch's pair check, which RetCodes are ambiguous,
// how an operation is followed past an error left by an earlier attempt, and the worst of several exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCreateSpec, parseImageList, parseImagePair, requireDistinctOriginals } from '../../lib/image/pair.ts';
import { patchAccelerations, retCodeIsAmbiguous, settled, teardownUnderWay } from '../../lib/operations.ts';
import type { AccelerationState } from '../../lib/ucloud/acceleration.ts';
import { worstExit } from '../../cmd/errors.ts';

const U = 'uhub.service.ucloud.cn/team';

function state(over: Partial<AccelerationState> = {}): AccelerationState {
  return {
    clusterId: 'uk8s-unit0001',
    enabled: true,
    nfsReady: true,
    agentReady: true,
    status: 'Ready',
    error: undefined,
    images: [{ originalImage: `${U}/a:1`, targetImage: `${U}/a:1-acc`, sizeBytes: 1, layers: 1 }],
    imagesKnown: true,
    subnetId: undefined,
    nfsAddr: undefined,
    ...over,
  };
}

test('ORIGINAL=TARGET pairs and create specs', () => {
  assert.deepEqual(parseImagePair(`${U}/a:1=${U}/a:fast`, '--image'), { originalImage: `${U}/a:1`, targetImage: `${U}/a:fast` });
  assert.throws(() => parseImagePair(`${U}/a:1`, '--image'), /invalid --image ".*": use ORIGINAL=TARGET/);
  assert.throws(() => parseImagePair(`=${U}/a:1`, '--image'), /use ORIGINAL=TARGET/);
  assert.throws(() => parseImagePair(`${U}/a:1=b=c`, '--image'), /use ORIGINAL=TARGET/);
  assert.deepEqual(parseCreateSpec(`${U}/a:1`), { originalImage: `${U}/a:1`, targetImage: `${U}/a:1-acc` });
  assert.throws(() => parseCreateSpec(`${U}/a@sha256:${'a'.repeat(64)}`), /pinned by digest only/);
  assert.throws(() => parseCreateSpec(`${U}/a:1=${U}/a:1`), /is the original image/);
});

test('image lists: comments, blank lines, CRLF; errors name the line; the same original twice is refused', () => {
  assert.deepEqual(
    parseImageList(`# header\r\n${U}/a:1\r\n\r\n  ${U}/b:2=${U}/b:x  # why\n#${U}/c:3\n`, 'f.txt').map((p) => p.originalImage),
    [`${U}/a:1`, `${U}/b:2`],
  );
  assert.throws(() => parseImageList(`${U}/a:1\n${U}/B:1\n`, 'f.txt'), /^UserError: f\.txt, line 2: /);
  assert.throws(() => requireDistinctOriginals([parseCreateSpec(`${U}/a:1`), parseCreateSpec(`${U}/a:1=${U}/a:2`)]), /named twice/);
  requireDistinctOriginals([parseCreateSpec(`${U}/a:1`), parseCreateSpec(`${U}/a:2`)]);
});

test('patch\'s --image pairs are checked against UCloud when it lists its images', () => {
  assert.deepEqual(patchAccelerations(state(), []).accelerations, state().images);
  assert.deepEqual(patchAccelerations(state(), [{ originalImage: `${U}/a:1`, targetImage: `${U}/a:1-acc` }]).accelerations.length, 1);
  assert.throws(() => patchAccelerations(state(), [{ originalImage: `${U}/a:1`, targetImage: `${U}/a:other` }]), /has no Ready acceleration to .*a:other .*\(its target image is .*a:1-acc\)/);
  const hidden = patchAccelerations(state({ imagesKnown: false, status: 'Creating', images: [] }), [{ originalImage: `${U}/z:1`, targetImage: `${U}/z:1-acc` }]);
  assert.match(hidden.warning ?? '', /cannot check the --image pairs/);
  assert.throws(() => patchAccelerations(state({ enabled: false }), []), /not enabled/);
});

test('which RetCodes leave it unknown whether a mutation took effect', () => {
  for (const code of [2000, 5000, 110, 150]) assert.equal(retCodeIsAmbiguous(code), true, String(code));
  for (const code of [160, 171, 230, 292, 299, 603, 1999]) assert.equal(retCodeIsAmbiguous(code), false, String(code));
});

test('settled: a new operation can start; a teardown is an agent that was ready and is not', () => {
  assert.equal(settled(state()), true);
  assert.equal(settled(state({ enabled: false, imagesKnown: false })), true);
  assert.equal(settled(state({ status: 'Deleting', imagesKnown: false })), false);
  assert.equal(settled(state({ agentReady: false, imagesKnown: false })), false);
  assert.equal(teardownUnderWay(state(), state({ agentReady: false })), true);
  assert.equal(teardownUnderWay(state({ agentReady: false }), state({ agentReady: false })), false);
  assert.equal(teardownUnderWay(state(), state({ enabled: false })), true);
});

test('the worst of several exit codes: failed over timed out over could not verify over in use over ok', () => {
  assert.equal([0, 3, 0].reduce(worstExit), 3);
  assert.equal([3, 5].reduce(worstExit), 5);
  assert.equal([5, 4, 3].reduce(worstExit), 4);
  assert.equal([4, 1, 0].reduce(worstExit), 1);
  assert.equal([0, 130].reduce(worstExit), 130);
});
