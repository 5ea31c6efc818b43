// The real apiserver calling the real helper over TLS: affinity, opt-in rewrite, not-Ready left alone, fail-open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { copyFileSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { makeServingCert } from '../helpers/tls.ts';
import { ACCELERATION_LABEL } from '../../lib/affinity.ts';

const CLUSTER = 'uk8s-helper001';
const RUN = randomBytes(3).toString('hex');
const REPO = `uhub.service.ucloud.cn/helper-${RUN}`;
const APP = `${REPO}/app:v1`;
const NEW = `${REPO}/new:v1`;
const WEBHOOK = `uimgacc-e2e-${RUN}`;
let sim: Simulator;
let helper: ChildProcess | undefined;
let port = 0;
let tls: ReturnType<typeof makeServingCert>;
let plainNs: string;
let rewriteNs: string;
let helperLog = '';

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: readFileSync(tls.caFile) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function createPod(ns: string, name: string, image: string, labels: Record<string, string> = {}): Promise<{ spec: { containers: { image: string }[]; affinity?: unknown }; metadata: { annotations?: Record<string, string> } }> {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'main', image }] } };
  return JSON.parse(await kubectlAdmin(['-n', ns, 'create', '-f', '-', '-o', 'json'], JSON.stringify(pod))) as never;
}

before(async () => {
  const cp = await sharedControlPlane();
  tls = makeServingCert();
  sim = await startSimulator({
    accounts: [{ publicKey: 'helper-pub', privateKey: 'helper-priv' }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] }],
    createDelayMs: 600_000,
  });
  helper = spawn(process.execPath, ['helper/main.ts', '--port', '0', '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--poll-interval', '200ms', '--ready-grace', '30s', '--cert-reload-interval', '200ms', '--kubeconfig', cp.kubeconfigPath], {
    env: { PATH: process.env['PATH'], UCLOUD_PUBLIC_KEY: 'helper-pub', UCLOUD_PRIVATE_KEY: 'helper-priv', UCLOUD_UK8S_CLUSTER_ID: CLUSTER, UCLOUD_REGION: 'cn-bj2', UCLOUD_API_BASE_URL: sim.url, HOME: tls.dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  helper.stdout?.on('data', (c: Buffer) => (helperLog += c.toString()));
  helper.stderr?.on('data', (c: Buffer) => (helperLog += c.toString()));
  for (let i = 0; !port; i++) {
    const m = /"msg":"listening","port":(\d+)/.exec(helperLog);
    if (m) port = Number(m[1]);
    else if (i > 150 || helper.exitCode !== null) throw new Error(`helper did not start: ${helperLog}`);
    else await delay(100);
  }
  for (let i = 0; (await get('/readyz')).status !== 200; i++) {
    if (i > 100) throw new Error(`helper not ready: ${helperLog}`);
    await delay(100);
  }
  plainNs = await uniqueNamespace('hook', { 'uimgacc-e2e': RUN });
  rewriteNs = await uniqueNamespace('hook-rw', { 'uimgacc-e2e': RUN, 'uimgacc.ucloud.cn/rewrite': 'enabled' });
  const config = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: WEBHOOK },
    webhooks: [
      {
        name: 'pods.uimgacc.ucloud.cn',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        timeoutSeconds: 3,
        reinvocationPolicy: 'IfNeeded',
        clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: tls.caBundle },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        // Only this file's namespaces: the control plane is shared with other tests.
        namespaceSelector: { matchLabels: { 'uimgacc-e2e': RUN } },
        objectSelector: { matchExpressions: [{ key: 'uimgacc.ucloud.cn/ignore', operator: 'NotIn', values: ['true'] }] },
        matchConditions: [{ name: 'not-mirror', expression: "!has(object.metadata.annotations) || !('kubernetes.io/config.mirror' in object.metadata.annotations)" }],
      },
    ],
  };
  await kubectlAdmin(['create', '-f', '-'], JSON.stringify(config));
  // The apiserver picks up webhook configurations asynchronously: wait until a probe Pod is mutated.
  for (let i = 0; ; i++) {
    const probe = await createPod(plainNs, `probe-${i}`, `${APP}-acc`);
    if (probe.spec.affinity) break;
    if (i > 60) throw new Error(`webhook never called: ${helperLog}`);
    await delay(250);
  }
});

after(async () => {
  await kubectlAdmin(['delete', 'mutatingwebhookconfiguration', WEBHOOK, '--ignore-not-found']).catch(() => undefined);
  helper?.kill('SIGKILL');
  await sim.close();
});

test('a Pod using a Ready target image is created with the required node affinity', async () => {
  const pod = await createPod(plainNs, 'uses-target', `${APP}-acc`);
  assert.deepEqual(pod.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ACCELERATION_LABEL, operator: 'In', values: ['true'] }] }] } } });
  const plain = await createPod(plainNs, 'uses-original', APP);
  assert.equal(plain.spec.containers[0]?.image, APP, 'no rewrite without opt-in');
  assert.equal(plain.spec.affinity, undefined);
});

test('an opted-in Pod is rewritten to the target image, with the original recorded and the affinity added', async () => {
  const pod = await createPod(rewriteNs, 'rewritten', APP);
  assert.equal(pod.spec.containers[0]?.image, `${APP}-acc`);
  assert.equal(pod.metadata.annotations?.['uimgacc.ucloud.cn/original-images'], JSON.stringify({ 'containers/main': APP }));
  assert.ok(pod.spec.affinity);
  const optedOut = await createPod(rewriteNs, 'opted-out', APP, { 'uimgacc.ucloud.cn/ignore': 'true' });
  assert.equal(optedOut.spec.containers[0]?.image, APP);
});

test('an original image whose acceleration is not Ready is left alone', async () => {
  // A create in progress: UCloud hides the list, the helper keeps the Ready one and never rewrites to the new one.
  sim.setCluster(CLUSTER, { Status: 'Creating' });
  await delay(600);
  const pod = await createPod(rewriteNs, 'not-ready', NEW);
  assert.equal(pod.spec.containers[0]?.image, NEW);
  assert.equal(pod.spec.affinity, undefined);
  const still = await createPod(rewriteNs, 'still-ready', APP);
  assert.equal(still.spec.containers[0]?.image, `${APP}-acc`, 'the Ready acceleration keeps working while another is created');
  // Once a delete starts, nothing is rewritten to the target being deleted.
  sim.setCluster(CLUSTER, { Status: 'Deleting' });
  await delay(600);
  const deleting = await createPod(rewriteNs, 'during-delete', APP);
  assert.equal(deleting.spec.containers[0]?.image, APP);
  assert.ok(deleting.spec.affinity === undefined);
  sim.setCluster(CLUSTER, { Status: 'Ready' });
});

test('metrics count requests and mutations, and the cache age is exported', async () => {
  const m = await get('/metrics');
  assert.equal(m.status, 200);
  assert.match(m.body, /uimgacc_admission_requests_total\{result="mutated"\} [1-9]/);
  assert.match(m.body, /uimgacc_mutations_total\{kind="rewrite"\} [1-9]/);
  assert.match(m.body, /uimgacc_admission_duration_seconds_bucket/);
  assert.match(m.body, /uimgacc_cache_age_seconds [0-9.]+/);
  assert.match((await get('/readyz')).body, /^ok: 1 Ready target image/);
  assert.ok(!helperLog.includes('helper-priv'), 'no secret in the logs');
});

test('a rotated serving certificate is picked up without a restart', async () => {
  const fresh = makeServingCert();
  const served = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false, agent: false }, (res) => {
        resolve((res.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '');
        res.resume();
      });
      req.on('error', reject);
      req.end();
    });
  const before = await served();
  copyFileSync(fresh.keyFile, tls.keyFile);
  copyFileSync(fresh.certFile, tls.certFile);
  const expected = new X509Certificate(readFileSync(fresh.certFile)).fingerprint256;
  for (let i = 0; (await served()) !== expected; i++) {
    if (i > 50) assert.fail(`certificate not reloaded: ${helperLog}`);
    await delay(100);
  }
  assert.notEqual(before, expected);
  assert.match(helperLog, /"msg":"reloaded serving certificate"/);
  tls = { ...tls, caFile: fresh.caFile };
});

test('with the helper stopped, Pods are still created (fail-open)', async () => {
  helper?.kill('SIGTERM');
  await new Promise((r) => helper?.once('exit', r));
  assert.match(helperLog, /"msg":"shutting down"/);
  const pod = await createPod(plainNs, 'after-stop', `${APP}-acc`);
  assert.equal(pod.spec.affinity, undefined);
});
