// The in-use refusal in Simplified Chinese: the message and hint in the user's language, the reason scripts read
// (`refused` of -o json|yaml) in English whatever the language; and operation rules that refuse in Chinese.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useLanguage } from '../../lib/i18n/index.ts';
import { inUseRefusal, summarizeUses } from '../../lib/inuse/guard.ts';
import { SCANNED_KINDS, type ImageUse, type ScanResult } from '../../lib/inuse/scan.ts';
import { checkCreate, requireTimeLeft } from '../../lib/operations.ts';
import { parseCreateSpec, parseImageList } from '../../lib/image/pair.ts';
import type { AccelerationState } from '../../lib/ucloud/acceleration.ts';

const U = 'uhub.service.ucloud.cn/team';
const scanned = Object.fromEntries(SCANNED_KINDS.map((k) => [k, 0])) as ScanResult['scanned'];
const use = (o: Partial<ImageUse> = {}): ImageUse => ({ namespace: 'a', kind: 'Pod', name: 'p', container: 'c', containerType: 'container', image: `${U}/a:1-acc`, target: `${U}/a:1-acc`, certain: true, phase: 'Running', terminating: false, ...o });
const render = { uses: (): string => 'TABLE', unseen: (): string[] => ['  Job in namespace x: nope'] };

before(() => useLanguage('zh-CN'));
after(() => useLanguage('en'));

test('in use: Chinese message and hint (unpatch, who-uses, --force and IO errors), English reason for machine output', () => {
  const r: ScanResult = { uses: [use(), use({ terminating: true }), use({ kind: 'Deployment', replicas: 1 })], unseen: [{ kind: 'Job', scope: 'x', reason: 'nope' }], scanned };
  const refusal = inUseRefusal('删除 X 的镜像加速', r, render);
  assert.equal(refusal?.kind, 'in-use');
  assert.equal(refusal?.message, '拒绝删除 X 的镜像加速：3 个容器正在使用目标镜像：2 个在 Pod 中（其中 1 个正在终止），1 个在工作负载的 Pod 模板中');
  assert.equal(refusal?.localReason, '3 个容器正在使用目标镜像：2 个在 Pod 中（其中 1 个正在终止），1 个在工作负载的 Pod 模板中');
  assert.equal(refusal?.reason, "3 containers use the target image: 2 in Pods (1 terminating), 1 in a workload's pod template");
  assert.deepEqual(refusal?.details.slice(0, 3), ['TABLE', '此外，扫描未能看到：', '  Job in namespace x: nope']);
  const hint = refusal?.details.at(-1) ?? '';
  for (const how of ['提示：', 'kubectl uimgacc unpatch', 'kubectl uimgacc who-uses', '--force', 'IO 错误']) assert.ok(hint.includes(how), hint);
});

test('could not verify: Chinese message, English reason, the hint names --force', () => {
  const refusal = inUseRefusal('删除 X 的镜像加速', { uses: [], unseen: [{ kind: 'Pod', scope: 'x', reason: 'nope' }], scanned }, render, true);
  assert.equal(refusal?.kind, 'unverified');
  assert.equal(refusal?.message, '拒绝删除 X 的镜像加速：在用检查未能看到全部资源，而看不到的 Pod 不能视为安全');
  assert.equal(refusal?.reason, 'the in-use check could not see everything, and an unseen Pod is not a safe Pod');
  assert.match(refusal?.details.at(-1) ?? '', /^提示：.*--force/);
});

test('summaries: Chinese has no plural; several targets and uncertain matches', () => {
  assert.equal(summarizeUses([use()]), '1 个容器正在使用目标镜像：1 个在 Pod 中');
  assert.equal(summarizeUses([use(), use({ certain: false })], undefined, { several: true }), '2 个容器正在使用目标镜像：2 个在 Pod 中；其中 1 个无法确定（tag 与 digest：只有镜像仓库能判断）');
  assert.equal(summarizeUses([use()], `${U}/a:1-acc`), `1 个容器正在使用 ${U}/a:1-acc：1 个在 Pod 中`);
});

test('operation rules refuse in Chinese with their hint', () => {
  const state: AccelerationState = {
    clusterId: 'uk8s-unit0001', enabled: true, nfsReady: true, agentReady: true, status: 'Ready', error: undefined,
    images: [{ originalImage: `${U}/a:1`, targetImage: `${U}/a:1-acc`, sizeBytes: 1, layers: 1 }], imagesKnown: true, subnetId: undefined, nfsAddr: undefined,
  };
  assert.throws(() => checkCreate(state, { originalImage: `${U}/a:1`, targetImage: `${U}/a:1-acc` }), (err: Error & { details?: string[] }) => {
    assert.equal(err.message, `${U}/a:1 已加速，目标镜像为 ${U}/a:1-acc`);
    assert.deepEqual(err.details, [`提示：如需重新创建，请先运行 \`kubectl uimgacc delete ${U}/a:1\` 删除`]);
    return true;
  });
  assert.throws(() => checkCreate({ ...state, enabled: false }, { originalImage: `${U}/b:1`, targetImage: `${U}/b:1-acc` }), /^UserError: 集群 uk8s-unit0001 未开启镜像加速$/);
  assert.throws(() => requireTimeLeft(0, 'X'), (err: Error & { details?: string[] }) => err.details?.[0] === '提示：未发送任何请求；请使用更长的 --timeout 重新运行');
  assert.throws(() => parseImageList(`${U}/a:1\n${U}/B:1\n`, '标准输入'), /^UserError: 标准输入，第 2 行：/);
  assert.throws(() => parseCreateSpec(`${U}/a:1=b=c`), /^UserError: 无效的 IMAGE ".*"：请使用 ORIGINAL=TARGET$/);
  assert.throws(() => parseCreateSpec(`${U}/a:1=${U}/a:1`), /^UserError: 目标镜像 .* 与原始镜像相同；/);
});
