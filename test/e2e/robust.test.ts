// CLI robustness as a real process against the real apiserver and the UCloud simulator: kubectl's connection and
// identity flags (impersonation included), connection errors, hostile and odd input, bounded waits and calls,
// interruption, and machine output in every mode.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { kubeconfigYaml, type ControlPlaneInfo } from '../controlplane/controlplane.ts';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { runCli, type CliResult, ucloudEnv } from '../helpers/cli.ts';

const CLUSTER = 'uk8s-robust001';
const PUBLIC = 'robust-public';
const PRIVATE = 'robust-private-key';
const REPO = `uhub.service.ucloud.cn/robust-${randomBytes(3).toString('hex')}`;
const APP = `${REPO}/app:v1`;
const APP_ACC = `${APP}-acc`;

let sim: Simulator;
let cp: ControlPlaneInfo;
let ns: string;
let dir: string;
let caFile: string;

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...args, '--poll-interval=40ms'], { ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, clusterId: CLUSTER, kubeconfig: cp.kubeconfigPath }), ...env });
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
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: APP, TargetImage: APP_ACC }] }],
  });
  ns = await uniqueNamespace('robust');
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user' }, spec: { containers: [{ name: 'main', image: APP_ACC }] } }));
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
