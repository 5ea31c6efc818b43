// The affinity merge as patch/unpatch use it: shapes the lead's affinity tests do not cover, through planPatch and
// planUnpatch so that what is recorded in the annotation is what makes the undo exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCELERATION_LABEL, ACCELERATION_LABELS, LEGACY_ACCELERATION_LABEL, AffinityRestoreError, addAccelerationAffinity, describeLabels, removeAccelerationAffinity, type Affinity } from '../../lib/affinity.ts';
import { inChinese } from '../helpers/language.ts';
import { readRecord } from '../../lib/workload/annotation.ts';
import { KINDS } from '../../lib/workload/kinds.ts';
import { planPatch, planUnpatch } from '../../lib/workload/plan.ts';
import { podTemplateOf, type Workload } from '../../lib/workload/template.ts';

const L = ACCELERATION_LABEL;
const REQ = { key: L, operator: 'In', values: ['true'] };
const APP = 'uhub.service.ucloud.cn/shop/app:v1';
const APP_ACC = 'uhub.service.ucloud.cn/shop/app:v1-acc';
const ACCS = [{ originalImage: APP, targetImage: APP_ACC }];
const info = KINDS.Deployment;

function deployment(affinity?: Affinity): Workload {
  return {
    metadata: { name: 'w', resourceVersion: '7' },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'main', image: APP }], ...(affinity === undefined ? {} : { affinity }) } } },
  };
}

function affinityOf(obj: Workload): Affinity | undefined {
  return podTemplateOf(info, obj)?.spec?.affinity;
}

function roundTrip(affinity: Affinity | undefined): Workload {
  const before = deployment(affinity);
  const patched = planPatch(info, before, { accelerations: ACCS, labels: [L] });
  assert.equal(patched.changed, true);
  assert.equal(planPatch(info, patched.object, { accelerations: ACCS, labels: [L] }).changed, false, 'idempotent');
  assert.deepEqual(planUnpatch(info, patched.object).object, before, 'patch → unpatch is the identity');
  return patched.object;
}

test('empty affinity objects are kept as they were: affinity {} and nodeAffinity {}', () => {
  const a = roundTrip({});
  assert.deepEqual(affinityOf(a), { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [REQ] }] } } });
  assert.equal(readRecord(a.metadata.annotations)?.affinity?.createdAffinity, false);
  assert.equal(readRecord(a.metadata.annotations)?.affinity?.createdNodeAffinity, true);
  const n = roundTrip({ nodeAffinity: {} });
  assert.equal(readRecord(n.metadata.annotations)?.affinity?.createdNodeAffinity, false);
});

test('preferred only, with pod (anti-)affinity: the required section is added beside them and removed alone', () => {
  const preferred = [{ weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }];
  const podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: { matchLabels: { app: 'db' } } }] };
  const after = roundTrip({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred }, podAffinity });
  assert.deepEqual(affinityOf(after)?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution, preferred);
  assert.deepEqual(affinityOf(after)?.podAffinity, podAffinity);
});

test('several terms mixing expressions and fields: ANDed into each, order kept, no term added', () => {
  const terms = [
    { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gpu', operator: 'DoesNotExist' }] },
    { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['10.0.0.9'] }] },
    { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['10.0.0.1'] }] },
  ];
  const after = roundTrip({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
  const got = affinityOf(after)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  assert.deepEqual(got, [
    { matchExpressions: [...(terms[0]?.matchExpressions ?? []), REQ] },
    { matchFields: terms[1]?.matchFields, matchExpressions: [REQ] },
    { matchExpressions: [...(terms[2]?.matchExpressions ?? []), REQ], matchFields: terms[2]?.matchFields },
  ]);
});

test('the acceleration expression already required by the user: nothing added, nothing recorded, unpatch leaves it', () => {
  const own: Affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }, REQ] }] } } };
  const before = deployment(own);
  const plan = planPatch(info, before, { accelerations: ACCS, labels: [L] });
  assert.equal(plan.changed, true, 'the image still changes');
  assert.equal(plan.affinityChanged, false);
  assert.equal(readRecord(plan.object.metadata.annotations)?.affinity, null);
  const undone = planUnpatch(info, plan.object);
  assert.equal(undone.affinityRemoved, false);
  assert.deepEqual(undone.object, before);
});

test('an expression the user adds to the same term after patch survives unpatch', () => {
  const added = addAccelerationAffinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } }, [L]);
  const edited = structuredClone(added.affinity);
  edited.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchExpressions?.push({ key: 'arch', operator: 'In', values: ['amd64'] });
  assert.deepEqual(removeAccelerationAffinity(edited, added.record), {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'arch', operator: 'In', values: ['amd64'] }] }] } },
  });
});

test('a similar but wider user expression (In [true, yes]) is not taken for ours', () => {
  const wide = { key: L, operator: 'In', values: ['true', 'yes'] };
  const before = deployment({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [wide] }] } } });
  const plan = planPatch(info, before, { accelerations: ACCS, labels: [L] });
  assert.deepEqual(affinityOf(plan.object)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchExpressions: [wide, REQ] }]);
  assert.deepEqual(planUnpatch(info, plan.object).object, before);
});

test('both spellings (the default): every term is copied once per spelling, recorded, and unpatch restores it exactly', () => {
  const BOTH = ACCELERATION_LABELS;
  const zone = { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] };
  const before = deployment({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [zone] } } });
  const plan = planPatch(info, before, { accelerations: ACCS, labels: BOTH });
  assert.deepEqual(affinityOf(plan.object)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
    { matchExpressions: [...zone.matchExpressions, REQ] },
    { matchExpressions: [...zone.matchExpressions, { key: LEGACY_ACCELERATION_LABEL, operator: 'In', values: ['true'] }] },
  ]);
  assert.deepEqual(readRecord(plan.object.metadata.annotations)?.affinity?.labels, BOTH);
  assert.equal(planPatch(info, plan.object, { accelerations: ACCS, labels: BOTH }).changed, false, 'idempotent');
  // A later run with a forced label keeps what the first patch recorded: no second set of expressions.
  assert.equal(planPatch(info, plan.object, { accelerations: ACCS, labels: [L] }).changed, false);
  assert.deepEqual(planUnpatch(info, plan.object).object, before);
});

test('zh-CN: the same affinity and record in both languages; why an undo is ambiguous and conflicts are said in Chinese', async () => {
  const zone = { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] };
  const contradicting = { matchExpressions: ACCELERATION_LABELS.map((key) => ({ key, operator: 'DoesNotExist' })) };
  const input: Affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [zone, contradicting] } } };
  const english = addAccelerationAffinity(input, ACCELERATION_LABELS);
  const edited = JSON.parse(JSON.stringify(english.affinity)) as Affinity;
  edited.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms.pop();
  const restoreError = (affinity: Affinity): string => {
    try {
      removeAccelerationAffinity(affinity, english.record);
    } catch (e) {
      assert.ok(e instanceof AffinityRestoreError);
      return e.message;
    }
    return assert.fail('no error');
  };
  const { chinese, message, labels } = await inChinese(() => ({
    chinese: addAccelerationAffinity(input, ACCELERATION_LABELS),
    message: restoreError(edited),
    labels: describeLabels(ACCELERATION_LABELS),
  }));
  assert.equal(JSON.stringify(chinese.affinity), JSON.stringify(english.affinity), 'what is written does not depend on the language');
  assert.equal(JSON.stringify(chinese.record), JSON.stringify(english.record));
  assert.deepEqual(english.conflicts, [`term 1: ${ACCELERATION_LABEL} DoesNotExist, ${LEGACY_ACCELERATION_LABEL} DoesNotExist`]);
  assert.deepEqual(chinese.conflicts, [`nodeSelectorTerms[1]：${ACCELERATION_LABEL} DoesNotExist、${LEGACY_ACCELERATION_LABEL} DoesNotExist`]);
  assert.equal(message, '必需节点亲和性现有 3 个 term，而 patch 留下的是共 4 个 term：之后有 term 被添加或删除');
  assert.equal(restoreError(edited), 'the required node affinity has 3 terms where patch left 4 terms: terms were added or removed since');
  assert.equal(labels, `${ACCELERATION_LABEL}=true 或 ${LEGACY_ACCELERATION_LABEL}=true`);
});
