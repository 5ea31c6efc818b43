// Configuration that lives in the cluster: `configure` writes the Secret and the kubeconfig context, later commands
// read them through the real apiserver, with real RBAC. (uk8sconfig is cluster-wide: identity.test.ts has its own
// control plane for it.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { kubeconfigYaml } from '../controlplane/controlplane.ts';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { runCli } from '../helpers/cli.ts';

const CLUSTER = 'uk8s-cfgtest01';
const PUBLIC = 'cfg-public';
const PRIVATE = 'cfg-private-secret-value';
let sim: Simulator;
let kubeconfig: string;
let ns: string;

before(async () => {
  const cp = await sharedControlPlane();
  sim = await startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-sh2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: 'team/a:1', TargetImage: 'team/a:1-acc' }] }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-cfg-'));
  kubeconfig = join(dir, 'config');
  copyFileSync(cp.kubeconfigPath, kubeconfig);
  ns = await uniqueNamespace('cfg');
});
after(async () => sim.close());

test('configure stores the Secret and records the cluster on the context; later commands need nothing else', async () => {
  const secret = `${ns}/creds`;
  const r = await runCli(['configure', '--kubeconfig', kubeconfig, '--credentials-secret', secret, '--cluster-id', CLUSTER, '--region', 'cn-sh2', '--uhub-username', 'pusher'], {
    UCLOUD_PUBLIC_KEY: PUBLIC,
    UCLOUD_PRIVATE_KEY: PRIVATE,
    UHUB_PASSWORD: 'uhub-secret-pw',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`secret/creds created in namespace ${ns} \\(keys: UCLOUD_PRIVATE_KEY, UCLOUD_PUBLIC_KEY, UCLOUD_REGION, UCLOUD_UK8S_CLUSTER_ID, UHUB_PASSWORD, UHUB_USERNAME\\)`));
  assert.match(r.stdout, /context "test" now records cluster uk8s-cfgtest01/);
  for (const s of [PRIVATE, 'uhub-secret-pw']) assert.ok(!(r.stdout + r.stderr).includes(s));
  const stored = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'secret', 'creds', '-o', 'json', '--show-managed-fields'])) as { data: Record<string, string>; metadata: { managedFields: { manager: string }[] } };
  assert.equal(Buffer.from(stored.data['UCLOUD_PRIVATE_KEY'] as string, 'base64').toString(), PRIVATE);
  assert.ok(stored.metadata.managedFields.some((f) => f.manager === 'kubectl-uimgacc'));
  const doc = yaml.load(readFileSync(kubeconfig, 'utf8')) as { contexts: { context: { extensions: { name: string; extension: Record<string, string> }[] } }[] };
  assert.deepEqual(doc.contexts[0]?.context.extensions[0], { name: 'uimgacc.ucloud.cn', extension: { clusterId: CLUSTER, region: 'cn-sh2' } });

  const status = await runCli(['status', '--kubeconfig', kubeconfig, '--credentials-secret', secret, '-v'], { UCLOUD_API_BASE_URL: sim.url });
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /Cluster:\s+uk8s-cfgtest01/);
  assert.match(status.stderr, /cluster ID: uk8s-cfgtest01 \(from kubeconfig context "test"\)/);
  assert.match(status.stderr, /region: cn-sh2 \(from kubeconfig context "test"\)/);
  assert.match(status.stderr, new RegExp(`private key: \\(set\\) \\(from Secret ${ns}/creds\\)`));
  assert.ok(!status.stderr.includes(PRIVATE));

  // A second configure keeps what it is not given, and a server dry run changes nothing.
  const again = await runCli(['configure', '--kubeconfig', kubeconfig, '--credentials-secret', secret, '--nfs-addr', '10.9.0.10', '--dry-run=server'], {});
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /secret\/creds configured .*NFS_ADDR.*\(server dry run\)/);
  const after = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'secret', 'creds', '-o', 'json'])) as { data: Record<string, string> };
  assert.equal(after.data['NFS_ADDR'], undefined);
});

test('the endpoint configure stored is used by later commands; --profile beats the Secret\'s key pair, and -v names the right files', async () => {
  const secret = `${ns}/endpoint`;
  const r = await runCli(['configure', '--kubeconfig', kubeconfig, '--credentials-secret', secret, '--cluster-id', CLUSTER, '--region', 'cn-sh2', '--api-endpoint', sim.url, '--record-context=false'], {
    UCLOUD_PUBLIC_KEY: PUBLIC,
    UCLOUD_PRIVATE_KEY: PRIVATE,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /keys: UCLOUD_API_BASE_URL, /);
  const env = { UCLOUD_UK8S_CLUSTER_ID: CLUSTER, UCLOUD_REGION: 'cn-sh2' };
  const status = await runCli(['status', '--kubeconfig', kubeconfig, '--credentials-secret', secret, '-v'], env);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stderr, new RegExp(`API endpoint: ${sim.url.replace(/[.]/g, '\\.')} \\(from Secret ${ns}/endpoint\\)`));
  // A ucloud-cli profile named with --profile wins over the Secret: its (unknown) key is what reaches UCloud.
  const home = mkdtempSync(join(tmpdir(), 'uimgacc-cfg-home-'));
  mkdirSync(join(home, '.ucloud'));
  writeFileSync(join(home, '.ucloud', 'config.json'), JSON.stringify([{ profile: 'other', project_id: 'org-x', base_url: sim.url }]));
  writeFileSync(join(home, '.ucloud', 'credential.json'), JSON.stringify([{ profile: 'other', public_key: 'other-public', private_key: 'other-private' }]), { mode: 0o600 });
  const profile = await runCli(['status', '--kubeconfig', kubeconfig, '--credentials-secret', secret, '--profile', 'other', '-v'], { ...env, HOME: home });
  assert.equal(profile.code, 1);
  assert.match(profile.stderr, /RetCode 172/);
  assert.match(profile.stderr, new RegExp(`public key: \\(set\\) \\(from ucloud-cli profile "other" \\(${home}/\\.ucloud/credential\\.json\\)\\)`));
  assert.match(profile.stderr, new RegExp(`project ID: org-x \\(from ucloud-cli profile "other" \\(${home}/\\.ucloud/config\\.json\\)\\)`));
});

test('the UHub password is never trimmed: stored and sent exactly as given', async () => {
  const secret = `${ns}/spaced`;
  const password = '  pass word\t ';
  const r = await runCli(['configure', '--kubeconfig', kubeconfig, '--credentials-secret', secret, '--cluster-id', CLUSTER, '--region', 'cn-sh2', '--uhub-username', ' pusher ', '--record-context=false'], {
    UCLOUD_PUBLIC_KEY: PUBLIC,
    UCLOUD_PRIVATE_KEY: PRIVATE,
    UHUB_PASSWORD: password,
  });
  assert.equal(r.code, 0, r.stderr);
  const stored = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'secret', 'spaced', '-o', 'json'])) as { data: Record<string, string> };
  assert.equal(Buffer.from(stored.data['UHUB_PASSWORD'] as string, 'base64').toString(), password);
  assert.equal(Buffer.from(stored.data['UHUB_USERNAME'] as string, 'base64').toString(), 'pusher', 'other values are trimmed');
  sim.setCluster(CLUSTER, { Enable: false, NfsReady: false, AgentReady: false });
  try {
    sim.clearRequests();
    const enable = await runCli(['enable', '--no-wait', '--kubeconfig', kubeconfig, '--credentials-secret', secret, '--nfs-addr', '10.9.0.10', '--subnet-id', 'subnet-x'], { UCLOUD_API_BASE_URL: sim.url, UCLOUD_UK8S_CLUSTER_ID: CLUSTER });
    assert.equal(enable.code, 0, enable.stderr);
    assert.equal(sim.requests().find((q) => q.action === 'EnableUK8SImageAccelerate')?.params['UHubPassword'], password);
    assert.ok(!(enable.stdout + enable.stderr + r.stdout + r.stderr).includes('pass word'));
  } finally {
    sim.setCluster(CLUSTER, { Enable: true, NfsReady: true, AgentReady: true });
  }
});

test('configure without a key pair and without a terminal fails clearly and writes nothing', async () => {
  const r = await runCli(['configure', '--kubeconfig', kubeconfig, '--credentials-secret', `${ns}/empty`, '--cluster-id', CLUSTER], {});
  assert.equal(r.code, 1);
  assert.match(r.stderr, /configure needs UCLOUD_PUBLIC_KEY and UCLOUD_PRIVATE_KEY/);
  const get = await runCli(['status', '--kubeconfig', kubeconfig, '--credentials-secret', `${ns}/empty`], { UCLOUD_API_BASE_URL: sim.url });
  assert.match(get.stderr, new RegExp(`note: Secret ${ns}/empty does not exist`));
});

test('a user who may not read the Secret is told exactly that, in kubectl\'s words', async () => {
  const cp = await sharedControlPlane();
  const file = join(mkdtempSync(join(tmpdir(), 'uimgacc-cfg-')), 'bob');
  writeFileSync(file, kubeconfigYaml(cp, 'bob', cp.users['bob'] as string));
  const r = await runCli(['status', '--kubeconfig', file, '--cluster-id', CLUSTER, '--region', 'cn-sh2', '--credentials-secret', `${ns}/creds`], { UCLOUD_API_BASE_URL: sim.url });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: no UCloud API key pair found/);
  assert.match(r.stderr, new RegExp(`note: could not read Secret ${ns}/creds: Error from server \\(Forbidden\\): secrets "creds" is forbidden: User "bob" cannot get resource "secrets" in API group "" in the namespace "${ns}"`));
});

test('an unreachable cluster reads like kubectl', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'uimgacc-cfg-')), 'down');
  // A port that was free a moment ago: nothing listens there.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  writeFileSync(file, kubeconfigYaml({ server: `https://127.0.0.1:${port}`, caData: '' }, 'x', 'y'));
  const r = await runCli(['configure', '--kubeconfig', file, '--cluster-id', CLUSTER], { UCLOUD_PUBLIC_KEY: PUBLIC, UCLOUD_PRIVATE_KEY: PRIVATE });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?\n`);
});

test('--request-timeout bounds a request to a server that never answers; a bad value is an error', async () => {
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as AddressInfo).port;
  const file = join(mkdtempSync(join(tmpdir(), 'uimgacc-cfg-')), 'silent');
  writeFileSync(file, kubeconfigYaml({ server: `https://127.0.0.1:${port}`, caData: '' }, 'x', 'y'));
  try {
    const started = Date.now();
    const r = await runCli(['who-uses', 'team/a:1', '-A', '--kubeconfig', file, '--request-timeout', '500ms'], { UCLOUD_API_BASE_URL: sim.url, UCLOUD_PUBLIC_KEY: PUBLIC, UCLOUD_PRIVATE_KEY: PRIVATE, UCLOUD_UK8S_CLUSTER_ID: CLUSTER, UCLOUD_REGION: 'cn-sh2' });
    // Exit 5: nothing could be seen, so "who uses it" is unknown.
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /Unable to connect to the server: .*request did not complete within 0.5s \(--request-timeout\)/);
    assert.ok(Date.now() - started < 15_000);
    const bad = await runCli(['status', '--request-timeout', 'soon'], {});
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid --request-timeout "soon"/);
  } finally {
    silent.close();
  }
});

test('configure in Simplified Chinese: its results, its refusals and its --help; -v says where settings came from in Chinese', async () => {
  const ZH = { LANG: 'zh_CN.UTF-8' };
  const secret = `${ns}/creds-zh`;
  const file = join(mkdtempSync(join(tmpdir(), 'uimgacc-cfg-zh-')), 'config');
  copyFileSync(kubeconfig, file);
  const dry = await runCli(['configure', '--kubeconfig', file, '--credentials-secret', secret, '--cluster-id', CLUSTER, '--region', 'cn-sh2', '--dry-run=client'], { ...ZH, UCLOUD_PUBLIC_KEY: PUBLIC, UCLOUD_PRIVATE_KEY: PRIVATE });
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(
    dry.stdout,
    `将在命名空间 ${ns} 中创建 secret/creds-zh，键：UCLOUD_PRIVATE_KEY、UCLOUD_PUBLIC_KEY、UCLOUD_REGION、UCLOUD_UK8S_CLUSTER_ID（试运行）\n上下文“test”将记录集群 ${CLUSTER}（试运行）\n`,
  );
  const r = await runCli(['configure', '--kubeconfig', file, '--credentials-secret', secret, '--cluster-id', CLUSTER, '--region', 'cn-sh2'], { ...ZH, UCLOUD_PUBLIC_KEY: PUBLIC, UCLOUD_PRIVATE_KEY: PRIVATE });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `已在命名空间 ${ns} 中创建 secret/creds-zh（键：UCLOUD_PRIVATE_KEY、UCLOUD_PUBLIC_KEY、UCLOUD_REGION、UCLOUD_UK8S_CLUSTER_ID）\n上下文“test”已记录集群 ${CLUSTER}（${file}）\n`);
  const again = await runCli(['configure', '--kubeconfig', file, '--credentials-secret', secret, '--nfs-addr', '10.9.0.10', '--dry-run=server', '--record-context=false'], ZH);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`^已在命名空间 ${ns} 中更新 secret/creds-zh（键：NFS_ADDR、.*）（服务端试运行）\n$`));
  // -o is the same in both languages.
  const args = ['configure', '--kubeconfig', file, '--credentials-secret', secret, '--dry-run=client', '-o', 'json'];
  const [en, zh] = await Promise.all([runCli(args, {}), runCli(args, ZH)]);
  assert.equal(zh.stdout, en.stdout);
  assert.match(zh.stdout, /"kind": "Configuration"/);

  const status = await runCli(['status', '--kubeconfig', file, '--credentials-secret', secret, '-v'], { ...ZH, UCLOUD_API_BASE_URL: sim.url });
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stderr, new RegExp(`集群 ID：${CLUSTER}（来源：kubeconfig 上下文“test”）`));
  assert.match(status.stderr, /API 地址：http:\/\/127\.0\.0\.1:\d+（来源：环境变量 UCLOUD_API_BASE_URL）/);
  assert.match(status.stderr, new RegExp(`私钥：（已设置）（来源：Secret ${ns}/creds-zh）`));
  assert.ok(!status.stderr.includes(PRIVATE));

  const noKeys = await runCli(['configure', '--kubeconfig', file, '--credentials-secret', `${ns}/empty-zh`, '--cluster-id', CLUSTER], ZH);
  assert.equal(noKeys.code, 1);
  assert.equal(noKeys.stderr, '错误：configure 需要 UCLOUD_PUBLIC_KEY 和 UCLOUD_PRIVATE_KEY：请在环境变量中设置（或在终端中运行，按提示输入）\n');
  const badId = await runCli(['configure', '--kubeconfig', file, '--credentials-secret', secret, '--cluster-id', 'cluster-1'], ZH);
  assert.equal(badId.code, 1);
  assert.match(badId.stderr, /^错误：集群 ID“cluster-1”无效.*：UK8S 集群 ID 形如 uk8s-xxxxxxxx\n/);

  const help = await runCli(['configure', '--help'], ZH);
  assert.equal(help.code, 0, help.stderr);
  for (const text of ['有推送权限的 UHub 用户', 'NFS 挂载点所在的子网', '在 kubeconfig 上下文中记录集群 ID、地域和项目', '密钥从不通过参数传入', '非交互式配置']) assert.ok(help.stdout.includes(text), `${text} in:\n${help.stdout}`);
});
