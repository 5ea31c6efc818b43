// Guarded delete and disable as a real process against the real apiserver and the UCloud simulator: waiting and its
// flags, cluster-wide scope whatever -n says, finished Pods, dry runs, a partially blind user, and --force.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { kubeconfigYaml } from '../controlplane/controlplane.ts';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { kubeconfigRecording, runCli, type CliResult, ucloudEnv } from '../helpers/cli.ts';

const CLUSTER = 'uk8s-delete0001';
const PUBLIC = 'delete-public';
const PRIVATE = 'delete-private-key';
const REPO = `uhub.service.ucloud.cn/del-${randomBytes(3).toString('hex')}`;
const img = (name: string): { OriginalImage: string; TargetImage: string } => ({ OriginalImage: `${REPO}/${name}:1`, TargetImage: `${REPO}/${name}:1-acc` });
const FREE = img('free');
const NOWAIT = img('nowait');
const SLOW = img('slow');
const ELSEWHERE = img('elsewhere');
const FINISHED = img('finished');
const PARTIAL = img('partial');

let sim: Simulator;
let kubeconfig: string;
let usedNs: string;
let emptyNs: string;
let bobNs: string;

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...args, '--poll-interval=50ms', '--cluster-id', CLUSTER, '--region', 'cn-bj2'], { ...ucloudEnv({ publicKey: PUBLIC, privateKey: PRIVATE, apiUrl: sim.url, kubeconfig }), ...env });
}

const deletes = (): string[] => sim.requests().filter((q) => q.action === 'DeleteUK8SImageAccelerate').map((q) => q.params['Image'] ?? '');
const images = (): string[] => sim.cluster(CLUSTER).Images.map((i) => i.OriginalImage);

before(async () => {
  const cp = await sharedControlPlane();
  kubeconfig = kubeconfigRecording(cp.kubeconfigPath, CLUSTER);
  sim = await startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [FREE, NOWAIT, SLOW, ELSEWHERE, FINISHED, PARTIAL] }],
    deleteDelayMs: 400,
    disableDelayMs: 100,
  });
  usedNs = await uniqueNamespace('del-used');
  emptyNs = await uniqueNamespace('del-empty');
  bobNs = await uniqueNamespace('del-bob');
  const pod = (name: string, image: string): object => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image }] } });
  await kubectlAdmin(['-n', usedNs, 'apply', '-f', '-'], [pod('user', ELSEWHERE.TargetImage), pod('done', FINISHED.TargetImage), pod('crashed', FINISHED.TargetImage)].map((o) => JSON.stringify(o)).join('\n'));
  await kubectlAdmin(['-n', usedNs, 'patch', 'pod', 'done', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Succeeded"}}']);
  await kubectlAdmin(['-n', usedNs, 'patch', 'pod', 'crashed', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Failed"}}']);
});

after(async () => {
  await sim.close();
});

test('delete by the target image waits for Deleting to end, with progress on stderr', async () => {
  const r = await cli(['delete', FREE.TargetImage]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^Deleting the acceleration of ${FREE.OriginalImage}\\n  status Deleting, NFS ready, agent ready \\(`));
  assert.equal(r.stdout, `acceleration of ${FREE.OriginalImage} deleted (${FREE.TargetImage} is gone)\n`);
  assert.deepEqual(deletes(), [FREE.OriginalImage]);
  assert.ok(!images().includes(FREE.OriginalImage));
});

/** Holds the cluster in Deleting (cancelling the simulator's timer), so timing under load cannot end it early. */
function holdDeleting(): void {
  sim.setCluster(CLUSTER, { Status: 'Deleting' });
}

/** Ends a held deletion of `original` as UCloud would. */
function finishDeleting(original: string): void {
  sim.setCluster(CLUSTER, { Status: 'Ready', Images: sim.cluster(CLUSTER).Images.filter((i) => i.OriginalImage !== original) });
}

test('--no-wait returns while Deleting; a second delete with --no-wait meanwhile is refused as another operation in progress', async () => {
  const r = await cli(['delete', NOWAIT.OriginalImage, '--no-wait', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { status: string }).status, 'Deleting');
  assert.equal(r.stderr, '');
  holdDeleting();
  const busy = await cli(['delete', SLOW.OriginalImage, '--no-wait']);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /^error: another operation is in progress on cluster uk8s-delete0001 \(status Deleting\)/);
  finishDeleting(NOWAIT.OriginalImage);
  assert.ok(!images().includes(NOWAIT.OriginalImage));
});

test('--timeout gives up waiting with exit 4; the deletion goes on', async () => {
  // Held in Deleting by the simulator until this test ends it: the timeout is the only way out, however slow the run.
  sim.addFault({ kind: 'hold-operation', operation: 'delete', image: SLOW.OriginalImage });
  // --timeout covers the whole command (the in-use scan too), so it leaves the scan room on a busy machine.
  const r = await cli(['delete', SLOW.OriginalImage, '--timeout=3s']);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /error: timed out after .* waiting for .*slow:1 \(status Deleting\)/);
  assert.match(r.stderr, /hint: the operation may still finish/);
  finishDeleting(SLOW.OriginalImage);
});

test('the check is cluster-wide whatever -n says; a dry run shows the refusal with exit 3 and sends nothing', async () => {
  sim.clearRequests();
  const r = await cli(['delete', ELSEWHERE.OriginalImage, '-n', emptyNs]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^error: refusing to delete the acceleration of .*elsewhere:1: 1 container uses the target image: 1 in a Pod\n/);
  assert.match(r.stderr, new RegExp(`\\n${usedNs}\\s+Pod\\s+user\\s+main\\s+${ELSEWHERE.TargetImage.replace(/[.]/g, '\\.')}\\s+Pending\\n`));
  const dry = await cli(['delete', ELSEWHERE.OriginalImage, '--dry-run']);
  assert.equal(dry.code, 3);
  assert.match(dry.stdout, /would be refused: 1 container uses the target image: 1 in a Pod \(dry run\)\n$/);
  assert.match(dry.stderr, /Pod\s+user/);
  const server = await cli(['delete', ELSEWHERE.OriginalImage, '--dry-run=server']);
  assert.equal(server.code, 1);
  assert.match(server.stderr, /--dry-run=server is not possible here/);
  assert.deepEqual(deletes(), []);
});

test('--dry-run --force says it would proceed, with the same table as a warning', async () => {
  const r = await cli(['delete', ELSEWHERE.TargetImage, '--dry-run', '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Warning: 1 container uses the target image: 1 in a Pod\nNAMESPACE\s+KIND/);
  assert.doesNotMatch(r.stderr, /hint:/);
  assert.match(r.stdout, /would proceed \(--force\) \(dry run\)\n$/);
  assert.deepEqual(deletes(), []);
});

test('Pods that Succeeded or Failed do not hold the image: delete proceeds', async () => {
  const r = await cli(['delete', FINISHED.OriginalImage]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Warning/);
  assert.ok(!images().includes(FINISHED.OriginalImage));
});

test('a user who cannot list CronJobs outside one namespace is refused, told which, and --force proceeds saying so', async () => {
  const cp = await sharedControlPlane();
  const role = `uimgacc-partial-${randomBytes(3).toString('hex')}`;
  await kubectlAdmin(['create', 'clusterrole', role, '--verb=list', '--resource=namespaces,pods,deployments,statefulsets,daemonsets,replicasets,replicationcontrollers,jobs']);
  await kubectlAdmin(['create', 'clusterrolebinding', role, `--clusterrole=${role}`, '--user=bob']);
  await kubectlAdmin(['-n', bobNs, 'create', 'role', 'cronjobs', '--verb=list', '--resource=cronjobs']);
  await kubectlAdmin(['-n', bobNs, 'create', 'rolebinding', 'bob-cronjobs', '--role=cronjobs', '--user=bob']);
  const file = kubeconfigRecording(kubeconfigYaml(cp, 'bob', cp.users['bob'] as string), CLUSTER);
  try {
    // RBAC changes take a moment to reach the authorizer.
    let r: CliResult | undefined;
    for (let i = 0; i < 50; i++) {
      r = await cli(['delete', PARTIAL.OriginalImage], { KUBECONFIG: file });
      if (/CronJob in \d+ namespaces/.test(r.stderr)) break;
      await delay(100);
    }
    assert.ok(r);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /^error: refusing to delete the acceleration of .*partial:1: the in-use check could not see everything, and an unseen Pod is not a safe Pod\n/);
    const line = r.stderr.split('\n').find((l) => l.startsWith('  CronJob in ')) ?? '';
    assert.match(line, /^ {2}CronJob in \d+ namespaces \(.*\bdefault\b.*\): Error from server \(Forbidden\): cronjobs\.batch is forbidden: User "bob" cannot list resource "cronjobs" in API group "batch" in the namespace /);
    assert.ok(!line.includes(bobNs), 'the namespace bob may list is not unseen');
    assert.doesNotMatch(r.stderr, /^ {2}(Pod|Deployment|Job) in/m);
    assert.ok(images().includes(PARTIAL.OriginalImage));

    const forced = await cli(['delete', PARTIAL.OriginalImage, '--force'], { KUBECONFIG: file });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /^Warning: the in-use check could not see everything, and an unseen Pod is not a safe Pod\n {2}CronJob in /);
    assert.match(forced.stderr, /Warning: deleting anyway \(--force\): Pods still using the target image will get IO errors\n/);
    assert.match(forced.stdout, /deleted/);
    assert.ok(!images().includes(PARTIAL.OriginalImage));
  } finally {
    await kubectlAdmin(['delete', 'clusterrolebinding', role]);
    await kubectlAdmin(['delete', 'clusterrole', role]);
  }
});

test('disable: dry run refuses with exit 3 while a target is in use; --force disables and says so', async () => {
  const dry = await cli(['disable', '--dry-run']);
  assert.equal(dry.code, 3, dry.stderr);
  assert.match(dry.stderr, /Pod\s+user/);
  assert.match(dry.stdout, /disabling image acceleration on cluster uk8s-delete0001 would be refused: 1 container uses the target image/);
  const r = await cli(['disable', '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Warning: disabling anyway \(--force\): Pods still using target images will get IO errors/);
  assert.match(r.stdout, /image acceleration is disabled on cluster uk8s-delete0001/);
  assert.equal(sim.cluster(CLUSTER).Enable, false);
});

test('disable --no-wait refuses while the image list is hidden (agent not ready), as nothing can be checked; --force overrides', async () => {
  sim.setCluster(CLUSTER, { Enable: true, NfsReady: true, AgentReady: false, Status: 'Ready', Images: [ELSEWHERE] });
  // With --wait (the default) it would wait for the agent (or a teardown) instead: see queue.test.ts.
  const r = await cli(['disable', '--no-wait']);
  // Could not verify (5), not "in use" (3): nothing was seen using anything, nothing could be checked.
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, /^error: refusing to disable image acceleration on cluster uk8s-delete0001: the accelerated images are not known right now \(the acceleration agent is not ready: starting \(normal for a few minutes after enabling\), or being torn down by a disable/);
  const forced = await cli(['disable', '--force', '--no-wait']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /^Warning: the accelerated images are not known right now/);
  while (sim.cluster(CLUSTER).Enable) await delay(10);
  assert.equal(sim.cluster(CLUSTER).Enable, false);
});
