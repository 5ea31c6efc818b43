// doctor against its own control plane (it inspects cluster-wide objects such as webhook configurations).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { helmBinary } from '../controlplane/testbin.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { kubeconfigRecording, runCli, type CliResult } from '../helpers/cli.ts';
import { createCa, createServingCert, serviceNames } from '../../helper/certs.ts';
import { makeServingCert } from '../helpers/tls.ts';

let cp: ControlPlane;
let sim: Simulator;
const CLUSTER = 'uk8s-doctor001';

async function k(args: string[], input?: string): Promise<string> {
  const r = await kubectl(cp.kubeconfigPath, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function doctor(extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  // The context records its cluster, as `configure` does: otherwise doctor warns that its identity is unknown.
  return runCli(['doctor', '--kubeconfig', kubeconfigRecording(cp.kubeconfigPath, CLUSTER), ...extra], {
    UCLOUD_PUBLIC_KEY: 'doc-pub',
    UCLOUD_PRIVATE_KEY: 'doc-priv',
    UCLOUD_API_BASE_URL: sim.url,
    UCLOUD_UK8S_CLUSTER_ID: CLUSTER,
    UCLOUD_REGION: 'cn-bj2',
    ...env,
  });
}

before(async () => {
  cp = await startControlPlane();
  sim = await startSimulator({ accounts: [{ publicKey: 'doc-pub', privateKey: 'doc-priv' }], clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, NfsAddr: '10.9.0.10' }] });
});
after(async () => {
  await sim.close();
  await cp.stop();
});

test('doctor names what is missing, with a fix, and exits 1', async () => {
  const r = await doctor();
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /✓ Kubernetes: reachable, v1\.36/);
  assert.match(r.stdout, /✓ UCloud configuration: cluster uk8s-doctor001 \(from env UCLOUD_UK8S_CLUSTER_ID\), region cn-bj2 \(from env UCLOUD_REGION\), endpoint http:\/\/127\.0\.0\.1:\d+ \(from env UCLOUD_API_BASE_URL\), key pair from env UCLOUD_PUBLIC_KEY/);
  assert.match(r.stdout, /✓ Cluster identity: the context's cluster is uk8s-doctor001 \(from kubeconfig context "test"\)/);
  assert.match(r.stdout, /✓ Image acceleration: enabled; NFS ready \(10\.9\.0\.10\)/);
  assert.match(r.stdout, /✓ Acceleration agent \(UCloud\): ready/);
  assert.match(r.stdout, /✓ UCloud API: reachable, signature accepted/);
  assert.match(r.stdout, /! Agent Deployment: kube-system\/uimgacc-agent not found/);
  assert.match(r.stdout, /✗ Accelerated nodes: no Ready node carries node.uk8s.ucloud.cn\/image_accel=true or node.uk8s.ucloud.cn\/uimgacc=true \(0 nodes\)\n {4}fix: only nodes added after enabling/);
  assert.match(r.stdout, /! Helper webhook: not installed/);
  const bad = await runCli(['doctor', '--kubeconfig', cp.kubeconfigPath], { UCLOUD_PUBLIC_KEY: 'doc-pub', UCLOUD_PRIVATE_KEY: 'wrong', UCLOUD_API_BASE_URL: sim.url, UCLOUD_UK8S_CLUSTER_ID: CLUSTER, UCLOUD_REGION: 'cn-bj2' });
  assert.match(bad.stdout, /✗ UCloud API: .*RetCode 171.*\n {4}fix: signature rejected/);
  assert.equal(bad.code, 1);
  assert.ok(!bad.stdout.includes('wrong') && !bad.stderr.includes('wrong'), 'the private key is never printed');
  // Where the configuration could not be resolved, doctor says what it looked at.
  const missing = await runCli(['doctor', '--kubeconfig', cp.kubeconfigPath], { UCLOUD_PUBLIC_KEY: 'doc-pub', UCLOUD_PRIVATE_KEY: 'doc-priv', UCLOUD_API_BASE_URL: sim.url, UCLOUD_REGION: 'cn-bj2', HOME: '/nonexistent' });
  assert.match(missing.stdout, /✗ UCloud configuration: cannot tell which UK8S cluster to use.*note: ConfigMap kube-system\/uk8sconfig does not exist.*\n {4}fix: run `kubectl uimgacc configure`/);
});

test('doctor with the agent, labelled nodes and the helper chart installed checks the webhook', async () => {
  await k(['-n', 'kube-system', 'create', 'deployment', 'uimgacc-agent', '--image=agent:1']);
  await k(['-n', 'kube-system', 'patch', 'deployment', 'uimgacc-agent', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":1,"readyReplicas":1}}']);
  await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: '10.9.1.1', labels: { 'node.uk8s.ucloud.cn/image_accel': 'true' } } }));
  await k(['patch', 'node', '10.9.1.1', '--subresource=status', '--type=merge', '-p', '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}']);
  const home = mkdtempSync(join(tmpdir(), 'uimgacc-doc-'));
  await new Promise<void>((resolve, reject) =>
    execFile(helmBinary(), ['install', 'uimgacc', 'charts/uimgacc', '-n', 'uimgacc', '--create-namespace', '--set', 'credentials.publicKey=a', '--set', 'credentials.privateKey=b'], { env: { PATH: process.env['PATH'], HOME: home, KUBECONFIG: cp.kubeconfigPath, HELM_CACHE_HOME: join(home, 'c'), HELM_CONFIG_HOME: join(home, 'f'), HELM_DATA_HOME: join(home, 'd') } }, (err, _o, e) => (err ? reject(new Error(e)) : resolve())),
  );
  // No kubelet here, so the helper never runs to write its certificate and CA: doctor says what is missing.
  const before = await doctor();
  assert.match(before.stdout, /✗ Webhook caBundle: not a valid certificate: caBundle is empty\n {4}fix: the helper writes its CA there once it runs/);
  // What the helper writes when it starts: its CA and serving certificate in the Secret, its CA in the caBundle.
  const ca = createCa(Date.now(), 365 * 24 * 3600 * 1000);
  const pair = createServingCert(ca, serviceNames('uimgacc', 'uimgacc'), Date.now(), 365 * 24 * 3600 * 1000);
  const b64 = (t: string): string => Buffer.from(t).toString('base64');
  await k(['-n', 'uimgacc', 'patch', 'secret', 'uimgacc-tls', '--type=merge', '-p', JSON.stringify({ data: { 'ca.crt': b64(ca.caCert), 'ca.key': b64(ca.caKey), 'tls.crt': b64(pair.cert), 'tls.key': b64(pair.key) } })]);
  await k(['patch', 'mutatingwebhookconfiguration', 'uimgacc', '--type=json', '-p', JSON.stringify([0, 1].map((i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: b64(ca.caCert) })))]);
  const r = await doctor();
  assert.match(r.stdout, /✓ Agent Deployment: kube-system\/uimgacc-agent 1\/1 ready/);
  assert.match(r.stdout, /✓ Accelerated nodes: 1 of 1 nodes are Ready and accelerated \(1 Ready with node.uk8s.ucloud.cn\/image_accel\)/);
  assert.match(r.stdout, /✓ Helper webhook: MutatingWebhookConfiguration uimgacc \(pods.uimgacc.ucloud.cn, rewrite.pods.uimgacc.ucloud.cn\)/);
  assert.match(r.stdout, /✓ Webhook failure policy: failurePolicy Ignore/);
  assert.match(r.stdout, /✓ Webhook caBundle: signs the serving certificate for uimgacc.uimgacc.svc \(valid until .*20\d\d GMT\)/);
  // No kubelet here, so the helper never becomes ready: doctor says so and fails.
  assert.match(r.stdout, /✗ Helper endpoints: 0 of 0 endpoint\(s\) ready behind Service uimgacc\/uimgacc\n {4}fix: kubectl -n uimgacc get pods,endpointslices/);
  assert.equal(r.code, 1);
  const json = JSON.parse((await doctor(['-o', 'json'])).stdout) as { healthy: boolean; checks: { name: string; status: string }[] };
  assert.equal(json.healthy, false);
  assert.ok(json.checks.some((c) => c.name === 'Webhook caBundle' && c.status === 'ok'));
  // Two ready helper Pods behind the Service (written by hand: no controller manager here): everything is fine.
  await k(['-n', 'uimgacc', 'create', '-f', '-'], JSON.stringify({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'uimgacc-manual', labels: { 'kubernetes.io/service-name': 'uimgacc' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.2'], conditions: { ready: true } }, { addresses: ['10.0.0.3'], conditions: { ready: false } }],
    ports: [{ name: 'https', port: 8443, protocol: 'TCP' }],
  }));
  const healthy = await doctor();
  assert.match(healthy.stdout, /✓ Helper endpoints: 2 of 3 endpoint\(s\) ready behind Service uimgacc\/uimgacc/);
  assert.doesNotMatch(healthy.stdout, /^[✗!]/m, healthy.stdout);
  assert.equal(healthy.code, 0, 'no failed check: exit 0');
  // A caBundle that does not sign the serving certificate (e.g. the Secret was replaced by hand) is flagged.
  const other = makeServingCert();
  await k(['patch', 'mutatingwebhookconfiguration', 'uimgacc', '--type=json', '-p', JSON.stringify([0, 1].map((i) => ({ op: 'replace', path: `/webhooks/${i}/clientConfig/caBundle`, value: other.caBundle })))]);
  const mismatch = await doctor();
  assert.match(mismatch.stdout, /✗ Webhook caBundle: does not sign the serving certificate\n {4}fix: the helper replaces a mismatched certificate/);
  assert.equal(mismatch.code, 1);
  // A webhook that fails closed is flagged.
  await k(['patch', 'mutatingwebhookconfiguration', 'uimgacc', '--type=json', '-p', '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Fail"}]']);
  assert.match((await doctor()).stdout, /✗ Webhook failure policy: pods.uimgacc.ucloud.cn: failurePolicy Fail\n {4}fix: set webhook.failurePolicy=Ignore/);
});

test('a webhook that calls the helper by URL: doctor asks the helper itself, and says when it is missing', async () => {
  await k(['delete', 'mutatingwebhookconfiguration', 'uimgacc']);
  const tls = makeServingCert();
  // Stands in for the helper's /readyz; answers until closed.
  const server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
    res.writeHead(req.url === '/readyz' ? 200 : 404).end(req.url === '/readyz' ? 'ok: 3 Ready target images\nmore detail\n' : '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const hook = { name: 'pods.uimgacc.ucloud.cn', admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Ignore', clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: tls.caBundle }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] };
  await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'uimgacc-url' }, webhooks: [hook] }));
  const up = await doctor();
  assert.match(up.stdout, /✓ Webhook caBundle: valid CA until /);
  assert.match(up.stdout, new RegExp(`✓ Helper endpoints: the helper at https://127\\.0\\.0\\.1:${port} is ready \\(ok: 3 Ready target images\\)\\n`));
  await new Promise<void>((r) => server.close(() => r()));
  const down = await doctor();
  assert.match(down.stdout, new RegExp(`✗ Helper endpoints: the helper is missing: https://127\\.0\\.0\\.1:${port}/mutate does not answer \\(.*ECONNREFUSED.*\\); while it is down, Pods are admitted without the affinity and without the rewrite \\(fail-open\\)\\n {4}fix: start the helper`));
  assert.equal(down.code, 1);
});

const ZH = { LANG: 'zh_CN.UTF-8' };
/** Chinese characters: a line of human output in Chinese has some (names, IDs and commands stay as they are). */
const HAN = /\p{Script=Han}/u;

test('doctor in Simplified Chinese: every check and fix line is Chinese; -o json|yaml are the same bytes in both languages', async () => {
  const zh = await doctor([], ZH);
  const lines = zh.stdout.trimEnd().split('\n');
  assert.ok(lines.length >= 10, zh.stdout);
  for (const line of lines) {
    assert.match(line, /^([✓!✗] \S[^：]*：| {4}修复：)/, `a check or fix line: ${line}`);
    assert.match(line, HAN, `Chinese: ${line}`);
  }
  assert.match(zh.stdout, /^✓ Kubernetes：可以访问，v1\.36/m);
  assert.match(zh.stdout, /^✓ UCloud 配置：集群 uk8s-doctor001（来源：环境变量 UCLOUD_UK8S_CLUSTER_ID），地域 cn-bj2（来源：环境变量 UCLOUD_REGION），API 地址 http:\/\/127\.0\.0\.1:\d+（来源：环境变量 UCLOUD_API_BASE_URL），公钥和私钥来源：环境变量 UCLOUD_PUBLIC_KEY$/m);
  assert.match(zh.stdout, /^✓ 集群身份：当前上下文的集群是 uk8s-doctor001（来源：kubeconfig 上下文“test”）$/m);
  assert.match(zh.stdout, /^✓ 已加速节点：1 个节点中有 1 个 Ready 且已加速（1 个 Ready 节点带有 node\.uk8s\.ucloud\.cn\/image_accel）$/m);
  // A certificate's date without English month names.
  assert.match(zh.stdout, /^✓ webhook CA（clientConfig\.caBundle）：CA 有效期至 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
  assert.match(zh.stdout, /^! 助手 webhook：MutatingWebhookConfiguration uimgacc-url（pods\.uimgacc\.ucloud\.cn）\n {4}修复：缺少 rewrite\.pods\.uimgacc\.ucloud\.cn/m);
  assert.match(zh.stdout, /^✗ 助手端点：助手缺失：https:\/\/127\.0\.0\.1:\d+\/mutate 没有响应（.*）；.*（故障时放行）\n {4}修复：请启动助手/m);
  assert.equal(zh.code, 1);
  const en = await doctor();
  assert.equal(en.code, zh.code, 'the exit code does not depend on the language');
  for (const format of ['json', 'yaml']) {
    const [a, b] = await Promise.all([doctor(['-o', format]), doctor(['-o', format], ZH)]);
    assert.equal(b.stdout, a.stdout, `-o ${format} is the same in both languages`);
    assert.equal(b.code, a.code);
    assert.doesNotMatch(b.stdout, HAN);
  }
  const report = JSON.parse((await doctor(['-o', 'json'], ZH)).stdout) as { checks: { name: string; status: string; detail: string; fix?: string }[] };
  assert.deepEqual(report.checks.find((c) => c.name === 'Helper webhook'), {
    name: 'Helper webhook',
    status: 'warn',
    detail: 'MutatingWebhookConfiguration uimgacc-url (pods.uimgacc.ucloud.cn)',
    fix: 'rewrite.pods.uimgacc.ucloud.cn is missing: namespaces labelled uimgacc.ucloud.cn/rewrite=enabled are not rewritten; helm upgrade the chart',
  });
  // A configuration that cannot be resolved, and a context on another cluster: said in Chinese, with what to do.
  const unresolved = { UCLOUD_PUBLIC_KEY: 'doc-pub', UCLOUD_PRIVATE_KEY: 'doc-priv', UCLOUD_API_BASE_URL: sim.url, UCLOUD_REGION: 'cn-bj2' };
  const missing = await runCli(['doctor', '--kubeconfig', cp.kubeconfigPath], { ...ZH, ...unresolved });
  assert.match(missing.stdout, /^✗ UCloud 配置：无法确定要使用哪个 UK8S 集群：.*；注意：ConfigMap kube-system\/uk8sconfig 不存在.*\n {4}修复：请运行 `kubectl uimgacc configure`/m);
  // The report quotes the resolver's error and its notes: in English whatever the language.
  const reports = await Promise.all([unresolved, { ...ZH, ...unresolved }].map((env) => runCli(['doctor', '--kubeconfig', cp.kubeconfigPath, '-o', 'json'], env)));
  assert.equal(reports[1]?.stdout, reports[0]?.stdout);
  assert.match(reports[1]?.stdout ?? '', /"detail": "cannot tell which UK8S cluster to use: .*; note: ConfigMap kube-system\/uk8sconfig does not exist/);
  const other = await doctor([], { ...ZH, UCLOUD_UK8S_CLUSTER_ID: 'uk8s-doctor002' });
  assert.match(
    other.stdout,
    /^✗ 集群身份：当前上下文的 Kubernetes 集群是 uk8s-doctor001（来源：kubeconfig 上下文“test”），而 UCloud 集群是 uk8s-doctor002（来源：环境变量 UCLOUD_UK8S_CLUSTER_ID）\n {4}修复：要操作 uk8s-doctor002，请切换到它的上下文.*；要操作 uk8s-doctor001，请取消设置 UCLOUD_UK8S_CLUSTER_ID（或将其设为 uk8s-doctor001）$/m,
  );
});

test("doctor's marks are coloured on a terminal (FORCE_COLOR), never with NO_COLOR or in a pipe; the mark is always there", async () => {
  const ESC = '\u001b';
  const painted = (code: number, mark: string): string => `${ESC}[${code}m${mark}${ESC}[39m`;
  const unpainted = (text: string): string => [32, 33, 31, 39].reduce((s, code) => s.split(`${ESC}[${code}m`).join(''), text);
  const forced = await doctor([], { FORCE_COLOR: '1' });
  assert.ok(forced.stdout.startsWith(`${painted(32, '✓')} Kubernetes: reachable`), forced.stdout);
  assert.ok(forced.stdout.includes(`\n${painted(33, '!')} Helper webhook: `), forced.stdout);
  assert.ok(forced.stdout.includes(`\n${painted(31, '✗')} Helper endpoints: `), forced.stdout);
  // Only the mark: the words of a check are written as they are.
  assert.equal(unpainted(forced.stdout), (await doctor()).stdout);
  const forcedZh = await doctor([], { ...ZH, FORCE_COLOR: '1' });
  assert.ok(forcedZh.stdout.startsWith(`${painted(32, '✓')} Kubernetes：可以访问`), forcedZh.stdout);
  for (const env of [{}, { NO_COLOR: '1' }, ZH] as Record<string, string>[]) {
    const plain = await doctor([], env);
    assert.ok(!plain.stdout.includes(ESC), JSON.stringify(env));
    assert.match(plain.stdout, /^✓ /m);
  }
  // Machine output is never coloured.
  assert.ok(!(await doctor(['-o', 'json'], { FORCE_COLOR: '1' })).stdout.includes(ESC));
});
