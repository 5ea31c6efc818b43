// The UCloud API's answers and invalid image references as a Chinese-speaking user sees them: the built plugin under
// LANG=zh_CN.UTF-8 against the simulator. UCloud's own Message is shown as it comes; our words and advice are Chinese.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { sharedControlPlane } from '../controlplane/shared.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { runCli, ucloudEnv } from '../helpers/cli.ts';

const CLUSTER = 'uk8s-zhucloud01';
const PUBLIC = 'zh-public';
const PRIVATE = 'zh-private-secret-value';
const ZH = { LANG: 'zh_CN.UTF-8' };
let sim: Simulator;
let kubeconfig: string;

before(async () => {
  kubeconfig = (await sharedControlPlane()).kubeconfigPath;
  sim = await startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [] }],
  });
});
after(async () => sim.close());

test('a RetCode error: UCloud\'s Message as it comes, our words and the advice in Chinese; English under LC_ALL=C', async () => {
  const wrongKey = 'not-the-right-private-key';
  const env = ucloudEnv({ publicKey: PUBLIC, privateKey: wrongKey, apiUrl: sim.url, clusterId: CLUSTER, kubeconfig });
  const zh = await runCli(['status'], { ...env, ...ZH });
  assert.equal(zh.code, 1, zh.stderr);
  assert.match(zh.stderr, /^错误：UCloud API GetUK8SImageAccelerate 调用失败：RetCode 171：Signature VerifyAC Error（请求 ID：[\w-]+）\n提示：签名被拒绝：请检查公钥和私钥是否属于同一对（/m);
  const en = await runCli(['status'], { ...env, LC_ALL: 'C', LANG: 'zh_CN.UTF-8' });
  assert.equal(en.code, 1, en.stderr);
  assert.match(en.stderr, /^error: UCloud API GetUK8SImageAccelerate failed: RetCode 171: Signature VerifyAC Error \(request id [\w-]+\)\nhint: signature rejected: /m);
  for (const r of [zh, en]) assert.ok(!(r.stdout + r.stderr).includes(wrongKey));
});

test('an unreachable endpoint: the retry warnings and the error are Chinese', async () => {
  // A port that was free a moment ago and is closed now: connection refused.
  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const url = `http://127.0.0.1:${closed}`;
  const r = await runCli(['status'], { ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: url, clusterId: CLUSTER, kubeconfig }), ...ZH });
  assert.equal(r.code, 1, r.stderr);
  const network = `UCloud API GetUK8SImageAccelerate 调用失败：网络错误：connect ECONNREFUSED 127\\.0\\.0\\.1:${closed}（${url.replace(/\./g, '\\.')}）`;
  assert.match(r.stderr, new RegExp(`^警告：${network}；正在重试（第 2 次，共 4 次）$`, 'm'));
  assert.match(r.stderr, new RegExp(`^警告：${network}；正在重试（第 4 次，共 4 次）$`, 'm'));
  assert.match(r.stderr, new RegExp(`^错误：${network}$`, 'm'));
  assert.ok(!r.stderr.includes(PRIVATE));
});

test('an invalid image reference is explained in Chinese, before anything is sent', async () => {
  const before = sim.requests().length;
  const env = { ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, clusterId: CLUSTER, kubeconfig }), ...ZH };
  const upper = await runCli(['create', 'uhub.service.ucloud.cn/team/App:1'], env);
  assert.equal(upper.code, 1, upper.stderr);
  assert.equal(upper.stderr, '错误：无效的镜像地址 "uhub.service.ucloud.cn/team/App:1"：仓库名必须为小写\n');
  const tag = await runCli(['create', 'uhub.service.ucloud.cn/team/app:-1'], env);
  assert.equal(tag.code, 1, tag.stderr);
  assert.equal(tag.stderr, '错误：无效的镜像地址 "uhub.service.ucloud.cn/team/app:-1"：tag "-1" 无效：只能使用字母、数字、“_”、“.” 和 “-”，且不能以 “.” 或 “-” 开头\n');
  assert.equal(sim.requests().length, before, 'nothing was sent to UCloud');
});
