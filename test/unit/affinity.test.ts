import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCELERATION_LABEL,
  LEGACY_ACCELERATION_LABEL,
  AffinityRestoreError,
  addAccelerationAffinity,
  chooseAccelerationLabel,
  removeAccelerationAffinity,
  type Affinity,
} from '../../lib/affinity.ts';

const L = ACCELERATION_LABEL;
const REQ = { key: L, operator: 'In', values: ['true'] };

function roundTrip(before: Affinity | undefined): Affinity {
  const added = addAccelerationAffinity(before, L);
  assert.equal(added.changed, true);
  // Idempotent: a second add changes nothing.
  const again = addAccelerationAffinity(added.affinity, L);
  assert.equal(again.changed, false);
  assert.deepEqual(again.affinity, added.affinity);
  assert.deepEqual(removeAccelerationAffinity(added.affinity, added.record), before);
  return added.affinity;
}

test('no affinity: creates affinity, nodeAffinity and one required term', () => {
  const after = roundTrip(undefined);
  assert.deepEqual(after, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [REQ] }] } } });
});

test('preferred only: keeps it and adds a required section beside it', () => {
  const preferred = [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }];
  const before: Affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred }, podAntiAffinity: { x: 1 } };
  const after = roundTrip(before);
  assert.deepEqual(after.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution, preferred);
  assert.deepEqual(after.podAntiAffinity, { x: 1 });
  assert.deepEqual(after.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchExpressions: [REQ] }]);
});

test('several terms: the expression is ANDed into every term (terms are ORed), fields and other expressions kept', () => {
  const before: Affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] },
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['10.0.0.1'] }] },
        ],
      },
    },
  };
  const after = roundTrip(before);
  const terms = after.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  assert.equal(terms?.length, 2, 'no new term is appended');
  assert.deepEqual(terms?.[0]?.matchExpressions, [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, REQ]);
  assert.deepEqual(terms?.[1], { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['10.0.0.1'] }], matchExpressions: [REQ] });
});

test('an existing acceleration expression is not duplicated and not removed by unpatch', () => {
  const before: Affinity = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [REQ] }, { matchExpressions: [] }] } },
  };
  const added = addAccelerationAffinity(before, L);
  assert.deepEqual(added.record.terms, [{ index: 1, createdList: false }]);
  assert.deepEqual(removeAccelerationAffinity(added.affinity, added.record), before);
  const full = addAccelerationAffinity(added.affinity, L);
  assert.equal(full.changed, false);
});

test('input objects are never mutated', () => {
  const before: Affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } };
  const snapshot = JSON.stringify(before);
  const added = addAccelerationAffinity(before, L);
  removeAccelerationAffinity(added.affinity, added.record);
  assert.equal(JSON.stringify(before), snapshot);
});

test('contradicting expressions are reported', () => {
  const before: Affinity = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: L, operator: 'DoesNotExist' }] }] } },
  };
  assert.deepEqual(addAccelerationAffinity(before, L).conflicts, [`term 0: ${L} DoesNotExist`]);
});

test('removal refuses when the affinity changed in an ambiguous way', () => {
  const added = addAccelerationAffinity(undefined, L);
  const edited = structuredClone(added.affinity);
  edited.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms.push({ matchExpressions: [{ key: 'x', operator: 'Exists' }] });
  assert.throws(() => removeAccelerationAffinity(edited, added.record), AffinityRestoreError);
  assert.throws(() => removeAccelerationAffinity(undefined, added.record), /no longer there/);
  const multi = addAccelerationAffinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [] }] } } }, L);
  const stripped = structuredClone(multi.affinity);
  stripped.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchExpressions?.pop();
  assert.throws(() => removeAccelerationAffinity(stripped, multi.record), /term 0 no longer has/);
});

test('label choice: override, else the spelling most Ready nodes carry, else the current spelling', () => {
  const node = (name: string, labels: Record<string, string>, ready = true): { name: string; labels: Record<string, string>; ready: boolean } => ({ name, labels, ready });
  assert.deepEqual(chooseAccelerationLabel([]), { label: L, source: 'default', readyNodes: 0, otherSpellingOnly: 0 });
  const mixed = [
    node('a', { [LEGACY_ACCELERATION_LABEL]: 'true' }),
    node('b', { [LEGACY_ACCELERATION_LABEL]: 'true' }),
    node('c', { [L]: 'true' }),
    node('d', { [L]: 'true' }, false),
    node('e', {}),
  ];
  assert.deepEqual(chooseAccelerationLabel(mixed), { label: LEGACY_ACCELERATION_LABEL, source: 'detected', readyNodes: 2, otherSpellingOnly: 1 });
  assert.equal(chooseAccelerationLabel([node('a', { [L]: 'true' }), node('b', { [LEGACY_ACCELERATION_LABEL]: 'true' })]).label, L);
  assert.deepEqual(chooseAccelerationLabel(mixed, 'custom/label'), { label: 'custom/label', source: 'flag', readyNodes: 0, otherSpellingOnly: 0 });
});
