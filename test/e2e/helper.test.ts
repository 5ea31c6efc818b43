// The real apiserver calling the real helper (the bundle the image ships, dist/helper.mjs) over TLS, through the
// chart's own webhook configuration with the Service swapped for a loopback URL: affinity for both label spellings,
// opt-in rewrite (never of digest-pinned references), not-Ready left alone, warnings for `kubectl set image` and
// `kubectl debug`, dry-run, garbage, oversized and slow requests, certificate rotation, graceful shutdown, fail-open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { get as httpGet } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import * as yaml from 'js-yaml';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { kubectl } from '../controlplane/controlplane.ts';
import { helmBinary, kubernetesVersion } from '../controlplane/testbin.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { makeServingCert, servedFingerprint } from '../helpers/tls.ts';
import { ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL } from '../../lib/affinity.ts';
import { UCloudClient } from '../../lib/ucloud/client.ts';
import { AccelerationApi } from '../../lib/ucloud/acceleration.ts';

const CLUSTER = 'uk8s-helper001';
const RUN = randomBytes(3).toString('hex');
const REPO = `uhub.service.ucloud.cn/helper-${RUN}`;
const APP = `${REPO}/app:v1`;
const NEW = `${REPO}/new:v1`;
const WEBHOOK = `uimgacc-e2e-${RUN}`;
let sim: Simulator;
let helper: ChildProcess | undefined;
let port = 0;
let metricsPort = 0;
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

/** GET on the plain-HTTP metrics port. */
function metrics(path = '/metrics'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port: metricsPort, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    }).on('error', reject);
  });
}

/** Polls an endpoint until its body matches: the helper learns about UCloud changes on its next poll. */
async function until(path: string, re: RegExp): Promise<void> {
  const read = (): Promise<Reply> => (path === '/metrics' ? metrics() : call(path));
  for (let i = 0; !re.test((await read()).body); i++) {
    if (i > 100) assert.fail(`${path} never matched ${re}: ${helperLog.slice(-2000)}`);
    await delay(100);
  }
}

/** kubectl as admin, with its exit code and stderr (where kubectl prints admission warnings). */
async function kubectlRaw(args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return kubectl((await sharedControlPlane()).kubeconfigPath, args);
}

/** Opens a TLS connection and resolves when the server closes it, with what it answered (if anything). */
function untilClosed(write: (socket: ReturnType<typeof tlsConnect>) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(tls.caFile), servername: 'localhost' }, () => write(socket));
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
  });
}

interface PodOut {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { containers: { image: string }[]; initContainers?: { image: string }[]; affinity?: unknown };
}

async function createPod(ns: string, name: string, image: string, labels: Record<string, string> = {}, extra: string[] = []): Promise<PodOut> {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'main', image }] } };
  return JSON.parse(await kubectlAdmin(['-n', ns, 'create', '-f', '-', '-o', 'json', ...extra], JSON.stringify(pod))) as PodOut;
}

const req = (key: string): object => ({ key, operator: 'In', values: ['true'] });
/** One term per spelling: a node labelled either way qualifies, an unlabelled one does not. */
const required = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [req(ACCELERATION_LABEL)] }, { matchExpressions: [req(LEGACY_ACCELERATION_LABEL)] }] } } };
let ucloud: AccelerationApi;

/** The chart's MutatingWebhookConfiguration, restricted to this file's namespaces, calling the helper on loopback. */
async function chartWebhookConfiguration(): Promise<object> {
  const home = mkdtempSync(join(tmpdir(), 'uimgacc-helm-'));
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      helmBinary(),
      ['template', 'e2e', 'charts/uimgacc', '--kube-version', kubernetesVersion(), '--show-only', 'templates/webhook.yaml', '--set', 'credentials.publicKey=a', '--set', 'credentials.privateKey=b', '--set-string', `webhook.namespaceSelector.matchLabels.uimgacc-e2e=${RUN}`],
      { env: { PATH: process.env['PATH'], HOME: home, HELM_CACHE_HOME: join(home, 'c'), HELM_CONFIG_HOME: join(home, 'f'), HELM_DATA_HOME: join(home, 'd') } },
      (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)),
    ),
  );
  const config = (yaml.loadAll(out) as { kind?: string; metadata: { name: string }; webhooks: { clientConfig: Record<string, unknown> }[] }[]).find((d) => d?.kind === 'MutatingWebhookConfiguration');
  assert.ok(config, out);
  config.metadata.name = WEBHOOK;
  for (const hook of config.webhooks) {
    const service = hook.clientConfig['service'] as { path: string };
    hook.clientConfig = { url: `https://127.0.0.1:${port}${service.path}`, caBundle: tls.caBundle };
  }
  return config;
}

before(async () => {
  const cp = await sharedControlPlane();
  tls = makeServingCert();
  sim = await startSimulator({
    accounts: [{ publicKey: 'helper-pub', privateKey: 'helper-priv' }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] }],
    createDelayMs: 600_000,
    deleteDelayMs: 600_000,
  });
  ucloud = new AccelerationApi(new UCloudClient({ baseUrl: sim.url, region: 'cn-bj2', credentials: { publicKey: 'helper-pub', privateKey: 'helper-priv' }, maxRetries: 0 }), CLUSTER);
  helper = spawn(process.execPath, ['dist/helper.mjs', '--port', '0', '--metrics-port', '0', '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--poll-interval', '200ms', '--ready-grace', '30s', '--cert-reload-interval', '200ms', '--shutdown-delay', '1s', '--kubeconfig', cp.kubeconfigPath], {
    env: { PATH: process.env['PATH'], UCLOUD_PUBLIC_KEY: 'helper-pub', UCLOUD_PRIVATE_KEY: 'helper-priv', UCLOUD_UK8S_CLUSTER_ID: CLUSTER, UCLOUD_REGION: 'cn-bj2', UCLOUD_API_BASE_URL: sim.url, HOME: tls.dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  helper.stdout?.on('data', (c: Buffer) => (helperLog += c.toString()));
  helper.stderr?.on('data', (c: Buffer) => (helperLog += c.toString()));
  for (let i = 0; !port; i++) {
    const m = /"msg":"listening","port":(\d+),"metricsPort":(\d+)/.exec(helperLog);
    if (m) [port, metricsPort] = [Number(m[1]), Number(m[2])];
    else if (i > 150 || helper.exitCode !== null) throw new Error(`helper did not start: ${helperLog}`);
    else await delay(100);
  }
  for (let i = 0; (await call('/readyz')).status !== 200; i++) {
    if (i > 100) throw new Error(`helper not ready: ${helperLog}`);
    await delay(100);
  }
  plainNs = await uniqueNamespace('hook', { 'uimgacc-e2e': RUN });
  rewriteNs = await uniqueNamespace('hook-rw', { 'uimgacc-e2e': RUN, 'uimgacc.ucloud.cn/rewrite': 'enabled' });
  await kubectlAdmin(['create', '-f', '-'], JSON.stringify(await chartWebhookConfiguration()));
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
  const zoneA = { key: 'zone', operator: 'In', values: ['a'] };
  assert.deepEqual(created.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [zoneA, req(ACCELERATION_LABEL)] }, { matchExpressions: [zoneA, req(LEGACY_ACCELERATION_LABEL)] }] } } });
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

test('the nodes\' label spellings are watched in the real apiserver: /readyz?verbose and metrics, Ready or not', async () => {
  // One node per spelling, neither Ready (a pool being replaced): both spellings are seen, and what Pods require
  // does not depend on it.
  const names = [`hook-${RUN}-new`, `hook-${RUN}-old`];
  await kubectlAdmin(['create', '-f', '-'], [ACCELERATION_LABEL, LEGACY_ACCELERATION_LABEL].map((label, i) => JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: names[i], labels: { [label]: 'true' } } })).join('\n'));
  try {
    const counts = async (): Promise<Record<string, number>> => {
      const body = (await call('/readyz?verbose')).body;
      return Object.fromEntries([...body.matchAll(/nodes with (\S+)=true: (\d+) \(\d+ Ready\)/g)].map((m) => [m[1] as string, Number(m[2])]));
    };
    for (let i = 0; ; i++) {
      const c = await counts();
      if ((c[ACCELERATION_LABEL] ?? 0) >= 1 && (c[LEGACY_ACCELERATION_LABEL] ?? 0) >= 1) break;
      if (i > 100) assert.fail(`the watch never saw both spellings: ${(await call('/readyz?verbose')).body}\n${helperLog.slice(-2000)}`);
      await delay(100);
    }
    assert.match((await call('/readyz?verbose')).body, /required node label: node.uk8s.ucloud.cn\/image_accel=true or node.uk8s.ucloud.cn\/uimgacc=true \(both spellings\)/);
    const m = (await metrics()).body;
    assert.match(m, /^uimgacc_accelerated_nodes\{label="node.uk8s.ucloud.cn\/uimgacc",ready="false"\} [1-9]\d*$/m);
    assert.match(m, /^uimgacc_node_requests\{kind="watch"\} [1-9]\d*$/m);
    assert.match(helperLog, /"msg":"acceleration node labels"/);
  } finally {
    await kubectlAdmin(['delete', 'node', ...names, '--wait=false']).catch(() => undefined);
  }
});

test('a server-side dry run gets the same mutation and creates nothing', async () => {
  const pod = await createPod(rewriteNs, 'dry', APP, {}, ['--dry-run=server']);
  assert.equal(pod.spec.containers[0]?.image, `${APP}-acc`);
  assert.deepEqual(pod.spec.affinity, required);
  await assert.rejects(kubectlAdmin(['-n', rewriteNs, 'get', 'pod', 'dry']), /NotFound/);
  assert.match(helperLog, /"msg":"mutated".*"pod":"dry","dryRun":true/);
});

test('an original image whose acceleration is not Ready is left alone', async () => {
  // A real create in progress (CreateUK8SImageAccelerate through the simulator): UCloud hides the list, the helper
  // keeps the Ready one and never rewrites to the target being created, nor places Pods that already name it.
  await ucloud.create(NEW, `${NEW}-acc`);
  await until('/readyz', /UCloud hides the list \(Creating\): using the last known one/);
  const pod = await createPod(rewriteNs, 'not-ready', NEW);
  assert.equal(pod.spec.containers[0]?.image, NEW);
  assert.equal(pod.spec.affinity, undefined);
  const early = await createPod(plainNs, 'target-not-ready', `${NEW}-acc`);
  assert.equal(early.spec.affinity, undefined, 'a target that is not Ready is not known as one');
  const still = await createPod(rewriteNs, 'still-ready', APP);
  assert.equal(still.spec.containers[0]?.image, `${APP}-acc`, 'the Ready acceleration keeps working while another is created');
  // The create fails (as UCloud may): NEW never becomes a target.
  sim.setCluster(CLUSTER, { Status: 'CreateError', Error: 'e2e: create failed' });
  await until('/readyz', /^ok: 1 Ready target image/);
  // Once a real delete starts, nothing is rewritten to the target being deleted; Pods already using it keep the affinity.
  await ucloud.delete(APP);
  await until('/metrics', /^uimgacc_rewrite_active 0$/m);
  const deleting = await createPod(rewriteNs, 'during-delete', APP);
  assert.equal(deleting.spec.containers[0]?.image, APP);
  assert.equal(deleting.spec.affinity, undefined);
  assert.deepEqual((await createPod(plainNs, 'target-during-delete', `${APP}-acc`)).spec.affinity, required);
  // The delete fails and leaves the acceleration Ready (DeleteError keeps the image).
  sim.setCluster(CLUSTER, { Status: 'Ready', Error: '' });
  await until('/metrics', /^uimgacc_rewrite_active 1$/m);
});

test('a reference pinned by digest is never rewritten; the user is told why', async () => {
  const pinned = `${APP}@sha256:${'b'.repeat(64)}`;
  const r = await kubectlRaw(['-n', rewriteNs, 'run', 'pinned', `--image=${pinned}`, '--restart=Never', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const pod = JSON.parse(r.stdout) as PodOut;
  assert.equal(pod.spec.containers[0]?.image, pinned, 'what the Pod runs is what the user pinned');
  assert.equal(pod.spec.affinity, undefined);
  assert.match(r.stderr, /Warning: uimgacc: containers\/pinned is pinned by digest .* not rewritten/, helperLog.slice(-3000));
  assert.match((await metrics()).body, /uimgacc_admission_warnings_total\{reason="digest pinned"\} [1-9]/);
});

test('kubectl set image and kubectl debug with a target image on a Pod without the affinity: allowed, with a warning', async () => {
  await createPod(plainNs, 'plain-web', 'busybox:1');
  const set = await kubectlRaw(['-n', plainNs, 'set', 'image', 'pod/plain-web', `main=${APP}-acc`]);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stderr, /Warning: uimgacc: containers\/main \(.*app:v1-acc\) now uses an accelerated target image, but this Pod's node affinity does not require node\.uk8s\.ucloud\.cn\/image_accel=true or node\.uk8s\.ucloud\.cn\/uimgacc=true/);
  assert.match(set.stderr, /kubectl uimgacc patch/);
  await createPod(plainNs, 'plain-dbg', 'busybox:1');
  const debug = await kubectlRaw(['-n', plainNs, 'debug', 'pod/plain-dbg', `--image=${APP}-acc`, '-c', 'dbg']);
  assert.equal(debug.code, 0, debug.stderr);
  assert.match(debug.stderr, /Warning: uimgacc: ephemeralContainers\/dbg .* now uses an accelerated target image.*kubectl debug --copy-to/);
  const after = JSON.parse(await kubectlAdmin(['-n', plainNs, 'get', 'pod', 'plain-dbg', '-o', 'json'])) as { spec: { ephemeralContainers?: { image: string }[] } };
  assert.equal(after.spec.ephemeralContainers?.[0]?.image, `${APP}-acc`, 'never denied');
  // A Pod created with the affinity is placed on an accelerated node: debugging it with a target image is silent.
  await createPod(plainNs, 'placed', `${APP}-acc`);
  const quiet = await kubectlRaw(['-n', plainNs, 'debug', 'pod/placed', `--image=${APP}-acc`, '-c', 'dbg']);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /uimgacc/);
});

test('UCloud down at start-up: not ready within the grace, ready after it (fail-open) or as soon as UCloud answers', async () => {
  const cp = await sharedControlPlane();
  sim.addFault({ kind: 'http', status: 503, action: 'GetUK8SImageAccelerate', times: 100_000 });
  const started: { child: ChildProcess; port: number; log: string }[] = [];
  const start = async (grace: string): Promise<{ child: ChildProcess; port: number; log: string }> => {
    const child = spawn(process.execPath, ['dist/helper.mjs', '--port', '0', '--metrics-port', '0', '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--poll-interval', '200ms', '--ready-grace', grace, '--shutdown-delay', '0s', '--kubeconfig', cp.kubeconfigPath], {
      env: { PATH: process.env['PATH'], UCLOUD_PUBLIC_KEY: 'helper-pub', UCLOUD_PRIVATE_KEY: 'helper-priv', UCLOUD_UK8S_CLUSTER_ID: CLUSTER, UCLOUD_REGION: 'cn-bj2', UCLOUD_API_BASE_URL: sim.url, HOME: tls.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const h = { child, port: 0, log: '' };
    started.push(h);
    child.stdout.on('data', (c: Buffer) => (h.log += c.toString()));
    child.stderr.on('data', (c: Buffer) => (h.log += c.toString()));
    for (let i = 0; !h.port; i++) {
      const m = /"msg":"listening","port":(\d+)/.exec(h.log);
      if (m) h.port = Number(m[1]);
      else if (i > 150) assert.fail(`helper did not start: ${h.log}`);
      else await delay(100);
    }
    return h;
  };
  const readyz = async (h: { port: number }): Promise<Reply> => {
    const saved = port;
    port = h.port;
    try {
      return await call('/readyz');
    } finally {
      port = saved;
    }
  };
  try {
    const patient = await start('1h');
    const impatient = await start('1s');
    // The first read has failed (the snapshot is published) and the list is unknown: not ready, and it says why.
    let r = await readyz(patient);
    for (let i = 0; !/last UCloud read failed/.test(r.body); i++) {
      if (i > 100) assert.fail(`no failed read reported: ${r.body}`);
      await delay(100);
      r = await readyz(patient);
    }
    assert.equal(r.status, 503);
    assert.match(r.body, /^not ready: no accelerations list yet/);
    // Past its grace, a helper serves anyway (fail-open, with an empty list) rather than keep the Service empty.
    for (let i = 0; (await readyz(impatient)).status !== 200; i++) {
      if (i > 100) assert.fail(`never ready after the grace: ${impatient.log.slice(-1500)}`);
      await delay(100);
    }
    assert.equal((await readyz(patient)).status, 503, 'still within its grace');
    sim.clearFaults();
    for (let i = 0; (await readyz(patient)).status !== 200; i++) {
      if (i > 100) assert.fail(`never ready once UCloud answered: ${patient.log.slice(-1500)}`);
      await delay(100);
    }
    assert.match((await readyz(patient)).body, /^ok: 1 Ready target image/);
  } finally {
    sim.clearFaults();
    for (const h of started) h.child.kill('SIGKILL');
  }
});

test('when UCloud fails, the last good list stays in use and readiness and metrics say so', async () => {
  sim.addFault({ kind: 'http', status: 503, action: 'GetUK8SImageAccelerate', times: 100_000 });
  await until('/metrics', /^uimgacc_ucloud_up 0$/m);
  const ready = await call('/readyz');
  assert.equal(ready.status, 200, 'serving the last good list beats taking the webhook down');
  assert.match(ready.body, /last UCloud read failed, using the last good list/);
  const m = (await metrics()).body;
  assert.match(m, /^uimgacc_ucloud_up 0$/m);
  assert.match(m, /uimgacc_ucloud_api_errors_total [1-9]/);
  assert.deepEqual((await createPod(plainNs, 'during-outage', `${APP}-acc`)).spec.affinity, required);
  sim.clearFaults();
  await until('/metrics', /^uimgacc_ucloud_up 1$/m);
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
  // A Pod shape that breaks the affinity code: admitted unchanged with its uid (internal error, counted).
  const broken = await call('/mutate', 'POST', JSON.stringify({ request: { uid: 'e-1', kind: { kind: 'Pod' }, operation: 'CREATE', object: { spec: { containers: [{ image: `${APP}-acc` }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [null] } } } } } } }));
  assert.deepEqual((JSON.parse(broken.body) as { response: { uid: string; allowed: boolean } }).response.allowed, true);
  assert.equal((await call('/mutate')).status, 405);
  assert.equal((await call('/nope')).status, 404);
  assert.equal((await call('/metrics')).status, 404, 'metrics are on their own port, not on the webhook port');
  assert.equal((await call('/healthz')).status, 200);
  const m = (await metrics()).body;
  assert.match(m, /uimgacc_admission_requests_total\{result="mutated"\} [1-9]/);
  assert.match(m, /uimgacc_admission_requests_total\{result="malformed"\} [1-9]/);
  assert.match(m, /uimgacc_admission_requests_total\{result="unexpected"\} [1-9]/);
  assert.match(m, /uimgacc_admission_requests_total\{result="error"\} 1/);
  assert.match(m, /uimgacc_required_node_label\{label="node.uk8s.ucloud.cn\/image_accel"\} 1/);
  assert.match(m, /uimgacc_required_node_label\{label="node.uk8s.ucloud.cn\/uimgacc"\} 1/);
  assert.match(m, /uimgacc_mutations_total\{kind="rewrite"\} [1-9]/);
  assert.match(m, /uimgacc_mutations_total\{kind="affinity"\} [1-9]/);
  assert.match(m, /uimgacc_admission_duration_seconds_bucket\{le="0.005"\} [1-9]/);
  assert.match(m, /uimgacc_cache_age_seconds [0-9.]+/);
  assert.match(m, /^uimgacc_ready_targets 1$/m);
  assert.match((await call('/readyz')).body, /^ok: 1 Ready target image/);
  assert.match(helperLog, /"level":"warn","msg":"allowed unchanged"/);
  assert.ok(!helperLog.includes('helper-priv'), 'no secret in the logs');
  for (const line of helperLog.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
});

test('an oversized body gets 413 and the connection is closed at once, without reading the rest', async () => {
  const answer = await untilClosed((socket) => {
    // Declares 9 MiB and sends only the start: a server that drained the body would wait for the rest forever.
    socket.write(`POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${9 * 1024 * 1024}\r\n\r\n{"request":`);
  });
  assert.match(answer, /^HTTP\/1\.1 413 /);
  assert.match(answer, /connection: close/i);
  // Chunked, no length announced: cut off as soon as the limit is passed.
  const chunked = await untilClosed((socket) => {
    socket.write('POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 9; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  });
  assert.match(chunked, /^HTTP\/1\.1 413 /);
  assert.match((await metrics()).body, /uimgacc_admission_requests_total\{result="too large"\} 2/);
});

// A server that held such clients would never close: the test's timeout is what fails then.
test('a client that drips its headers or body is cut off by the header and request timeouts', { timeout: 60_000 }, async () => {
  // Headers never finished: closed by headersTimeout (a few seconds), not held open.
  const headers = await untilClosed((socket) => socket.write('POST /mutate HTTP/1.1\r\nHost: x\r\n'));
  assert.match(headers, /^(HTTP\/1\.1 408 |)/);
  // Headers complete, body never finished: closed by requestTimeout.
  const body = await untilClosed((socket) => socket.write('POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{'));
  assert.match(body, /^(HTTP\/1\.1 408 |)/);
});

test('a key that does not match the certificate is not loaded; the previous pair keeps serving', async () => {
  const other = makeServingCert();
  const before = await servedFingerprint(port);
  const keyBefore = readFileSync(tls.keyFile);
  copyFileSync(other.keyFile, tls.keyFile);
  for (let i = 0; !/could not load the serving certificate; keeping the previous one/.test(helperLog); i++) {
    if (i > 100) assert.fail(`mismatch not noticed: ${helperLog.slice(-2000)}`);
    await delay(100);
  }
  assert.match(helperLog, /key values mismatch|does not match|KEY_VALUES_MISMATCH/i);
  assert.equal(await servedFingerprint(port), before);
  assert.equal((await call('/healthz')).status, 200, 'still trusted by the same CA');
  // Put the matching key back so that the next test starts from a consistent pair.
  writeFileSync(tls.keyFile, keyBefore);
});

test('a rotated serving certificate is picked up without a restart', async () => {
  const fresh = makeServingCert();
  const before = await servedFingerprint(port);
  copyFileSync(fresh.keyFile, tls.keyFile);
  copyFileSync(fresh.certFile, tls.certFile);
  const expected = new X509Certificate(readFileSync(fresh.certFile)).fingerprint256;
  for (let i = 0; (await servedFingerprint(port)) !== expected; i++) {
    if (i > 50) assert.fail(`certificate not reloaded: ${helperLog}`);
    await delay(100);
  }
  assert.notEqual(before, expected);
  assert.match(helperLog, /"msg":"reloaded serving certificate"/);
  tls = { ...tls, caFile: fresh.caFile };
});

test('on SIGTERM the helper fails readiness but keeps answering, then stops; Pods are still created (fail-open)', async () => {
  helper?.kill('SIGTERM');
  // Wait for the condition (the signal handled), not for a time.
  let ready = await call('/readyz');
  for (let i = 0; ready.status !== 503; i++) {
    if (i > 100) assert.fail(`readiness never failed after SIGTERM: ${helperLog.slice(-2000)}`);
    await delay(50);
    ready = await call('/readyz');
  }
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
