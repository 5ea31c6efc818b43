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
import { COMPLETE_CLI, kubeconfigRecording, runCli, startCli, type CliResult, ucloudEnv } from '../helpers/cli.ts';

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

/** Kubeconfigs whose context records the UK8S cluster (as `configure` does), so delete/disable know where they are. */
const recorded = new Map<string, string>();
function kubeconfigFor(clusterId: string): string {
  let file = recorded.get(clusterId);
  if (!file) recorded.set(clusterId, (file = kubeconfigRecording(cp.kubeconfigPath, clusterId)));
  return file;
}

function cliEnv(env: Record<string, string>): Record<string, string> {
  const clusterId = env['UCLOUD_UK8S_CLUSTER_ID'] ?? CLUSTER;
  return { ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, clusterId, kubeconfig: kubeconfigFor(clusterId) }), ...env };
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...args, '--poll-interval=40ms'], cliEnv(env));
}

/** No kubeconfig at all: everything comes from flags, as `kubectl --server … --token …` allows. */
const NO_KUBECONFIG = { KUBECONFIG: '/nonexistent-uimgacc-kubeconfig' };

/** Ends whatever a test left held or failing on the first cluster. */
function resetCluster(): void {
  sim.clearFaults();
  sim.setCluster(CLUSTER, { Enable: true, NfsReady: true, AgentReady: true, Status: 'Ready', Error: '', Images: [{ OriginalImage: APP, TargetImage: APP_ACC }] });
}

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

test('every request sends --as-group once per group: configure\'s Secret write and version\'s server lookup too', async () => {
  // alice may impersonate carol and exactly two groups; only the second grants Secrets in the namespace. A
  // comma-joined header names a third group, which alice may not impersonate.
  const writers = `${ns}-writers`;
  await kubectlAdmin(['apply', '-f', '-'], [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `${ns}-impersonate` }, rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['carol'] }, { apiGroups: [''], resources: ['groups'], verbs: ['impersonate'], resourceNames: ['tester', writers] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `${ns}-impersonate` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${ns}-impersonate` }, subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'secrets', namespace: ns }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'secrets', namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secrets' }, subjects: [{ kind: 'Group', name: writers, apiGroup: 'rbac.authorization.k8s.io' }] },
  ].map((o) => JSON.stringify(o)).join('\n'));
  const file = join(dir, 'alice');
  writeFileSync(file, kubeconfigYaml(cp, 'alice', cp.users['alice'] ?? ''));
  const as = ['--as', 'carol', '--as-group', 'tester', '--as-group', writers];
  const conf = await cli(['configure', '--cluster-id', CLUSTER, '--region', 'cn-bj2', '--dry-run=server', '--record-context=false', '--credentials-secret', `${ns}/creds`, '-o', 'name', ...as], { KUBECONFIG: file });
  assert.equal(conf.code, 0, conf.stderr);
  assert.equal(conf.stdout, 'secret/creds\n');
  const version = await cli(['version', '-o', 'json', ...as], { KUBECONFIG: file });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stderr, '');
  assert.match((JSON.parse(version.stdout) as { serverVersion?: { gitVersion: string } }).serverVersion?.gitVersion ?? '', /^v1\./);
});

test('who-uses -o name prints each Pod and workload once, spelled as kubectl -o name spells it', async () => {
  const other = await uniqueNamespace('robust-name');
  const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: APP_ACC }, { name: 'b', image: APP_ACC }] } } } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user' }, spec: { containers: [{ name: 'main', image: APP_ACC }] } };
  await kubectlAdmin(['-n', other, 'apply', '-f', '-'], [deploy, pod].map((o) => JSON.stringify(o)).join('\n'));
  try {
    const one = await cli(['who-uses', APP, '-n', other, '-o', 'name']);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(one.stdout.split('\n').sort(), ['', 'deployment.apps/web', 'pod/user']);
    // All namespaces: no namespace in the name, as `kubectl get -A -o name`; pod/user of each namespace is a line.
    const all = await cli(['who-uses', APP, '-o', 'name']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.stdout.split('\n').sort(), ['', 'deployment.apps/web', 'pod/user', 'pod/user']);
    const none = await cli(['who-uses', `${REPO}/unused:v1`, '-o', 'name']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, '');
  } finally {
    // Gone at once (no kubelet to end the Pod): later tests count the uses of APP.
    await kubectlAdmin(['-n', other, 'delete', 'deployment/web', 'pod/user', '--grace-period=0', '--force']);
  }
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
    ...cliEnv({ UCLOUD_UK8S_CLUSTER_ID: HOSTILE }),
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

test('UCloud calls are bounded: --request-timeout per attempt, with a warning before each retry', async (t) => {
  t.after(() => sim.clearFaults());
  sim.clearFaults();
  sim.addFault({ kind: 'hang', action: 'GetUK8SImageAccelerate', times: 4 });
  const r = await cli(['status', '--request-timeout', '1s']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /Warning: UCloud API GetUK8SImageAccelerate failed: no answer within 1s .*; retrying \(attempt 2 of 4\)\n/);
  assert.match(r.stderr, /retrying \(attempt 4 of 4\)\n/);
  assert.match(r.stderr, /^error: UCloud API GetUK8SImageAccelerate failed: no answer within 1s/m);
  sim.clearFaults();
});

test('UIMGACC_API_TIMEOUT bounds each call too, and 0 means no limit', async (t) => {
  t.after(() => sim.clearFaults());
  sim.clearFaults();
  sim.addFault({ kind: 'hang', action: 'GetUK8SImageAccelerate', times: 4 });
  const bounded = await cli(['status'], { UIMGACC_API_TIMEOUT: '1s' });
  assert.equal(bounded.code, 1, bounded.stderr);
  assert.match(bounded.stderr, /no answer within 1s/);
  sim.clearFaults();
  sim.addFault({ kind: 'slow', ms: 1500, action: 'GetUK8SImageAccelerate' });
  const unlimited = await cli(['status'], { UIMGACC_API_TIMEOUT: '0' });
  assert.equal(unlimited.code, 0, unlimited.stderr);
  const bad = await cli(['status'], { UIMGACC_API_TIMEOUT: 'soon' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: invalid UIMGACC_API_TIMEOUT "soon"/);
});

test('--timeout bounds the whole command, its first call included: exit 4 with what is known', async (t) => {
  t.after(resetCluster);
  sim.clearFaults();
  sim.clearRequests();
  // Without the deadline, each read would wait 30 s four times over and end with exit 1.
  sim.addFault({ kind: 'hang', action: 'GetUK8SImageAccelerate', times: 100 });
  const first = await cli(['create', `${REPO}/bounded:v1`, '--timeout', '2s']);
  assert.equal(first.code, 4, first.stderr);
  assert.match(first.stderr, /^error: --timeout 2s ran out: UCloud API GetUK8SImageAccelerate abandoned; no answer in time\n/m);
  assert.equal(sim.requests().filter((q) => q.action === 'CreateUK8SImageAccelerate').length, 0);
  sim.clearFaults();
  // A mutation sent but not answered: nobody knows whether it took effect, and the message says so.
  sim.addFault({ kind: 'hang', action: 'CreateUK8SImageAccelerate' });
  const sent = await cli(['create', `${REPO}/bounded:v1`, '--timeout', '4s', '--no-wait', '-o', 'json']);
  assert.equal(sent.code, 4, sent.stderr);
  assert.match(sent.stderr, /--timeout 4s ran out: UCloud API CreateUK8SImageAccelerate abandoned; the request may have been accepted: check `kubectl uimgacc status` before retrying/);
  sim.clearFaults();
});

test('input is validated before any call, in kubectl words', async () => {
  sim.clearRequests();
  const cases: [string[], RegExp][] = [
    [['who-uses', 'Team/App:v1'], /^error: .*repository name must be lowercase/],
    [['who-uses', ''], /^error: /],
    [['patch', 'deploy/web', '--node-label', 'bad key!'], /^error: invalid --node-label "bad key!": not a label key/],
    [['patch', 'deploy/web', '--node-label', 'node.uk8s.ucloud.cn/image_accel=false'], /^error: invalid --node-label .*value "true"/],
    [['enable', '--nfs-addr', '10.9.0.300'], /^error: invalid NFS address "10\.9\.0\.300" \(from --nfs-addr\): not an IP address/],
    [['enable', '--nfs-addr', 'ufs.example:share'], /^error: invalid NFS address .*the path after ":" must be absolute/],
    [['enable', '--subnet-id', 'vpc-abc123'], /^error: invalid subnet ID "vpc-abc123" \(from --subnet-id\)/],
    [['status', '--no-region'], /^error: unknown flag: --no-region/],
    [['status', '--no-cluster-id'], /^error: unknown flag: --no-cluster-id/],
    [['status', '--region'], /^error: flag needs an argument: --region\n/],
    [['status', '--region', '--context', 'x'], /^error: flag needs an argument: --region\n/],
    [['status', '--frobnicate-now'], /^error: unknown flag: --frobnicate-now\nSee /],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  // Good values pass the checks (and reach UCloud, which says it is already enabled).
  const good = await cli(['enable', '--nfs-addr', '10.9.0.10:/', '--subnet-id', 'subnet-abc123', '--dry-run']);
  assert.equal(good.code, 0, good.stderr);
  assert.deepEqual(sim.requests().filter((q) => q.action !== 'GetUK8SImageAccelerate'), [], 'no mutation was sent');
  assert.equal(sim.requests().length, 1, 'only the good enable read the status');
});

test('an --api-endpoint with user:password works and never shows the password', async (t) => {
  t.after(() => sim.clearFaults());
  const password = 'endpoint-Pa55word';
  const withAuth = sim.url.replace('//', `//me:${password}@`);
  const r = await cli(['status', '--api-endpoint', withAuth, '-v=2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /API endpoint: http:\/\/me:\*\*\*@127\.0\.0\.1:\d+ \(from flag --api-endpoint\)/);
  const bad = await cli(['status', '--api-endpoint', `http://me:${password}@[::1`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid UCloud API endpoint "http:\/\/me:\*\*\*@\[::1"/);
  sim.addFault({ kind: 'http', status: 503, action: 'GetUK8SImageAccelerate', times: 4 });
  const failing = await cli(['status', '--api-endpoint', withAuth]);
  assert.equal(failing.code, 1);
  for (const out of [r, bad, failing]) assert.ok(!(out.stdout + out.stderr).includes(password), out.stderr);
});

test('the wait gives up when the status cannot be read for a while, saying why (exit 4)', async (t) => {
  t.after(resetCluster);
  const image = `${REPO}/unreadable:v1`;
  sim.addFault({ kind: 'hold-operation', operation: 'create', image });
  const run = cli(['create', image, '--read-failure-limit=1s']);
  while (!sim.requests().some((q) => q.action === 'CreateUK8SImageAccelerate' && q.params['OriginalImage'] === image)) await delay(20);
  sim.addFault({ kind: 'http', status: 503, action: 'GetUK8SImageAccelerate', times: 1000 });
  const r = await run;
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, new RegExp(`error: gave up waiting for the acceleration of ${image.replace(/[.]/g, '\\.')}: the status could not be read for \\d+s( \\(last status seen: Creating\\))?; last error: UCloud API GetUK8SImageAccelerate failed: HTTP 503`));
  assert.match(r.stderr, /hint: the operation may still be running in UCloud/);
});

test('a wait cut short by --timeout still prints, with -o json|yaml|name, the object as far as it got (exit 4)', async (t) => {
  t.after(resetCluster);
  interface Obj { kind: string; originalImage: string; status: string }
  const creating = `${REPO}/slow-create:v1`;
  sim.addFault({ kind: 'hold-operation', operation: 'create', image: creating });
  // The operation is held for as long as the test likes: the timeout only has to leave room for the start and the
  // create call on a busy machine (with 1s, a loaded CI run once timed out before the create was answered).
  const c = await cli(['create', creating, '--timeout', '3s', '-o', 'json']);
  assert.equal(c.code, 4, c.stderr);
  assert.deepEqual(((o: Obj) => [o.kind, o.originalImage, o.status])(JSON.parse(c.stdout) as Obj), ['AcceleratedImage', creating, 'Creating']);
  assert.match(c.stderr, /error: timed out after .* waiting for the acceleration of .*slow-create:v1 \(status Creating\)/);
  resetCluster();
  const gone = `${REPO}/slow-delete:v1`;
  sim.setCluster(CLUSTER, { Images: [{ OriginalImage: APP, TargetImage: APP_ACC }, { OriginalImage: gone, TargetImage: `${gone}-acc` }] });
  sim.addFault({ kind: 'hold-operation', operation: 'delete', image: gone });
  const d = await cli(['delete', gone, '--timeout', '2s', '-o', 'yaml']);
  assert.equal(d.code, 4, d.stderr);
  assert.deepEqual(((o: Obj) => [o.kind, o.originalImage, o.status])(yaml.load(d.stdout) as Obj), ['AcceleratedImage', gone, 'Deleting']);
  assert.match(d.stderr, /error: timed out after .* waiting for the deletion of .*slow-delete:v1/);
  resetCluster();
  const named = `${REPO}/slow-name:v1`;
  sim.addFault({ kind: 'hold-operation', operation: 'create', image: named });
  const n = await cli(['create', named, '--timeout', '3s', '-o', 'name']);
  assert.equal(n.code, 4, n.stderr);
  assert.equal(n.stdout, `${named}\n`);
});

test('SIGINT while waiting with -o yaml: the object as far as it got on stdout, the explanation on stderr (exit 130)', async (t) => {
  t.after(resetCluster);
  const image = `${REPO}/interrupted-yaml:v1`;
  sim.addFault({ kind: 'hold-operation', operation: 'create', image });
  const child = startCli(['create', image, '-o', 'yaml', '--poll-interval=40ms'], cliEnv({}));
  // Two status reads after the request: the first one's answer has reached the command.
  const readsAfterCreate = (): number => {
    const q = sim.requests();
    const i = q.findIndex((r) => r.action === 'CreateUK8SImageAccelerate' && r.params['OriginalImage'] === image);
    return i < 0 ? 0 : q.slice(i + 1).filter((r) => r.action === 'GetUK8SImageAccelerate').length;
  };
  while (readsAfterCreate() < 2) await delay(20);
  child.process.kill('SIGINT');
  const r = await child.result;
  assert.equal(r.code, 130, r.stderr);
  const o = yaml.load(r.stdout) as { kind: string; originalImage: string; status: string };
  assert.deepEqual([o.kind, o.originalImage, o.status], ['AcceleratedImage', image, 'Creating']);
  assert.match(r.stderr, /Interrupted \(SIGINT\) while accelerating/);
});

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} while waiting: the progress stops, the operation goes on in UCloud and the user is told how to follow it (exit ${code})`, async (t) => {
    t.after(resetCluster);
    const image = `${REPO}/interrupted-${signal.toLowerCase()}:v1`;
    sim.addFault({ kind: 'hold-operation', operation: 'create', image });
    const child = startCli(['create', image, '--poll-interval=40ms'], cliEnv({}));
    while (!sim.requests().some((q) => q.action === 'CreateUK8SImageAccelerate' && q.params['OriginalImage'] === image)) await delay(20);
    child.process.kill(signal);
    const r = await child.result;
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`Interrupted \\(${signal}\\) while accelerating .*interrupted-${signal.toLowerCase()}:v1.*: an operation UCloud accepted continues there; nothing was changed locally\\.\nFollow it with \`kubectl uimgacc status --watch\`\\.\n$`));
    assert.equal(sim.cluster(CLUSTER).Status, 'Creating', 'the operation goes on');
  });
}

test('machine output is a contract: every command and mode parses as JSON and as YAML, one kind per object', async (t) => {
  t.after(resetCluster);
  resetCluster();
  const fresh = `${REPO}/fresh:v1`;
  const parsed = async (args: string[], code: number): Promise<Record<string, unknown>> => {
    const j = await cli([...args, '-o', 'json']);
    assert.equal(j.code, code, `${args.join(' ')} -o json: ${j.stderr}`);
    const y = await cli([...args, '-o', 'yaml']);
    assert.equal(y.code, code, `${args.join(' ')} -o yaml: ${y.stderr}`);
    const value = JSON.parse(j.stdout) as Record<string, unknown>;
    assert.deepEqual(yaml.load(y.stdout), value, `${args.join(' ')}: JSON and YAML say the same`);
    return value;
  };
  // Read-only commands and every dry run (in use: exit 3 with the in-use report as the body).
  assert.equal((await parsed(['status'], 0))['kind'], 'AccelerationStatus');
  assert.equal((await parsed(['list'], 0))['kind'], 'AcceleratedImageList');
  const usage = await parsed(['who-uses', APP], 0);
  assert.deepEqual([usage['kind'], usage['complete']], ['ImageUsage', true]);
  const wouldCreate = await parsed(['create', fresh, '--dry-run'], 0);
  assert.deepEqual([wouldCreate['kind'], wouldCreate['status'], wouldCreate['dryRun'], wouldCreate['originalImage']], ['AcceleratedImage', 'Creating', true, fresh]);
  const refusedDry = await parsed(['delete', APP, '--dry-run'], 3);
  assert.deepEqual([refusedDry['kind'], refusedDry['dryRun'], refusedDry['complete']], ['ImageUsage', true, true]);
  assert.match(String(refusedDry['refused']), /1 container uses the target image/);
  assert.equal((refusedDry['items'] as { name: string }[])[0]?.name, 'user');
  const forcedDry = await parsed(['delete', APP, '--dry-run', '--force'], 0);
  assert.deepEqual([forcedDry['kind'], forcedDry['status'], forcedDry['forced'], forcedDry['dryRun']], ['AcceleratedImage', 'Deleting', true, true]);
  assert.equal((await parsed(['disable', '--dry-run'], 3))['kind'], 'ImageUsage');
  assert.equal((await parsed(['enable', '--dry-run'], 0))['kind'], 'AccelerationStatus');
  // A real refusal has the same body as its dry run.
  const refused = await cli(['delete', APP, '-o', 'json']);
  assert.equal(refused.code, 3, refused.stderr);
  const { dryRun: _dry, ...notDry } = refusedDry;
  assert.deepEqual(JSON.parse(refused.stdout), notDry);
  // Waited or not, create and delete print the same kind: only status (and size, once listed) differ.
  const created = JSON.parse((await cli(['create', fresh, '-o', 'json'])).stdout) as Record<string, unknown>;
  assert.deepEqual([created['kind'], created['status'], typeof created['sizeBytes']], ['AcceleratedImage', 'Ready', 'number']);
  const queued = yaml.load((await cli(['create', `${REPO}/queued:v1`, '--no-wait', '-o', 'yaml'])).stdout) as Record<string, unknown>;
  assert.deepEqual([queued['kind'], queued['status']], ['AcceleratedImage', 'Creating']);
  while (sim.cluster(CLUSTER).Status !== 'Ready') await delay(20);
  const deleted = JSON.parse((await cli(['delete', fresh, '-o', 'json'])).stdout) as Record<string, unknown>;
  assert.deepEqual([deleted['kind'], deleted['status'], deleted['originalImage']], ['AcceleratedImage', 'Deleted', fresh]);
  // -o name: the original image, as list prints it and delete takes it.
  const name = await cli(['delete', `${REPO}/queued:v1`, '--no-wait', '-o', 'name']);
  assert.equal(name.stdout, `${REPO}/queued:v1\n`);
});

test('an image name our grammar rejects is deletable by exactly the name list printed', async () => {
  const env = { UCLOUD_UK8S_CLUSTER_ID: HOSTILE };
  sim.setCluster(HOSTILE, { Status: 'Ready', Error: '' });
  assert.ok((await cli(['list', '-o', 'name'], env)).stdout.split('\n').includes(LEGACY));
  // Found, and checked like any other: a Pod uses its target.
  const dry = await cli(['delete', LEGACY, '--dry-run'], env);
  assert.equal(dry.code, 3, dry.stderr);
  assert.match(dry.stderr, /legacy-user/);
  sim.clearRequests();
  const r = await cli(['delete', LEGACY, '--force', '--no-wait'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(sim.requests().filter((q) => q.action === 'DeleteUK8SImageAccelerate').map((q) => q.params['Image']), [LEGACY]);
  // A name UCloud does not list still has to be a valid reference.
  const unknown = await cli(['delete', `${REPO}/Other:v1`], env);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /repository name must be lowercase/);
});

test('create refuses to accelerate an image that is already a target (no -acc-acc by accident)', async () => {
  resetCluster();
  sim.clearRequests();
  const r = await cli(['create', APP_ACC]);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(r.stderr.startsWith(`error: ${APP_ACC} is itself the accelerated (target) image of ${APP}: accelerating it again would publish ${APP_ACC}-acc\n`), r.stderr);
  assert.deepEqual(sim.requests().filter((q) => q.action === 'CreateUK8SImageAccelerate'), []);
});

test('configure honours -o json|yaml|name too, naming keys, never values', async () => {
  const args = ['configure', '--cluster-id', CLUSTER, '--region', 'cn-bj2', '--dry-run=client', '--record-context=false'];
  const j = await cli([...args, '-o', 'json']);
  assert.equal(j.code, 0, j.stderr);
  const value = JSON.parse(j.stdout) as { kind: string; secret: { name: string; keys: string[] }; dryRun: string };
  assert.deepEqual([value.kind, value.secret.name, value.dryRun], ['Configuration', 'uimgacc-credentials', 'client']);
  assert.ok(value.secret.keys.includes('UCLOUD_PRIVATE_KEY'));
  assert.ok(!j.stdout.includes(PRIVATE), 'the private key never appears');
  const y = await cli([...args, '-o', 'yaml']);
  assert.deepEqual(yaml.load(y.stdout), value);
  assert.equal((await cli([...args, '-o', 'name'])).stdout, 'secret/uimgacc-credentials\n');
});
