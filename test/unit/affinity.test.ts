import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCELERATION_LABEL,
  ACCELERATION_LABELS,
  LEGACY_ACCELERATION_LABEL,
  AffinityRestoreError,
  addAccelerationAffinity,
  detectAccelerationLabels,
  removeAccelerationAffinity,
  requiresAcceleratedNode,
  type Affinity,
  type NodeSelectorTerm,
} from '../../lib/affinity.ts';

const L = ACCELERATION_LABEL;
const OLD = LEGACY_ACCELERATION_LABEL;
const BOTH = ACCELERATION_LABELS;
const REQ = { key: L, operator: 'In', values: ['true'] };
const REQ_OLD = { key: OLD, operator: 'In', values: ['true'] };
const ZONE_A = { key: 'zone', operator: 'In', values: ['a'] };

function roundTrip(before: Affinity | undefined, labels: readonly string[] = BOTH): Affinity {
  const added = addAccelerationAffinity(before, labels);
  assert.equal(added.changed, true);
  // Idempotent: a second add changes nothing.
  const again = addAccelerationAffinity(added.affinity, labels);
  assert.equal(again.changed, false);
  assert.deepEqual(again.affinity, added.affinity);
  assert.deepEqual(removeAccelerationAffinity(added.affinity, added.record), before);
  // What the records say survives JSON (it is stored in an annotation).
  assert.deepEqual(removeAccelerationAffinity(added.affinity, JSON.parse(JSON.stringify(added.record))), before);
  return added.affinity;
}

function termsOf(a: Affinity | undefined): NodeSelectorTerm[] | undefined {
  return a?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
}

/** Whether a required node affinity admits a node with these labels (not named by any matchFields), as the scheduler ORs terms. */
function admits(a: Affinity, labels: Record<string, string>): boolean {
  return (termsOf(a) ?? []).some((t) =>
    !t.matchFields?.length &&
    (t.matchExpressions ?? []).every((r) => {
      const v = labels[r.key];
      if (r.operator === 'In') return v !== undefined && (r.values ?? []).includes(v);
      if (r.operator === 'NotIn') return v === undefined || !(r.values ?? []).includes(v);
      if (r.operator === 'Exists') return v !== undefined;
      if (r.operator === 'DoesNotExist') return v === undefined;
      return false;
    }),
  );
}

test('no affinity: one term per spelling, so a node with either label qualifies and an unlabelled one does not', () => {
  const after = roundTrip(undefined);
  assert.deepEqual(after, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [REQ] }, { matchExpressions: [REQ_OLD] }] } } });
  assert.ok(admits(after, { [L]: 'true' }));
  assert.ok(admits(after, { [OLD]: 'true' }));
  assert.ok(!admits(after, {}));
  assert.ok(!admits(after, { [L]: 'false' }));
  assert.ok(requiresAcceleratedNode(after, BOTH));
});

test('a forced label (--node-label / nodeLabel): one term, that label only', () => {
  const after = roundTrip(undefined, [OLD]);
  assert.deepEqual(termsOf(after), [{ matchExpressions: [REQ_OLD] }]);
  assert.ok(!admits(after, { [L]: 'true' }));
});

test('preferred only: keeps it and adds a required section beside it', () => {
  const preferred = [{ weight: 1, preference: { matchExpressions: [ZONE_A] } }];
  const before: Affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred }, podAntiAffinity: { x: 1 } };
  const after = roundTrip(before);
  assert.deepEqual(after.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution, preferred);
  assert.deepEqual(after.podAntiAffinity, { x: 1 });
  assert.deepEqual(termsOf(after), [{ matchExpressions: [REQ] }, { matchExpressions: [REQ_OLD] }]);
});

test('several terms: each becomes one copy per spelling with the expression ANDed in (T1∧L ∨ T1∧L′ ∨ T2∧L ∨ T2∧L′)', () => {
  const fields = { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['10.0.0.1'] }] };
  const before: Affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }, fields] } } };
  const after = roundTrip(before);
  assert.deepEqual(termsOf(after), [
    { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, REQ] },
    { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, REQ_OLD] },
    { ...fields, matchExpressions: [REQ] },
    { ...fields, matchExpressions: [REQ_OLD] },
  ]);
  // The user's restriction still holds, whichever spelling the node carries.
  assert.ok(admits(after, { zone: 'a', [OLD]: 'true' }));
  assert.ok(admits(after, { zone: 'b', [L]: 'true' }));
  assert.ok(!admits(after, { zone: 'c', [L]: 'true' }));
  assert.ok(!admits(after, { zone: 'a' }));
});

test('a term that already requires a spelling is kept as is; the others are copied; unpatch undoes exactly that', () => {
  const before: Affinity = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [REQ_OLD] }, { matchExpressions: [] }] } },
  };
  const added = addAccelerationAffinity(before, BOTH);
  assert.deepEqual(termsOf(added.affinity), [{ matchExpressions: [REQ_OLD] }, { matchExpressions: [REQ] }, { matchExpressions: [REQ_OLD] }]);
  assert.deepEqual(added.record.terms, [
    { source: 0, createdList: false },
    { source: 1, label: L, createdList: false },
    { source: 1, label: OLD, createdList: false },
  ]);
  assert.deepEqual(removeAccelerationAffinity(added.affinity, added.record), before);
  assert.equal(addAccelerationAffinity(added.affinity, BOTH).changed, false);
});

test('input objects are never mutated', () => {
  const before: Affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } };
  const snapshot = JSON.stringify(before);
  const added = addAccelerationAffinity(before, BOTH);
  removeAccelerationAffinity(added.affinity, added.record);
  assert.equal(JSON.stringify(before), snapshot);
});

test('contradicting expressions are reported only when no spelling can match the term', () => {
  const against = (exprs: object[]): Affinity => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs as never }] } } });
  assert.deepEqual(addAccelerationAffinity(against([{ key: L, operator: 'DoesNotExist' }]), [L]).conflicts, [`term 0: ${L} DoesNotExist`]);
  // The other spelling still admits nodes: not a conflict.
  assert.deepEqual(addAccelerationAffinity(against([{ key: L, operator: 'DoesNotExist' }]), BOTH).conflicts, []);
  assert.deepEqual(addAccelerationAffinity(against([{ key: L, operator: 'DoesNotExist' }, { key: OLD, operator: 'NotIn', values: ['true'] }]), BOTH).conflicts, [`term 0: ${L} DoesNotExist, ${OLD} NotIn [true]`]);
});

test('removal refuses when the affinity changed in an ambiguous way', () => {
  const added = addAccelerationAffinity(undefined, BOTH);
  const edited = structuredClone(added.affinity);
  termsOf(edited)?.push({ matchExpressions: [{ key: 'x', operator: 'Exists' }] });
  assert.throws(() => removeAccelerationAffinity(edited, added.record), AffinityRestoreError);
  assert.throws(() => removeAccelerationAffinity(undefined, added.record), /no longer there/);
  const multi = addAccelerationAffinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [ZONE_A] }] } } }, BOTH);
  const stripped = structuredClone(multi.affinity);
  termsOf(stripped)?.[0]?.matchExpressions?.pop();
  assert.throws(() => removeAccelerationAffinity(stripped, multi.record), /term 0 no longer has/);
  // One copy edited apart from the other: which one is the original is ambiguous.
  const apart = structuredClone(multi.affinity);
  termsOf(apart)?.[1]?.matchExpressions?.push({ key: 'arch', operator: 'In', values: ['arm64'] });
  assert.throws(() => removeAccelerationAffinity(apart, multi.record), /term 1 was changed after patch copied it/);
});

test('an expression added to every copy after patch survives unpatch', () => {
  const added = addAccelerationAffinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [ZONE_A] }] } } }, BOTH);
  const edited = structuredClone(added.affinity);
  for (const t of termsOf(edited) ?? []) t.matchExpressions?.push({ key: 'arch', operator: 'In', values: ['amd64'] });
  assert.deepEqual(termsOf(removeAccelerationAffinity(edited, added.record)), [{ matchExpressions: [ZONE_A, { key: 'arch', operator: 'In', values: ['amd64'] }] }]);
});

test('requiresAcceleratedNode: every term must require one of the labels', () => {
  const with_ = (terms: NodeSelectorTerm[]): Affinity => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
  assert.equal(requiresAcceleratedNode(undefined, BOTH), false);
  assert.equal(requiresAcceleratedNode(with_([]), BOTH), false);
  assert.equal(requiresAcceleratedNode(with_([{ matchExpressions: [REQ_OLD] }]), BOTH), true);
  assert.equal(requiresAcceleratedNode(with_([{ matchExpressions: [REQ_OLD] }]), [L]), false);
  assert.equal(requiresAcceleratedNode(with_([{ matchExpressions: [REQ] }, { matchExpressions: [ZONE_A] }]), BOTH), false);
});

test('label detection counts every node, Ready or not, per spelling; both spellings are required unless one is forced', () => {
  const node = (name: string, labels: Record<string, string>, ready = true): { name: string; labels: Record<string, string>; ready: boolean } => ({ name, labels, ready });
  const none = detectAccelerationLabels([]);
  assert.deepEqual(none.labels, BOTH);
  assert.equal(none.source, 'both spellings');
  assert.equal(none.labelledNodes, 0);
  const mixed = [node('a', { [OLD]: 'true' }), node('b', { [OLD]: 'true' }, false), node('c', { [L]: 'true' }, false), node('d', { [L]: 'true', [OLD]: 'true' }), node('e', {})];
  const d = detectAccelerationLabels(mixed);
  assert.deepEqual(d.counts, [
    { label: L, nodes: 2, readyNodes: 1 },
    { label: OLD, nodes: 3, readyNodes: 2 },
  ]);
  assert.deepEqual([d.labelledNodes, d.readyLabelledNodes, d.excluded], [4, 2, []]);
  // No Ready node at all (pool being replaced): the spellings are still seen.
  const notReady = detectAccelerationLabels([node('x', { [OLD]: 'true' }, false)]);
  assert.deepEqual(notReady.counts.find((c) => c.label === OLD), { label: OLD, nodes: 1, readyNodes: 0 });
  const forced = detectAccelerationLabels(mixed, L);
  assert.deepEqual(forced.labels, [L]);
  assert.equal(forced.source, 'flag');
  assert.deepEqual(forced.excluded, ['a', 'b'], 'nodes with only the other spelling are excluded, and said so');
});
