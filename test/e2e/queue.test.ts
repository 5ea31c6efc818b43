// UCloud runs one acceleration operation per cluster at a time: create, delete, enable and disable queue behind an
// operation in progress (within --timeout), take several images one after another, and follow their own operation
// without mistaking an earlier attempt's error for theirs. Real CLI processes against the simulator and the shared
// apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { startSimulator, type SimImageInit, type Simulator } from '../simulator/server.ts';
import { kubeconfigRecording, runCli, type CliResult, ucloudEnv } from '../helpers/cli.ts';

const CLUSTER = 'uk8s-queue0001';
const PUBLIC = 'queue-public';
const PRIVATE = 'queue-private-key';
const REPO = `uhub.service.ucloud.cn/q-${randomBytes(3).toString('hex')}`;
const img = (name: string): SimImageInit => ({ OriginalImage: `${REPO}/${name}:1`, TargetImage: `${REPO}/${name}:1-acc` });
const READY = { Enable: true, NfsReady: true, AgentReady: true, Status: 'Ready' as const, Error: '' };

let sim: Simulator;
let kubeconfig: string;
let ns: string;

function cli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return runCli([...args, '--poll-interval=30ms'], { ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, clusterId: CLUSTER, kubeconfig }), ...env }, { input });
}

const sent = (action: string): string[] =>
  sim.requests().filter((q) => q.action === action).map((q) => q.params['OriginalImage'] ?? q.params['Image'] ?? q.params['ClusterId'] ?? '');

/** Holds the cluster in `status` (cancelling the simulator's timers) until release(). */
function hold(status: 'Creating' | 'Deleting'): void {
  sim.setCluster(CLUSTER, { Status: status });
}

/** Waits until the running CLI has polled the simulator `n` more times: it is waiting, not refused. */
async function polled(n: number): Promise<void> {
  const start = sim.requests().filter((q) => q.action === 'GetUK8SImageAccelerate').length;
  while (sim.requests().filter((q) => q.action === 'GetUK8SImageAccelerate').length < start + n) await delay(10);
}

before(async () => {
  const cp = await sharedControlPlane();
  kubeconfig = kubeconfigRecording(cp.kubeconfigPath, CLUSTER);
  ns = await uniqueNamespace('queue');
  sim = await startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', ...READY, NfsAddr: '10.9.0.10', SubnetId: 'subnet-q' }],
    createDelayMs: 100,
    deleteDelayMs: 100,
    enableDelayMs: 100,
    disableDelayMs: 300,
  });
});

after(async () => sim.close());

test('create waits for an operation in progress, saying so, then creates; --no-wait still refuses', async () => {
  sim.setCluster(CLUSTER, { ...READY, Images: [] });
  hold('Creating');
  const refused = await cli(['create', `${REPO}/busy:1`, '--no-wait']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: another operation is in progress on cluster uk8s-queue0001 \(status Creating\)/);
  const run = cli(['create', `${REPO}/queued:1`]);
  await polled(3);
  assert.deepEqual(sent('CreateUK8SImageAccelerate'), [], 'nothing is sent while another operation runs');
  sim.setCluster(CLUSTER, { Status: 'Ready' });
  const r = await run;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Waiting for the creation in progress on cluster uk8s-queue0001 to finish \(UCloud runs one operation at a time\)\n {2}status Creating/);
  assert.match(r.stdout, new RegExp(`acceleration of ${REPO}/queued:1 is Ready`));
});

test('the wait for a turn counts against --timeout: exit 4 and nothing sent', async () => {
  sim.clearRequests();
  hold('Deleting');
  // --timeout counts from the start of the command: room for start-up on a loaded machine, the held operation does the rest.
  const r = await cli(['create', `${REPO}/late:1`, '--timeout=3s']);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /error: timed out after .* waiting for the deletion in progress on cluster uk8s-queue0001 to finish .*\(status Deleting\)\nhint: nothing was sent/);
  assert.deepEqual(sent('CreateUK8SImageAccelerate'), []);
  sim.setCluster(CLUSTER, { Status: 'Ready' });
});

test('several images one after another, each reported; the exit code is the worst', async () => {
  sim.setCluster(CLUSTER, { ...READY, Images: [img('have')] });
  sim.clearRequests();
  sim.addFault({ kind: 'fail-operation', operation: 'create', image: `${REPO}/bad:1`, error: 'pull failed: manifest unknown' });
  const r = await cli(['create', `${REPO}/one:1`, `${REPO}/bad:1`, `${REPO}/two:1=${REPO}/two:fast`, `${REPO}/have:1`]);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(sent('CreateUK8SImageAccelerate'), [`${REPO}/one:1`, `${REPO}/bad:1`, `${REPO}/two:1`]);
  assert.match(r.stdout, new RegExp(`acceleration of ${REPO}/one:1 is Ready: use ${REPO}/one:1-acc`));
  assert.match(r.stdout, new RegExp(`acceleration of ${REPO}/two:1 is Ready: use ${REPO}/two:fast`));
  assert.match(r.stderr, new RegExp(`error: ${REPO}/bad:1: the acceleration of ${REPO}/bad:1 failed: pull failed: manifest unknown`));
  assert.match(r.stderr, new RegExp(`error: ${REPO}/have:1: ${REPO}/have:1 is already accelerated as ${REPO}/have:1-acc`));
  const targets = sim.cluster(CLUSTER).Images.map((i) => `${i.OriginalImage}=${i.TargetImage}`);
  assert.ok(targets.includes(`${REPO}/two:1=${REPO}/two:fast`));
});

test('create -f reads one image per line (comments, blank lines, - for stdin); a bad line sends nothing', async () => {
  sim.setCluster(CLUSTER, { ...READY, Images: [] });
  sim.clearRequests();
  const file = join(mkdtempSync(join(tmpdir(), 'uimgacc-queue-')), 'images.txt');
  writeFileSync(file, `# images of the shop\n${REPO}/f1:1\n\n  ${REPO}/f2:1=${REPO}/f2:turbo   # explicit target\n`);
  sim.addFault({ kind: 'hold-operation', operation: 'create', image: `${REPO}/f1:1` });
  const r = await cli(['create', '-f', file, '--no-wait']);
  // --no-wait: the first starts, the second finds it running and is refused (the refusal --no-wait keeps).
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(sent('CreateUK8SImageAccelerate'), [`${REPO}/f1:1`]);
  assert.match(r.stderr, new RegExp(`error: ${REPO}/f2:1: another operation is in progress`));
  sim.setCluster(CLUSTER, { Status: 'Ready' });
  const stdin = await cli(['create', '-f', '-'], {}, `${REPO}/f2:1=${REPO}/f2:turbo\n`);
  assert.equal(stdin.code, 0, stdin.stderr);
  assert.match(stdin.stdout, new RegExp(`acceleration of ${REPO}/f2:1 is Ready: use ${REPO}/f2:turbo`));
  sim.clearRequests();
  writeFileSync(file, `${REPO}/f3:1\n${REPO}/F4:1\n`);
  const bad = await cli(['create', '-f', file]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, new RegExp(`^error: ${file}, line 2: .*F4:1.*lowercase`));
  assert.deepEqual(sent('CreateUK8SImageAccelerate'), []);
  const twice = await cli(['create', `${REPO}/f5:1`, `${REPO}/f5:1=${REPO}/f5:other`]);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /is named twice/);
  const old = await cli(['create', `${REPO}/f6:1`, `${REPO}/f6:fast`, '--dry-run']);
  assert.equal(old.code, 0, 'two positionals are two originals now');
  assert.match(old.stdout, new RegExp(`${REPO}/f6:fast as ${REPO}/f6:fast-acc would be created`));
});

test('create --from accelerates the images of a workload that are not accelerated yet', async () => {
  sim.setCluster(CLUSTER, { ...READY, Images: [img('web')] });
  sim.clearRequests();
  await kubectlAdmin(['-n', ns, 'apply', '-f', '-'], JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'report' },
    spec: {
      schedule: '0 1 * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', initContainers: [{ name: 'init', image: `${REPO}/init:1` }], containers: [{ name: 'a', image: `${REPO}/web:1` }, { name: 'b', image: `${REPO}/web:1-acc` }, { name: 'c', image: `${REPO}/job:1` }, { name: 'd', image: `${REPO}/job@sha256:${'a'.repeat(64)}` }] } } } },
    },
  }));
  const r = await cli(['create', '--from', 'cj/report', '-n', ns]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(sent('CreateUK8SImageAccelerate'), [`${REPO}/init:1`, `${REPO}/job:1`]);
  assert.match(r.stderr, new RegExp(`${REPO}/web:1: already accelerated as ${REPO}/web:1-acc\n`));
  assert.match(r.stderr, new RegExp(`${REPO}/web:1-acc: already a target image\n`));
  assert.match(r.stderr, /job@sha256:a+: pinned by digest only/);
  const again = await cli(['create', '--from', 'cj/report', '-n', ns]);
  assert.equal(again.code, 0);
  assert.match(again.stderr, /Nothing to accelerate: every image is accelerated already/);
  // Kinds patch refuses still have images to read: a Job, a bare Pod.
  await kubectlAdmin(['-n', ns, 'create', 'job', 'once', `--image=${REPO}/once:1`]);
  await kubectlAdmin(['-n', ns, 'run', 'solo', `--image=${REPO}/solo:1`, '--restart=Never']);
  sim.clearRequests();
  const job = await cli(['create', '--from', 'job/once', '-n', ns]);
  assert.equal(job.code, 0, job.stderr);
  const pod = await cli(['create', '--from', 'po/solo', '-n', ns]);
  assert.equal(pod.code, 0, pod.stderr);
  assert.deepEqual(sent('CreateUK8SImageAccelerate'), [`${REPO}/once:1`, `${REPO}/solo:1`]);
  const missing = await cli(['create', '--from', 'deploy/nope', '-n', ns]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Error from server \(NotFound\): deployments\.apps "nope" not found/);
});

test('delete waits its turn, then runs the in-use check: a Pod started meanwhile is found', async () => {
  sim.setCluster(CLUSTER, { ...READY, Images: [img('d1'), img('d2'), img('d3')] });
  hold('Creating');
  const run = cli(['delete', `${REPO}/d1:1`]);
  await polled(3);
  await kubectlAdmin(['-n', ns, 'run', 'late-user', `--image=${REPO}/d1:1-acc`, '--restart=Never']);
  sim.setCluster(CLUSTER, { Status: 'Ready' });
  const r = await run;
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /refusing to delete the acceleration of .*d1:1: 1 container uses the target image/);
  sim.clearRequests();
  const many = await cli(['delete', `${REPO}/d2:1`, `${REPO}/d1:1`, `${REPO}/d3:1-acc`]);
  assert.equal(many.code, 3, many.stderr);
  assert.deepEqual(sent('DeleteUK8SImageAccelerate'), [`${REPO}/d2:1`, `${REPO}/d3:1`]);
  assert.match(many.stdout, new RegExp(`acceleration of ${REPO}/d2:1 deleted[^]*acceleration of ${REPO}/d3:1 deleted`));
});

test('disable and enable queue too: disable waits for a creation, enable waits for a teardown to end', async () => {
  sim.setCluster(CLUSTER, { ...READY, Images: [] });
  hold('Creating');
  const run = cli(['disable']);
  await polled(3);
  assert.deepEqual(sent('DisableUK8SImageAccelerate'), []);
  sim.setCluster(CLUSTER, { Status: 'Ready' });
  const r = await run;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Waiting for the creation in progress/);
  assert.equal(sim.cluster(CLUSTER).Enable, false);

  // A teardown: Enable still true, agent gone. enable waits for it rather than calling it "already enabled".
  sim.setCluster(CLUSTER, { ...READY, AgentReady: false });
  const enable = cli(['enable', '--nfs-addr', '10.9.0.10', '--subnet-id', 'subnet-q', '--uhub-username', 'u'], { UHUB_PASSWORD: 'pw' });
  await polled(3);
  sim.setCluster(CLUSTER, { Enable: false, NfsReady: false, AgentReady: false });
  const e = await enable;
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /image acceleration is enabled on cluster uk8s-queue0001: NFS ready, agent ready/);
});

test('enable shows NFS, agent and UCloud\'s error while waiting; the timeout names the last error', async () => {
  sim.setCluster(CLUSTER, { Enable: false, NfsReady: false, AgentReady: false, Images: [] });
  sim.clearRequests();
  const run = cli(['enable', '--nfs-addr', '10.9.0.10', '--subnet-id', 'subnet-q', '--uhub-username', 'u', '--timeout=5s'], { UHUB_PASSWORD: 'pw' });
  while (sent('EnableUK8SImageAccelerate').length === 0) await delay(10);
  sim.setCluster(CLUSTER, { Enable: true, NfsReady: false, AgentReady: false, Error: 'mount 10.9.0.10 failed: no route to host' });
  const r = await run;
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /status Ready, NFS not ready, agent not ready yet, error: mount 10\.9\.0\.10 failed: no route to host/);
  assert.match(r.stderr, /error: timed out after .* waiting for image acceleration to be enabled \(status Ready, error: mount 10\.9\.0\.10 failed: no route to host\)/);
});

test('an error left by an earlier attempt is not this attempt\'s; a new one before the first poll is noticed', async () => {
  sim.setCluster(CLUSTER, { ...READY, Status: 'CreateError', Error: 'old failure', Images: [] });
  sim.addFault({ kind: 'fail-operation', operation: 'create', immediate: true, error: 'new failure: disk full' });
  const quick = await cli(['create', `${REPO}/s1:1`, '--timeout=20s']);
  assert.equal(quick.code, 1, quick.stderr);
  assert.match(quick.stderr, /the acceleration of .*s1:1 failed: new failure: disk full\n/);
  // The same text again: it cannot be told apart from the old one, and it is said so.
  sim.addFault({ kind: 'fail-operation', operation: 'create', immediate: true, error: 'new failure: disk full' });
  const same = await cli(['create', `${REPO}/s2:1`, '--timeout=20s']);
  assert.equal(same.code, 1, same.stderr);
  assert.match(same.stderr, /UCloud still shows the CreateError from before this attempt \(new failure: disk full\): this attempt failed the same way, or has not started\nhint: check `kubectl uimgacc status` before retrying/);
  // A stale error does not fail a create that goes well.
  const ok = await cli(['create', `${REPO}/s3:1`]);
  assert.equal(ok.code, 0, ok.stderr);
});

test('delete --force of an image UCloud does not list (left by a failed create) sends the delete, saying so', async () => {
  sim.setCluster(CLUSTER, { ...READY, Images: [], Leftovers: [] });
  sim.addFault({ kind: 'fail-operation', operation: 'create', error: 'conversion failed' });
  assert.equal((await cli(['create', `${REPO}/half:1`])).code, 1);
  sim.clearRequests();
  const plain = await cli(['delete', `${REPO}/half:1`]);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /no acceleration of .*half:1 .*\nhint: .*can be deleted with --force/);
  const forced = await cli(['delete', `${REPO}/half:1`, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /Warning: UCloud does not list .*half:1 \(a failed create may have left it behind\): sending the delete anyway \(--force\)/);
  assert.deepEqual(sent('DeleteUK8SImageAccelerate'), [`${REPO}/half:1`]);
  assert.deepEqual(sim.cluster(CLUSTER).Leftovers, []);
});

test('an error RetCode that does not prove rejection is ambiguous: the status is re-read and tells what happened', async () => {
  sim.setCluster(CLUSTER, { ...READY, Images: [] });
  sim.clearRequests();
  sim.addFault({ kind: 'retcode', code: 5000, message: 'internal error', action: 'CreateUK8SImageAccelerate', applied: true });
  const applied = await cli(['create', `${REPO}/amb1:1`]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stderr, /Warning: UCloud API CreateUK8SImageAccelerate failed: RetCode 5000: internal error .*; the status shows UCloud accepted the request anyway/);
  assert.equal(sent('CreateUK8SImageAccelerate').length, 1, 'not sent again');
  sim.addFault({ kind: 'retcode', code: 5000, message: 'internal error', action: 'CreateUK8SImageAccelerate' });
  const unknown = await cli(['create', `${REPO}/amb2:1`]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /RetCode 5000: internal error .*; it is unknown whether UCloud took the request: the status does not show it yet \(status Ready\)\nhint: check `kubectl uimgacc status` before retrying/);
  assert.doesNotMatch(unknown.stderr, /safe to retry/);
  // A RetCode under 2000 is a definite no.
  sim.addFault({ kind: 'retcode', code: 230, message: 'Missing Params', action: 'CreateUK8SImageAccelerate' });
  const definite = await cli(['create', `${REPO}/amb3:1`]);
  assert.equal(definite.code, 1);
  assert.match(definite.stderr, /^error: UCloud API CreateUK8SImageAccelerate failed: RetCode 230: Missing Params/m);
  assert.doesNotMatch(definite.stderr, /unknown whether/);
});

test('disable after an ambiguous failure sees the teardown under way and follows it', async () => {
  sim.setCluster(CLUSTER, { ...READY, Images: [] });
  sim.clearRequests();
  sim.addFault({ kind: 'http', status: 504, applied: true, action: 'DisableUK8SImageAccelerate' });
  const r = await cli(['disable']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Warning: UCloud API DisableUK8SImageAccelerate failed: HTTP 504.*; the status shows UCloud accepted the request anyway/);
  assert.doesNotMatch(r.stderr, /safe to retry/);
  assert.match(r.stdout, /image acceleration is disabled on cluster uk8s-queue0001/);
  assert.equal(sent('DisableUK8SImageAccelerate').length, 1);
  // During a teardown the API looks like an agent starting up: status does not call it "normal after enabling".
  sim.setCluster(CLUSTER, { ...READY, Images: [] });
  assert.equal((await cli(['disable', '--no-wait'])).code, 0);
  sim.setCluster(CLUSTER, { Enable: true, AgentReady: false });
  const status = await cli(['status']);
  assert.match(status.stdout, /Agent:\s+not ready: starting \(normal for a few minutes after enabling\), or being torn down by a disable\n/);
  sim.setCluster(CLUSTER, { Enable: false, NfsReady: false, AgentReady: false });
});

test('once --timeout has run out nothing more is started: the images left are reported, exit 4', async () => {
  sim.setCluster(CLUSTER, { ...READY, Images: [] });
  sim.clearRequests();
  sim.addFault({ kind: 'hold-operation', operation: 'create', image: `${REPO}/t1:1` });
  const r = await cli(['create', `${REPO}/t1:1`, `${REPO}/t2:1`, '--timeout=4s']);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, new RegExp(`error: ${REPO}/t1:1: timed out after .* waiting for the acceleration of ${REPO}/t1:1`));
  assert.match(r.stderr, new RegExp(`error: ${REPO}/t2:1: not started: --timeout ran out\\n`));
  assert.deepEqual(sent('CreateUK8SImageAccelerate'), [`${REPO}/t1:1`]);
  sim.setCluster(CLUSTER, { Status: 'Ready' });
});
