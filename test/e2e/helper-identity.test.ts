// The helper refuses to start when its configured cluster ID and ConfigMap kube-system/uk8sconfig of the cluster it
// runs in disagree: it would place and rewrite Pods by another cluster's accelerations. A control plane of its own
// (uk8sconfig is cluster-wide) and the real helper bundle.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startControlPlane, kubectl, type ControlPlane } from '../controlplane/controlplane.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { makeServingCert } from '../helpers/tls.ts';

const HERE = 'uk8s-helperhere';
const OTHER = 'uk8s-helperthere';
let cp: ControlPlane;
let sim: Simulator;

before(async () => {
  cp = await startControlPlane();
  const ready = { region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true };
  sim = await startSimulator({ accounts: [{ publicKey: 'hid-pub', privateKey: 'hid-priv' }], clusters: [{ clusterId: HERE, ...ready }, { clusterId: OTHER, ...ready }] });
  const r = await kubectl(cp.kubeconfigPath, ['-n', 'kube-system', 'create', 'configmap', 'uk8sconfig', `--from-literal=UCLOUD_UK8S_CLUSTER_ID=${HERE}`, '--from-literal=UCLOUD_REGION_ID=cn-bj2']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await sim.close();
  await cp.stop();
});

/** Runs the helper until it exits or logs "listening"; returns its exit code (null if it started) and its log. */
function runHelper(clusterId: string | undefined): Promise<{ code: number | null; log: string }> {
  const tls = makeServingCert();
  const child = spawn(process.execPath, ['dist/helper.mjs', '--port', '0', '--metrics-port', '0', '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--kubeconfig', cp.kubeconfigPath, '--shutdown-delay', '0s'], {
    // A Chinese locale: the helper's log is read by log pipelines and stays English whatever the locale (issue #16).
    env: { PATH: process.env['PATH'], HOME: tls.dir, LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8', UCLOUD_PUBLIC_KEY: 'hid-pub', UCLOUD_PRIVATE_KEY: 'hid-priv', UCLOUD_API_BASE_URL: sim.url, UCLOUD_REGION: 'cn-bj2', ...(clusterId ? { UCLOUD_UK8S_CLUSTER_ID: clusterId } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((resolve) => {
    const onData = (c: Buffer): void => {
      log += c.toString();
      if (/"msg":"listening"/.test(log)) {
        child.kill('SIGKILL');
        resolve({ code: null, log });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => resolve({ code, log }));
  });
}

test('a configured cluster ID that is not the cluster the helper runs in: exit 1, one clear log line, nothing served', async () => {
  const r = await runHelper(OTHER);
  assert.equal(r.code, 1, r.log);
  const line = r.log.split('\n').find((l) => l.includes('cannot start: wrong cluster'));
  assert.ok(line, r.log);
  const entry = JSON.parse(line) as { level: string; error: string; fix: string };
  assert.equal(entry.level, 'error');
  assert.match(entry.error, new RegExp(`the Kubernetes cluster of this context is ${HERE} \\(from ConfigMap kube-system/uk8sconfig\\), but the UCloud cluster is ${OTHER} \\(from env UCLOUD_UK8S_CLUSTER_ID\\)`));
  assert.match(entry.fix, /UCLOUD_UK8S_CLUSTER_ID/);
  assert.doesNotMatch(r.log, /"msg":"listening"/);
  assert.ok(!sim.requests().some((q) => q.params['ClusterId'] === OTHER), 'UCloud was never asked about the other cluster');
});

test('the same cluster, or none configured (uk8sconfig\'s is used): the helper starts', async () => {
  assert.equal((await runHelper(HERE)).code, null);
  const fromConfigMap = await runHelper(undefined);
  assert.equal(fromConfigMap.code, null, fromConfigMap.log);
  assert.match(fromConfigMap.log, new RegExp(`"clusterId":"${HERE}","clusterIdFrom":"ConfigMap kube-system/uk8sconfig"`));
});
