// create, delete and disable in Simplified Chinese (LANG=zh_CN.UTF-8), as a real process against the real apiserver
// and the UCloud simulator: refusals still say why and how to go on, progress and results are Chinese, and what a
// script reads (-o json, exit codes) is byte for byte what English gives.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { kubeconfigYaml } from '../controlplane/controlplane.ts';
import { sharedControlPlane, kubectlAdmin, uniqueNamespace } from '../controlplane/shared.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { kubeconfigRecording, runCli, type CliResult, ucloudEnv } from '../helpers/cli.ts';

const CLUSTER = 'uk8s-zhop0001';
const PUBLIC = 'zhop-public';
const PRIVATE = 'zhop-private-key';
const REPO = `uhub.service.ucloud.cn/zh-${randomBytes(3).toString('hex')}`;
const img = (name: string): { OriginalImage: string; TargetImage: string } => ({ OriginalImage: `${REPO}/${name}:1`, TargetImage: `${REPO}/${name}:1-acc` });
const USED = img('used');
const FREE = img('free');
const NEW = img('new');

const ZH = { LANG: 'zh_CN.UTF-8' };
const EN = { LANG: 'en_US.UTF-8' };

let sim: Simulator;
let kubeconfig: string;
let ns: string;

async function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runCli([...args, '--poll-interval=50ms', '--cluster-id', CLUSTER, '--region', 'cn-bj2'], { ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, kubeconfig }), ...env });
}

const mutations = (): string[] => sim.requests().filter((q) => /^(Create|Delete)UK8SImageAccelerate|^DisableUK8SImageAccelerate/.test(q.action)).map((q) => q.action);

/**
 * English words left in a Chinese line once what stays English by design is taken out: image references, the cluster
 * ID, commands and flags, Kubernetes kinds, status values and product names.
 */
function englishWords(line: string): string[] {
  const kept = line
    .replace(new RegExp(`${REPO.replace(/[.]/g, '\\.')}/[\\w.:@-]+`, 'g'), '')
    .replaceAll(CLUSTER, '')
    .replace(/`[^`]*`/g, '')
    .replace(/--?[a-z][a-z-]*/g, '')
    .replace(/\d+(\.\d+)?[KMGT]?i?B\b/g, '')
    .replace(/\b(Pod|Pods|Ready|Creating|Deleting|UCloud|IO)\b/g, '');
  return kept.match(/[A-Za-z]{2,}/g) ?? [];
}

before(async () => {
  const cp = await sharedControlPlane();
  kubeconfig = kubeconfigRecording(cp.kubeconfigPath, CLUSTER);
  sim = await startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [USED, FREE] }],
    createDelayMs: 100,
    deleteDelayMs: 100,
    disableDelayMs: 100,
  });
  ns = await uniqueNamespace('zh-op');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user' }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: USED.TargetImage }] } };
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], JSON.stringify(pod));
});

after(async () => {
  await sim.close();
});

test('a refused delete (exit 3) says in Chinese why, and how to go on: unpatch, who-uses, or --force and its IO errors', async () => {
  sim.clearRequests();
  const r = await cli(['delete', USED.OriginalImage], ZH);
  assert.equal(r.code, 3, r.stderr);
  const [first = ''] = r.stderr.split('\n');
  assert.equal(first, `错误：拒绝删除 ${USED.OriginalImage} 的镜像加速：1 个容器正在使用目标镜像：1 个在 Pod 中`);
  // The table names the Pod; the hint is the last line.
  assert.match(r.stderr, new RegExp(`\\n${ns}\\s+Pod\\s+user\\s+main\\s`));
  const hint = r.stderr.trimEnd().split('\n').at(-1) ?? '';
  assert.match(hint, /^提示：/);
  for (const how of ['kubectl uimgacc unpatch', 'kubectl uimgacc who-uses', '--force', 'IO 错误', '目标镜像']) assert.ok(hint.includes(how), `${how} in ${hint}`);
  assert.deepEqual(englishWords(first), [], first);
  assert.deepEqual(englishWords(hint), [], hint);
  assert.deepEqual(mutations(), []);
});

test('delete --dry-run: the refusal in Chinese with exit 3; -o json byte-identical to English, its reason in English', async () => {
  const dry = await cli(['delete', USED.OriginalImage, '--dry-run'], ZH);
  assert.equal(dry.code, 3, dry.stderr);
  assert.equal(dry.stdout, `删除 ${USED.OriginalImage}（目标镜像 ${USED.TargetImage}）的镜像加速将被拒绝：1 个容器正在使用目标镜像：1 个在 Pod 中（试运行）\n`);
  const zh = await cli(['delete', USED.OriginalImage, '--dry-run', '-o', 'json'], ZH);
  const en = await cli(['delete', USED.OriginalImage, '--dry-run', '-o', 'json'], EN);
  assert.equal(zh.code, 3);
  assert.equal(en.code, 3);
  assert.equal(zh.stdout, en.stdout);
  assert.equal((JSON.parse(zh.stdout) as { refused: string }).refused, '1 container uses the target image: 1 in a Pod');
  // One that would proceed: the object it would leave, the same in both languages.
  const freeZh = await cli(['delete', FREE.OriginalImage, '--dry-run', '-o', 'json'], ZH);
  const freeEn = await cli(['delete', FREE.OriginalImage, '--dry-run', '-o', 'json'], EN);
  assert.equal(freeZh.code, 0, freeZh.stderr);
  assert.equal(freeZh.stdout, freeEn.stdout);
  const freeText = await cli(['delete', FREE.OriginalImage, '--dry-run'], ZH);
  assert.equal(freeText.stdout, `可以删除 ${FREE.OriginalImage}（目标镜像 ${FREE.TargetImage}）的镜像加速：没有任何资源在使用目标镜像（试运行）\n`);
  // Colour on request (a terminal, or FORCE_COLOR): the verdict green, the words unchanged; never in -o json.
  const coloured = await cli(['delete', FREE.OriginalImage, '--dry-run'], { ...ZH, FORCE_COLOR: '1' });
  assert.equal(coloured.stdout, `\u001b[32m${freeText.stdout.trimEnd()}\u001b[39m\n`);
  const colouredJson = await cli(['delete', FREE.OriginalImage, '--dry-run', '-o', 'json'], { ...ZH, FORCE_COLOR: '1' });
  assert.equal(colouredJson.stdout, freeEn.stdout);
  assert.deepEqual(mutations(), []);
});

test('create in Chinese: progress on stderr, the result and the next step on stdout; -o json as in English', async () => {
  const r = await cli(['create', NEW.OriginalImage], ZH);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^正在为 ${NEW.OriginalImage} 创建目标镜像 ${NEW.TargetImage}\\n`));
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', new RegExp(`^${NEW.OriginalImage} 的镜像加速已 Ready：请使用 ${NEW.TargetImage}（[0-9.]+[KMGT]?i?B，\\d+ 层）$`));
  assert.equal(lines[1], '下一步：运行 `kubectl uimgacc patch deploy/NAME` 将工作负载切换到目标镜像');
  for (const line of lines) assert.deepEqual(englishWords(line), [], line);

  // The same create again, in each language, from the same starting point: the same JSON.
  const del = await cli(['delete', NEW.OriginalImage], ZH);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.stdout, `${NEW.OriginalImage} 的镜像加速已删除（${NEW.TargetImage} 已不存在）\n`);
  const zh = await cli(['create', NEW.OriginalImage, '-o', 'json'], ZH);
  assert.equal(zh.code, 0, zh.stderr);
  assert.equal((await cli(['delete', NEW.OriginalImage], EN)).code, 0);
  const en = await cli(['create', NEW.OriginalImage, '-o', 'json'], EN);
  assert.equal(en.code, 0, en.stderr);
  assert.equal(zh.stdout, en.stdout);
  assert.equal((JSON.parse(zh.stdout) as { status: string }).status, 'Ready');
});

test('create refusals in Chinese keep their hint; a dry run says what it would do', async () => {
  const again = await cli(['create', FREE.OriginalImage], ZH);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `错误：${FREE.OriginalImage} 已加速，目标镜像为 ${FREE.TargetImage}\n提示：如需重新创建，请先运行 \`kubectl uimgacc delete ${FREE.OriginalImage}\` 删除\n`);
  const dry = await cli(['create', img('other').OriginalImage, '--dry-run'], ZH);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stdout, `将为 ${img('other').OriginalImage} 创建目标镜像 ${img('other').TargetImage}（试运行）\n`);
  const bad = await cli(['create'], ZH);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^错误：请指定要加速的镜像：IMAGE \.\.\.、-f FILE 或 --from TYPE\/NAME\n/);
});

test('disable: a dry run refused in Chinese (exit 3), the same -o json as English; --force warns in Chinese and disables', async () => {
  const dry = await cli(['disable', '--dry-run'], ZH);
  assert.equal(dry.code, 3, dry.stderr);
  assert.match(dry.stdout, new RegExp(`^关闭集群 ${CLUSTER} 的镜像加速将被拒绝：1 个容器正在使用目标镜像：1 个在 Pod 中（试运行）\\n$`));
  assert.match(dry.stderr, /提示：.*kubectl uimgacc unpatch.*--force.*IO 错误/);
  const zh = await cli(['disable', '--dry-run', '-o', 'json'], ZH);
  const en = await cli(['disable', '--dry-run', '-o', 'json'], EN);
  assert.equal(zh.code, 3);
  assert.equal(zh.stdout, en.stdout);
  const r = await cli(['disable', '--force'], ZH);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /警告：1 个容器正在使用目标镜像：1 个在 Pod 中\n/);
  assert.match(r.stderr, /警告：仍然关闭（--force）：仍在使用目标镜像的 Pod 将出现 IO 错误\n/);
  assert.match(r.stderr, new RegExp(`正在关闭集群 ${CLUSTER} 的镜像加速\\n`));
  assert.equal(r.stdout, `集群 ${CLUSTER} 的镜像加速已关闭\n`);
  assert.equal(sim.cluster(CLUSTER).Enable, false);
  const already = await cli(['disable'], ZH);
  assert.equal(already.stdout, `集群 ${CLUSTER} 已关闭镜像加速\n`);
});

test('enable in Chinese: what is missing, the dry run, progress and the result with its note about nodes', async () => {
  sim.setCluster(CLUSTER, { Enable: false, NfsReady: false, AgentReady: false, Status: 'Ready', Images: [] });
  const missing = await cli(['enable', '--subnet-id', 'subnet-zh'], { ...ZH, NFS_ADDR: '', UHUB_USERNAME: '' });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^错误：开启镜像加速需要 --nfs-addr（或 NFS_ADDR）、--uhub-username（或 UHUB_USERNAME）、UHUB_PASSWORD（环境变量，或用 `kubectl uimgacc configure` 保存）\n/);
  const flags = ['enable', '--nfs-addr', '10.9.0.10', '--subnet-id', 'subnet-zh', '--uhub-username', 'u'];
  const dry = await cli([...flags, '--dry-run'], { ...ZH, UHUB_PASSWORD: 'pw' });
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stdout, `将在集群 ${CLUSTER} 上开启镜像加速，NFS 为 10.9.0.10，位于 subnet-zh（试运行）\n`);
  const zhJson = await cli([...flags, '--dry-run', '-o', 'json'], { ...ZH, UHUB_PASSWORD: 'pw' });
  const enJson = await cli([...flags, '--dry-run', '-o', 'json'], { ...EN, UHUB_PASSWORD: 'pw' });
  assert.equal(zhJson.stdout, enJson.stdout);
  const r = await cli(flags, { ...ZH, UHUB_PASSWORD: 'pw' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^正在集群 ${CLUSTER} 上开启镜像加速\\n`));
  assert.equal(r.stdout, `集群 ${CLUSTER} 已开启镜像加速：NFS 就绪，agent 就绪\n注意：只有从现在起新加入的节点才会带有镜像加速标签；目标镜像只在这些节点上运行\n`);
  assert.ok(!r.stderr.includes('pw') && !r.stdout.includes('pw'), 'the UHub password is never printed');
});

test('disable while the image list is hidden: could not verify (exit 5) in Chinese, the refused reason in English in -o json', async () => {
  sim.setCluster(CLUSTER, { Enable: true, NfsReady: true, AgentReady: false, Status: 'Ready', Images: [USED] });
  const r = await cli(['disable', '--no-wait'], ZH);
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, new RegExp(`^错误：拒绝关闭集群 ${CLUSTER} 的镜像加速：暂时无法获知已加速的镜像（镜像加速 agent 未就绪：.*），因此无法检查谁在使用它们\\n提示：.*--force\\n$`));
  const zh = await cli(['disable', '--no-wait', '-o', 'json'], ZH);
  const en = await cli(['disable', '--no-wait', '-o', 'json'], EN);
  assert.equal(zh.code, 5);
  assert.equal(zh.stdout, en.stdout);
  assert.match((JSON.parse(zh.stdout) as { refused: string }).refused, /^the accelerated images are not known right now \(the acceleration agent is not ready: /);
  assert.equal(sim.cluster(CLUSTER).Enable, true);
});

test('an in-use check that cannot read the cluster: could not verify (exit 5), the reason in Chinese, in English in -o json', async () => {
  sim.setCluster(CLUSTER, { Enable: true, NfsReady: true, AgentReady: true, Status: 'Ready', Images: [USED, FREE] });
  const cp = await sharedControlPlane();
  // Nothing listens on port 1: every list fails to connect (a refused list is "unseen" instead, tested elsewhere).
  const unreachable = kubeconfigRecording(kubeconfigYaml({ server: 'https://127.0.0.1:1', caData: cp.caData }, 'nobody', 'token'), CLUSTER);
  const env = (lang: Record<string, string>): Record<string, string> => ({ ...lang, KUBECONFIG: unreachable });
  const r = await cli(['delete', FREE.OriginalImage, '--dry-run'], env(ZH));
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stdout, /将被拒绝：在用检查无法读取集群：到服务器 127\.0\.0\.1:1 的连接被拒绝/);
  assert.match(r.stderr, /^提示：请修正集群访问（--kubeconfig、--context），或在确定没有任何资源使用该镜像时使用 --force\n$/);
  const zh = await cli(['delete', FREE.OriginalImage, '--dry-run', '-o', 'json'], env(ZH));
  const en = await cli(['delete', FREE.OriginalImage, '--dry-run', '-o', 'json'], env(EN));
  assert.equal(zh.code, 5);
  assert.equal(zh.stdout, en.stdout);
  const report = JSON.parse(zh.stdout) as { refused: string; unseen: { reason: string }[] };
  assert.match(report.refused, /^the in-use check could not read the cluster: .*127\.0\.0\.1:1/);
  assert.ok(report.unseen.length > 0 && report.unseen.every((u) => report.refused.endsWith(u.reason)), zh.stdout);
});

test('create --no-wait, a wait cut short by --timeout, and a queued dry run, in Chinese', async () => {
  const slow = img('slow');
  const queued = img('queued');
  sim.setCluster(CLUSTER, { Enable: true, NfsReady: true, AgentReady: true, Status: 'Ready', Images: [USED, FREE] });
  // Creating until the test ends it: the timeout is the only way out, however slow the machine.
  sim.addFault({ kind: 'hold-operation', operation: 'create', image: slow.OriginalImage });
  const r = await cli(['create', slow.OriginalImage, '--timeout=5s'], ZH);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, new RegExp(`错误：等待为 ${slow.OriginalImage} 创建目标镜像超时（已等待 [^）]+）（状态 Creating）\\n提示：该操作仍可能完成；请运行 \`kubectl uimgacc status\` 查看\\n$`));
  // While it is Creating: a dry run says it would wait, and for what; --no-wait is refused as another operation runs.
  const dry = await cli(['create', queued.OriginalImage, '--dry-run'], ZH);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stdout, `将在等待集群 ${CLUSTER} 上正在进行的创建操作结束（UCloud 一次只运行一个操作）后，为 ${queued.OriginalImage} 创建目标镜像 ${queued.TargetImage}（试运行）\n`);
  const busy = await cli(['create', queued.OriginalImage, '--no-wait'], ZH);
  assert.equal(busy.code, 1);
  assert.equal(busy.stderr, `错误：集群 ${CLUSTER} 上有另一个操作正在进行（状态 Creating）；UCloud 一次只运行一个操作\n提示：运行 \`kubectl uimgacc status --watch\` 等待其结束，然后重试\n`);
  sim.setCluster(CLUSTER, { Status: 'Ready', Images: [USED, FREE, slow] });
  const started = await cli(['create', queued.OriginalImage, '--no-wait'], ZH);
  assert.equal(started.code, 0, started.stderr);
  assert.equal(started.stdout, `已开始为 ${queued.OriginalImage} 创建目标镜像 ${queued.TargetImage}（状态 Creating）；运行 \`kubectl uimgacc status --watch\` 跟踪进度\n`);
});

test('--help of create, delete, enable and disable is Chinese', async () => {
  for (const [command, text] of [
    ['create', '从 FILE 读取镜像'],
    ['delete', '使用它的 Pod 会出现 IO 错误'],
    ['enable', 'NFS 挂载所用的子网'],
    ['disable', '也执行关闭'],
  ] as const) {
    const r = await runCli([command, '--help'], ZH);
    assert.equal(r.code, 0, r.stderr);
    // yargs wraps long descriptions wherever the terminal width ends.
    assert.ok(r.stdout.replace(/\s+/g, '').includes(text.replace(/\s+/g, '')), `${command} --help: ${r.stdout}`);
  }
});
