// The real apiserver calling the real helper (the bundle the image ships, dist/helper.mjs) over TLS, through the
// chart's own webhook configuration with the Service swapped for a loopback URL: affinity, opt-in rewrite, not-Ready
// left alone, dry-run, garbage over HTTPS, certificate rotation, graceful shutdown and fail-open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { copyFileSync, readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { chartWebhookConfiguration } from '../helpers/webhook.ts';
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

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function call(path: string, method = 'GET', body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, ca: readFileSync(tls.caFile), agent: false, headers: body === undefined ? {} : { 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls an endpoint until its body matches: the helper learns about UCloud changes on its next poll. */
async function until(path: string, re: RegExp): Promise<void> {
  for (let i = 0; !re.test((await call(path)).body); i++) {
    if (i > 100) assert.fail(`${path} never matched ${re}: ${helperLog.slice(-2000)}`);
    await delay(100);
  }
}

interface PodOut {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { containers: { image: string }[]; initContainers?: { image: string }[]; affinity?: unknown };
}

async function createPod(ns: string, name: string, image: string, labels: Record<string, string> = {}, extra: string[] = []): Promise<PodOut> {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'main', image }] } };
  return JSON.parse(await kubectlAdmin(['-n', ns, 'create', '-f', '-', '-o', 'json', ...extra], JSON.stringify(pod))) as PodOut;
}

const required = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ACCELERATION_LABEL, operator: 'In', values: ['true'] }] }] } } };

before(async () => {
  const cp = await sharedControlPlane();
  tls = makeServingCert();
  sim = await startSimulator({
    accounts: [{ publicKey: 'helper-pub', privateKey: 'helper-priv' }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] }],
    createDelayMs: 600_000,
  });
  helper = spawn(process.execPath, ['dist/helper.mjs', '--port', '0', '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--poll-interval', '200ms', '--ready-grace', '30s', '--cert-reload-interval', '200ms', '--shutdown-delay', '1s', '--kubeconfig', cp.kubeconfigPath], {
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
  for (let i = 0; (await call('/readyz')).status !== 200; i++) {
    if (i > 100) throw new Error(`helper not ready: ${helperLog}`);
    await delay(100);
  }
  plainNs = await uniqueNamespace('hook', { 'uimgacc-e2e': RUN });
  rewriteNs = await uniqueNamespace('hook-rw', { 'uimgacc-e2e': RUN, 'uimgacc.ucloud.cn/rewrite': 'enabled' });
  // The chart's configuration, restricted to this file's namespaces, calling the helper on loopback.
  const config = await chartWebhookConfiguration({ name: WEBHOOK, baseUrl: `https://127.0.0.1:${port}`, caBundle: tls.caBundle, kubeVersion: cp.version, setString: [`webhook.namespaceSelector.matchLabels.uimgacc-e2e=${RUN}`] });
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
  assert.deepEqual(pod.spec.affinity, required);
  const plain = await createPod(plainNs, 'uses-original', APP);
  assert.equal(plain.spec.containers[0]?.image, APP, 'no rewrite without opt-in');
  assert.equal(plain.spec.affinity, undefined);
  // Init containers count too, and other node affinity is kept: the expression is ANDed into the user's term.
  const init = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'init-uses-target' },
    spec: {
      initContainers: [{ name: 'init', image: `${APP}-acc` }],
      containers: [{ name: 'main', image: 'busybox:1' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
    },
  };
  const created = JSON.parse(await kubectlAdmin(['-n', plainNs, 'create', '-f', '-', '-o', 'json'], JSON.stringify(init))) as PodOut;
  assert.deepEqual(created.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: ACCELERATION_LABEL, operator: 'In', values: ['true'] }] }] } } });
});

test('an opted-in Pod is rewritten to the target image, with the original recorded and the affinity added', async () => {
  const pod = await createPod(rewriteNs, 'rewritten', APP);
  assert.equal(pod.spec.containers[0]?.image, `${APP}-acc`);
  assert.equal(pod.metadata.annotations?.['uimgacc.ucloud.cn/original-images'], JSON.stringify({ 'containers/main': APP }));
  assert.deepEqual(pod.spec.affinity, required);
  // Opt-in by Pod label, in a namespace that did not opt in.
  const byLabel = await createPod(plainNs, 'rewritten-by-label', APP, { 'uimgacc.ucloud.cn/rewrite': 'enabled' });
  assert.equal(byLabel.spec.containers[0]?.image, `${APP}-acc`);
  // The opt-out label wins, also in an opted-in namespace.
  const optedOut = await createPod(rewriteNs, 'opted-out', APP, { 'uimgacc.ucloud.cn/ignore': 'true' });
  assert.equal(optedOut.spec.containers[0]?.image, APP);
  const optedOutTarget = await createPod(plainNs, 'opted-out-target', `${APP}-acc`, { 'uimgacc.ucloud.cn/ignore': 'true' });
  assert.equal(optedOutTarget.spec.affinity, undefined);
  // Labelling a namespace takes effect at once: the apiserver, not a cache in the helper, reads namespace labels.
  const later = await uniqueNamespace('hook-later', { 'uimgacc-e2e': RUN });
  await kubectlAdmin(['label', 'namespace', later, 'uimgacc.ucloud.cn/rewrite=enabled']);
  let image = '';
  for (let i = 0; i < 40 && image !== `${APP}-acc`; i++) {
    image = (await createPod(later, `later-${i}`, APP)).spec.containers[0]?.image ?? '';
    if (image !== `${APP}-acc`) await delay(100);
  }
  assert.equal(image, `${APP}-acc`);
});

test('a server-side dry run gets the same mutation and creates nothing', async () => {
  const pod = await createPod(rewriteNs, 'dry', APP, {}, ['--dry-run=server']);
  assert.equal(pod.spec.containers[0]?.image, `${APP}-acc`);
  assert.deepEqual(pod.spec.affinity, required);
  await assert.rejects(kubectlAdmin(['-n', rewriteNs, 'get', 'pod', 'dry']), /NotFound/);
  assert.match(helperLog, /"msg":"mutated".*"pod":"dry","dryRun":true/);
});

test('an original image whose acceleration is not Ready is left alone', async () => {
  // A create in progress: UCloud hides the list, the helper keeps the Ready one and never rewrites to the new one.
  sim.setCluster(CLUSTER, { Status: 'Creating' });
  await until('/readyz', /UCloud hides the list \(Creating\): using the last known one/);
  const pod = await createPod(rewriteNs, 'not-ready', NEW);
  assert.equal(pod.spec.containers[0]?.image, NEW);
  assert.equal(pod.spec.affinity, undefined);
  const still = await createPod(rewriteNs, 'still-ready', APP);
  assert.equal(still.spec.containers[0]?.image, `${APP}-acc`, 'the Ready acceleration keeps working while another is created');
  // Once a delete starts, nothing is rewritten to the target being deleted; Pods already using it keep the affinity.
  sim.setCluster(CLUSTER, { Status: 'Deleting' });
  await until('/metrics', /uimgacc_rewrite_active 0/);
  const deleting = await createPod(rewriteNs, 'during-delete', APP);
  assert.equal(deleting.spec.containers[0]?.image, APP);
  assert.equal(deleting.spec.affinity, undefined);
  assert.deepEqual((await createPod(plainNs, 'target-during-delete', `${APP}-acc`)).spec.affinity, required);
  sim.setCluster(CLUSTER, { Status: 'Ready' });
  await until('/metrics', /uimgacc_rewrite_active 1/);
});

test('when UCloud fails, the last good list stays in use and readiness and metrics say so', async () => {
  sim.addFault({ kind: 'http', status: 503, action: 'GetUK8SImageAccelerate', times: 100_000 });
  await until('/metrics', /uimgacc_ucloud_up 0/);
  const ready = await call('/readyz');
  assert.equal(ready.status, 200, 'serving the last good list beats taking the webhook down');
  assert.match(ready.body, /last UCloud read failed, using the last good list/);
  const m = (await call('/metrics')).body;
  assert.match(m, /uimgacc_ucloud_up 0/);
  assert.match(m, /uimgacc_ucloud_api_errors_total [1-9]/);
  assert.deepEqual((await createPod(plainNs, 'during-outage', `${APP}-acc`)).spec.affinity, required);
  sim.clearFaults();
  await until('/metrics', /uimgacc_ucloud_up 1/);
});

test('garbage over HTTPS is answered "allowed" without a patch; other paths and methods are refused', async () => {
  for (const body of ['not json', '{}', '[]', 'null', JSON.stringify({ request: { uid: 'g-1', kind: { kind: 'Secret' }, operation: 'CREATE', object: {} } })]) {
    const r = await call('/mutate', 'POST', body);
    assert.equal(r.status, 200, body);
    const review = JSON.parse(r.body) as { apiVersion: string; kind: string; response: { uid: string; allowed: boolean; patch?: string; warnings?: string[] } };
    assert.equal(review.apiVersion, 'admission.k8s.io/v1');
    assert.equal(review.response.allowed, true);
    assert.equal(review.response.patch, undefined);
    assert.ok(review.response.warnings?.length, body);
  }
  const big = await call('/mutate', 'POST', `{"request":{"uid":"big","x":"${'x'.repeat(9 * 1024 * 1024)}"}}`);
  assert.equal(big.status, 200);
  assert.equal((JSON.parse(big.body) as { response: { allowed: boolean } }).response.allowed, true);
  assert.equal((await call('/mutate')).status, 405);
  assert.equal((await call('/nope')).status, 404);
  assert.equal((await call('/healthz')).status, 200);
  const m = (await call('/metrics')).body;
  assert.match(m, /uimgacc_admission_requests_total\{result="mutated"\} [1-9]/);
  assert.match(m, /uimgacc_admission_requests_total\{result="malformed"\} [1-9]/);
  assert.match(m, /uimgacc_admission_requests_total\{result="unexpected"\} [1-9]/);
  assert.match(m, /uimgacc_admission_requests_total\{result="error"\} 1/);
  assert.match(m, /uimgacc_mutations_total\{kind="rewrite"\} [1-9]/);
  assert.match(m, /uimgacc_mutations_total\{kind="affinity"\} [1-9]/);
  assert.match(m, /uimgacc_admission_duration_seconds_bucket\{le="0.005"\} [1-9]/);
  assert.match(m, /uimgacc_cache_age_seconds [0-9.]+/);
  assert.match(m, /uimgacc_ready_targets 1/);
  assert.match((await call('/readyz')).body, /^ok: 1 Ready target image/);
  assert.match(helperLog, /"level":"warn","msg":"allowed unchanged"/);
  assert.ok(!helperLog.includes('helper-priv'), 'no secret in the logs');
  for (const line of helperLog.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
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

test('on SIGTERM the helper fails readiness but keeps answering, then stops; Pods are still created (fail-open)', async () => {
  helper?.kill('SIGTERM');
  await delay(200);
  const ready = await call('/readyz');
  assert.equal(ready.status, 503);
  assert.match(ready.body, /shutting down/);
  const during = await call('/mutate', 'POST', JSON.stringify({ request: { uid: 'd-1', kind: { kind: 'Pod' }, operation: 'CREATE', object: { spec: { containers: [{ image: `${APP}-acc` }] } } } }));
  assert.ok((JSON.parse(during.body) as { response: { patch?: string } }).response.patch, 'still answering while draining');
  assert.equal(during.headers['connection'], 'close', 'kept-alive connections are closed while draining');
  const code = await new Promise((r) => (helper?.exitCode !== null ? r(helper?.exitCode) : helper.once('exit', r)));
  assert.equal(code, 0);
  assert.match(helperLog, /"msg":"shutting down"/);
  assert.match(helperLog, /"msg":"stopped"/);
  const pod = await createPod(plainNs, 'after-stop', `${APP}-acc`);
  assert.equal(pod.spec.affinity, undefined);
  const rewrite = await createPod(rewriteNs, 'after-stop', APP);
  assert.equal(rewrite.spec.containers[0]?.image, APP);
});
