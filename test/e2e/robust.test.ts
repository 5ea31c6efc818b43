// CLI robustness as a real process against the real apiserver and the UCloud simulator: kubectl's connection and
// identity flags (impersonation included), connection errors, hostile and odd input, bounded waits and calls,
// interruption, and machine output in every mode.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import * as yaml from 'js-yaml';
import { kubeconfigYaml, type ControlPlaneInfo } from '../controlplane/controlplane.ts';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { COMPLETE_CLI, kubeconfigRecording, runCli, type CliResult, ucloudEnv } from '../helpers/cli.ts';

const CLUSTER = 'uk8s-robust001';
const PUBLIC = 'robust-public';
const PRIVATE = 'robust-private-key';
const REPO = `uhub.service.ucloud.cn/robust-${randomBytes(3).toString('hex')}`;
const APP = `${REPO}/app:v1`;
const APP_ACC = `${APP}-acc`;
// A second cluster whose UCloud answers are hostile or merely odd.
const HOSTILE = 'uk8s-hostile01';
const EVIL = `${REPO}/evil:v1\u001b]0;pwned\u0007`;
const EVIL_ACC = `${REPO}/evil:v1-acc\u001b[2J\r\u009b2J\u202e`;
const EVIL_ERROR = 'pull failed\u001b[31m red\u0007\r\nfake line';
// Upper case: our grammar rejects it, an older API may have stored it.
const LEGACY = `${REPO}/Legacy:v1`;
const LEGACY_ACC = `${REPO}/Legacy:v1-acc`;
/** What must never reach a terminal raw: C0 controls but newline and tab, DEL, C1 controls. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let sim: Simulator;
let cp: ControlPlaneInfo;
let ns: string;
let dir: string;
let caFile: string;

const recorded = new Map<string, string>();

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  // The context records the cluster the command acts on, as `configure` does: delete and disable refuse a context
  // whose cluster cannot be told (see identity.test.ts); an env KUBECONFIG still wins.
  const clusterId = env['UCLOUD_UK8S_CLUSTER_ID'] ?? CLUSTER;
  if (!recorded.has(clusterId)) recorded.set(clusterId, kubeconfigRecording(cp.kubeconfigPath, clusterId));
  const kubeconfig = recorded.get(clusterId) as string;
  return runCli([...args, '--poll-interval=40ms'], { ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, clusterId: CLUSTER, kubeconfig }), ...env });
}

/** No kubeconfig at all: everything comes from flags, as `kubectl --server … --token …` allows. */
const NO_KUBECONFIG = { KUBECONFIG: '/nonexistent-uimgacc-kubeconfig' };

before(async () => {
  cp = await sharedControlPlane();
  dir = mkdtempSync(join(tmpdir(), 'uimgacc-robust-'));
  caFile = join(dir, 'ca.crt');
  writeFileSync(caFile, Buffer.from(cp.caData, 'base64'));
  sim = await startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE }],
    clusters: [
      { clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: APP, TargetImage: APP_ACC }] },
      {
        clusterId: HOSTILE, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Status: 'CreateError', Error: EVIL_ERROR,
        Images: [{ OriginalImage: EVIL, TargetImage: EVIL_ACC }, { OriginalImage: LEGACY, TargetImage: LEGACY_ACC }],
      },
    ],
  });
  ns = await uniqueNamespace('robust');
  const pod = (name: string, image: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image }] } });
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], [pod('user', APP_ACC), pod('legacy-user', LEGACY_ACC)].join('\n'));
});

after(async () => {
  await sim.close();
});

test('--server, --token and --certificate-authority work without any kubeconfig; so does --insecure-skip-tls-verify', async () => {
  const r = await cli(['who-uses', APP, '--server', cp.server, '--token', cp.adminToken, '--certificate-authority', caFile], NO_KUBECONFIG);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`${ns}\\s+Pod\\s+user\\s+main`));
  const insecure = await cli(['who-uses', APP, '-s', cp.server, '--token', cp.adminToken, '--insecure-skip-tls-verify'], NO_KUBECONFIG);
  assert.equal(insecure.code, 0, insecure.stderr);
  const both = await cli(['who-uses', APP, '-s', cp.server, '--token', cp.adminToken, '--insecure-skip-tls-verify', '--certificate-authority', caFile], NO_KUBECONFIG);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /^error: specifying a root certificates file with the insecure flag is not allowed/);
  // The token is a secret: never printed, whatever happens.
  for (const out of [r, insecure, both]) assert.ok(!(out.stdout + out.stderr).includes(cp.adminToken));
});

test('--tls-server-name checks the certificate against that name', async () => {
  const ok = await cli(['who-uses', APP, '--tls-server-name', 'kubernetes.default', '--certificate-authority', caFile]);
  assert.equal(ok.code, 0, ok.stderr);
  const wrong = await cli(['who-uses', APP, '--tls-server-name', 'wrong.example', '--certificate-authority', caFile]);
  assert.equal(wrong.code, 5, wrong.stderr);
  assert.match(wrong.stderr, /Warning: the cluster could not be read: Unable to connect to the server: 127\.0\.0\.1:\d+: .*wrong\.example/);
});

test('--as impersonates for the in-use scan and for patch; --as-group is sent once per group; --as-uid needs --as', async () => {
  const asBob = await cli(['who-uses', APP, '--as', 'bob']);
  assert.equal(asBob.code, 5, asBob.stderr);
  assert.match(asBob.stderr, /User "bob" cannot list resource "pods"/);
  // Two groups, one of them system:masters: only separate header lines make bob a master.
  const masters = await cli(['who-uses', APP, '--as', 'bob', '--as-group', 'tester', '--as-group', 'system:masters', '--as-uid', 'bob-uid']);
  assert.equal(masters.code, 0, masters.stderr);
  assert.match(masters.stdout, /Pod\s+user/);
  const del = await cli(['delete', APP, '--dry-run', '--as', 'bob']);
  assert.equal(del.code, 5, del.stderr);
  const patch = await cli(['patch', 'deploy/anything', '-n', ns, '--as', 'bob']);
  assert.equal(patch.code, 1);
  assert.match(patch.stderr, /Error from server \(Forbidden\): deployments\.apps "anything" is forbidden: User "bob" cannot get resource "deployments"/);
  const uidOnly = await cli(['who-uses', APP, '--as-uid', 'x']);
  assert.equal(uidOnly.code, 1);
  assert.match(uidOnly.stderr, /^error: requesting uid or groups without impersonating a user is not allowed/);
});

test('--user and --cluster pick kubeconfig entries; connection errors name the server like kubectl', async () => {
  const file = join(dir, 'two');
  const admin = yaml.load(kubeconfigYaml(cp, 'admin', cp.adminToken)) as { clusters: object[]; users: object[] };
  admin.clusters.push({ name: 'down', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority-data': cp.caData } });
  admin.users.push({ name: 'bob', user: { token: cp.users['bob'] } });
  writeFileSync(file, yaml.dump(admin));
  const bob = await cli(['who-uses', APP, '--user', 'bob'], { KUBECONFIG: file });
  assert.equal(bob.code, 5, bob.stderr);
  assert.match(bob.stderr, /User "bob" cannot list/);
  const down = await cli(['who-uses', APP, '--cluster', 'down'], { KUBECONFIG: file });
  assert.equal(down.code, 5, down.stderr);
  assert.match(down.stderr, /The connection to the server 127\.0\.0\.1:1 was refused - did you specify the right host or port\?/);
  assert.doesNotMatch(down.stderr, /the server the server/);
  const patch = await cli(['patch', 'deploy/x', '-n', ns, '--server', 'https://127.0.0.1:1']);
  assert.equal(patch.code, 1);
  assert.match(patch.stderr, /^The connection to the server 127\.0\.0\.1:1 was refused/m);
});

test('control characters from UCloud and the cluster never reach the terminal raw: tables, names, errors, progress, completion', async () => {
  const env = { UCLOUD_UK8S_CLUSTER_ID: HOSTILE };
  const runs: [string, CliResult][] = [];
  for (const args of [['status'], ['list'], ['list', '-o', 'wide'], ['list', '-o', 'name'], ['who-uses'], ['who-uses', '-o', 'wide'], ['disable', '--dry-run'], ['delete', APP_ACC]]) {
    runs.push([args.join(' '), await cli(args, env)]);
  }
  for (const [what, r] of runs) {
    assert.doesNotMatch(r.stdout, RAW_CONTROL, `${what}: stdout ${JSON.stringify(r.stdout)}`);
    assert.doesNotMatch(r.stderr, RAW_CONTROL, `${what}: stderr ${JSON.stringify(r.stderr)}`);
  }
  const [, status] = runs[0] as [string, CliResult];
  // Shown, escaped visibly, on one line: the newline in UCloud's text does not forge a line of its own.
  assert.match(status.stdout, /^Error: {4}pull failed\\x1b\[31m red\\x07\\r\\nfake line$/m);
  const [, names] = runs[3] as [string, CliResult];
  assert.equal(names.stdout, `${REPO}/evil:v1\\x1b]0;pwned\\x07\n${LEGACY}\n`);
  const [, wide] = runs[2] as [string, CliResult];
  assert.match(wide.stdout, new RegExp(`^${LEGACY.replace(/[.]/g, '\\.')}\\s+${LEGACY_ACC.replace(/[.]/g, '\\.')}\\s.*\\s1$`, 'm'), 'an image our grammar rejects is listed and counted by its exact name');
  assert.match(wide.stdout, /evil:v1-acc\\x1b\[2J\\r\\u009b2J\\u202e/);
  const [, users] = runs[4] as [string, CliResult];
  assert.equal(users.code, 0, users.stderr);
  assert.match(users.stdout, /Pod\s+legacy-user\s+main\s+.*Legacy:v1-acc/);
  const [, disable] = runs[6] as [string, CliResult];
  assert.equal(disable.code, 3, `disable checks the odd image too and finds it in use: ${disable.stderr}`);
  assert.match(disable.stderr, /legacy-user/);
  // Machine output keeps the exact strings (JSON escapes them itself).
  const json = JSON.parse((await cli(['status', '-o', 'json'], env)).stdout) as { error: string; images: { originalImage: string; targetImage: string }[] };
  assert.equal(json.error, EVIL_ERROR);
  assert.deepEqual(json.images.map((i) => i.originalImage), [EVIL, LEGACY]);
  // Progress lines (not a terminal here) and the completion candidates are escaped too.
  const c = await runCli(['delete', ''], {
    ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, clusterId: HOSTILE, kubeconfig: cp.kubeconfigPath }),
    XDG_CACHE_HOME: dir,
    UIMGACC_COMPLETION_TIMEOUT_MS: '60000',
  }, { entry: COMPLETE_CLI });
  assert.equal(c.code, 0, c.stderr);
  assert.doesNotMatch(c.stdout, RAW_CONTROL);
  assert.ok(c.stdout.split('\n').includes(`${REPO}/evil:v1\\x1b]0;pwned\\x07`), c.stdout);
  assert.ok(c.stdout.split('\n').includes(LEGACY), c.stdout);
});

test('progress lines escape what UCloud says while waiting', async () => {
  const image = `${REPO}/progress:v1`;
  sim.addFault({ kind: 'hold-operation', operation: 'create', image });
  const run = cli(['create', image], { UCLOUD_UK8S_CLUSTER_ID: HOSTILE });
  while (!sim.requests().some((q) => q.action === 'CreateUK8SImageAccelerate' && q.params['OriginalImage'] === image)) await delay(20);
  // One status read fails with a hostile message, then the creation ends.
  sim.addFault({ kind: 'retcode', code: 150, message: 'busy\u001b]0;owned\u0007\r', action: 'GetUK8SImageAccelerate' });
  while (sim.pendingFaults().length > 0) await delay(20);
  sim.setCluster(HOSTILE, { Status: 'Ready', Error: '', Images: [...sim.cluster(HOSTILE).Images, { OriginalImage: image, TargetImage: `${image}-acc` }] });
  const r = await run;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, RAW_CONTROL);
  assert.match(r.stderr, /status read failed, retrying: UCloud API GetUK8SImageAccelerate failed: RetCode 150: busy\\x1b\]0;owned\\x07\\r/);
});
