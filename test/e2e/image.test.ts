// The helper image for real: the OCI archive `npm run image` saves, loaded into podman and run as the chart runs it
// (user 65532, read-only root file system, all capabilities dropped); the real apiserver calling it through the chart's
// webhook configuration, with the certificate the helper in the container made and stored through the apiserver;
// SIGTERM draining; and a local OCI registry (CNCF Distribution) receiving the image and the chart, from which
// `helm install oci://…` installs a Deployment pinned to the pushed digest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import * as yaml from 'js-yaml';
import { buildImage, imageArchive, imageReference, packageVersion } from '../../scripts/image.ts';
import { packageChart } from '../../scripts/chart.ts';
import { freePort, kubeconfigYaml } from '../controlplane/controlplane.ts';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { registryBinary } from '../controlplane/testbin.ts';
import { engine, engineOk, runFlags } from '../helpers/container.ts';
import { isolatedHelm, type Helm } from '../helpers/helm.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { ACCELERATION_LABEL } from '../../lib/affinity.ts';
import { createCa, createServingCert, serviceNames } from '../../helper/certs.ts';

const RUN = randomBytes(3).toString('hex');
const VERSION = packageVersion();
const CLUSTER = 'uk8s-image0001';
const APP = `uhub.service.ucloud.cn/image-${RUN}/app:v1`;
const RELEASE = `img-${RUN}`;
const FULLNAME = `${RELEASE}-uimgacc`;
// The release installed from the registry: its own name and namespace selector, so its webhook (whose Service has no
// endpoints here) never sees the Pods of the other tests.
const OCI_RELEASE = `oci-${RUN}`;
const OCI_FULLNAME = `${OCI_RELEASE}-uimgacc`;
const CONTAINER = `uimgacc-image-e2e-${RUN}`;
const SELECTOR = ['--set-string', `webhook.namespaceSelector.matchLabels.uimgacc-image-e2e=${RUN}`];
const CREDENTIALS = ['--set', 'credentials.publicKey=image-pub', '--set', 'credentials.privateKey=image-priv'];
const required = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ACCELERATION_LABEL, operator: 'In', values: ['true'] }] }] } } };

let image = '';
let helm: Helm;
let sim: Simulator | undefined;
let registry: ChildProcess | undefined;
const cleanup: (() => Promise<unknown>)[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'uimgacc-image-'));

before(async () => {
  // A stale or missing archive is rebuilt (about 10 s once the base is cached): the test checks what this tree builds.
  const archive = imageArchive();
  if (!existsSync(archive) || statSync(archive).mtimeMs < statSync('dist/helper.mjs').mtimeMs) buildImage({ log: () => undefined });
  const loaded = await engineOk(['load', '--input', archive]);
  assert.match(loaded, new RegExp(`Loaded image.*${imageReference().replace(/[.]/g, '\\.')}`), loaded);
  // A name of this run's own: other checkouts sharing the machine's image storage may build the same tag meanwhile.
  image = `localhost/uimgacc-helper-e2e-${RUN}:${VERSION}`;
  await engineOk(['tag', imageReference(), image]);
  cleanup.push(() => engine(['rmi', image]));
  helm = isolatedHelm((await sharedControlPlane()).kubeconfigPath);
});

after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => undefined);
  registry?.kill('SIGKILL');
  await sim?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const tarList = async (file: string): Promise<string[]> =>
  (await promisify(execFile)('tar', ['-tf', file], { maxBuffer: 64 << 20 })).stdout.split('\n').map((f) => f.replace(/^\.?\//, '').replace(/\/$/, ''));
const tarFile = async (file: string, member: string): Promise<string> => (await promisify(execFile)('tar', ['-xOf', file, member], { maxBuffer: 64 << 20 })).stdout;

/** `run --rm` of the image as the chart runs it: user 65532, read-only root, no capabilities, and here no network. */
function runIsolated(args: readonly string[], entrypoint?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return engine(['run', '--rm', ...runFlags(), '--read-only', '--network', 'none', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', ...(entrypoint ? ['--entrypoint', entrypoint] : []), image, ...args]);
}

test('the image is distroless-style: Node the repository pins, the bundle and LICENSE, user 65532, no shell', async () => {
  const [config] = JSON.parse(await engineOk(['image', 'inspect', image])) as { Config: { User: string; Entrypoint: string[]; Cmd?: string[]; Labels: Record<string, string> } }[];
  assert.equal(config?.Config.User, '65532:65532');
  assert.deepEqual(config?.Config.Entrypoint, ['/nodejs/bin/node', '/app/helper.mjs']);
  assert.equal(config?.Config.Labels['org.opencontainers.image.version'], VERSION);
  // Every file of the image, from a container's export.
  const id = (await engineOk(['create', ...runFlags(), image])).trim();
  cleanup.push(() => engine(['rm', '-f', id]));
  const exported = join(tmp, 'rootfs.tar');
  await engineOk(['export', '--output', exported, id]);
  const files = await tarList(exported);
  for (const f of ['app/helper.mjs', 'app/LICENSE', 'nodejs/bin/node', 'etc/ssl/certs/ca-certificates.crt', 'usr/share/zoneinfo/Asia/Shanghai', 'etc/passwd']) assert.ok(files.includes(f), `${f} is in the image`);
  // Node is the only program; var/lib/dpkg/status.d only tells image scanners which Debian packages are inside.
  const programs = files.filter((f) => f !== 'nodejs/bin/node' && /(^|\/)(s?bin\/[^/]+|sh|bash|dash|busybox|apt-get|perl|python3?)$/.test(f));
  assert.deepEqual(programs, [], 'no shell, no package manager, no other programs');
  assert.ok(!files.some((f) => f.startsWith('app/node_modules')), 'the bundle needs no node_modules');
  assert.equal(await tarFile(exported, 'app/LICENSE'), readFileSync('LICENSE', 'utf8'));
  assert.match(await tarFile(exported, 'etc/passwd'), /^nonroot:x:65532:65532:/m);
  const shell = await engine(['run', '--rm', ...runFlags(), '--network', 'none', '--entrypoint', '/bin/sh', image, '-c', 'true']);
  assert.notEqual(shell.code, 0, 'no /bin/sh to run');
});

test('the container runs as 65532 with a read-only root file system and no network; --version and --help work', async () => {
  const version = await runIsolated(['--version']);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout, `uimgacc-helper ${VERSION}\n`);
  const help = await runIsolated(['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^uimgacc-helper: fail-open admission webhook/);
  assert.match(help.stdout, /--cert-file/);
  const bad = await runIsolated(['--no-such-flag']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: /);
  // Inside: who it runs as, which Node, and that the root file system and the network are really closed.
  const probe = `const fs = require('node:fs'); let write = 'written';
    try { fs.writeFileSync('/app/x', ''); } catch (e) { write = e.code; }
    console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), user: require('node:os').userInfo().username,
      node: process.version, write, interfaces: Object.keys(require('node:os').networkInterfaces()) }));`;
  const inside = await runIsolated(['-e', probe], '/nodejs/bin/node');
  assert.equal(inside.code, 0, inside.stderr);
  const pinned = (JSON.parse(readFileSync('node_modules/node/package.json', 'utf8')) as { version: string }).version;
  assert.deepEqual(JSON.parse(inside.stdout), { uid: 65532, gid: 65532, user: 'nonroot', node: `v${pinned}`, write: 'EROFS', interfaces: ['lo'] });
});

interface Doc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template: { spec: { containers: { args: string[] }[] } } };
  webhooks?: { clientConfig: { caBundle?: string; service: { name: string; namespace: string; port: number } } }[];
}

let port = 0;
let caPem = '';
let helperLog = async (): Promise<string> => '';

/** HTTPS to the published port, verified as the apiserver verifies it: the chart's CA, the Service's DNS name. */
function call(path: string, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method, ca: caPem, servername: `${FULLNAME}.${releaseNs}.svc`, agent: false, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Plain-HTTP GET on loopback (the registry, the helper's metrics port): status, digest header and body. */
function httpGet(httpPort: number, path: string, accept?: string): Promise<{ status: number; digest?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: httpPort, path, headers: accept ? { Accept: accept } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, digest: res.headers['docker-content-digest'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let releaseNs = '';
let podNs = '';

async function createPod(ns: string, name: string, img: string): Promise<{ spec: { containers: { image: string }[]; affinity?: unknown } }> {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image: img }] } };
  return JSON.parse(await kubectlAdmin(['-n', ns, 'create', '-f', '-', '-o', 'json'], JSON.stringify(pod))) as { spec: { containers: { image: string }[]; affinity?: unknown } };
}

test('the real apiserver calls the helper in the container through the chart\'s webhook and TLS; Pods get the affinity', async () => {
  sim = await startSimulator({
    accounts: [{ publicKey: 'image-pub', privateKey: 'image-priv' }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] }],
  });
  port = await freePort();
  const metricsPort = await freePort();
  releaseNs = await uniqueNamespace('image-rel');
  podNs = await uniqueNamespace('image-pods', { 'uimgacc-image-e2e': RUN });
  // The chart, rendered for this release in its default certificate mode (tls.mode=helper): the helper in the container
  // fills the chart's empty TLS Secret with a CA and a serving certificate for the Service's names and writes the CA
  // into the chart's webhook configuration, through the real apiserver. The Service's port is the one published on
  // loopback.
  const rendered = await helm(['template', RELEASE, 'charts/uimgacc', '-n', releaseNs, '--kube-version', '1.36.0', ...CREDENTIALS, ...SELECTOR, '--set', `service.port=${port}`, '--set', `nodeLabel=${ACCELERATION_LABEL}`]);
  assert.equal(rendered.code, 0, rendered.stderr);
  const docs = (yaml.loadAll(rendered.stdout) as (Doc | null)[]).filter((d): d is Doc => d !== null);
  const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === `${FULLNAME}-tls`);
  const webhook = docs.find((d) => d.kind === 'MutatingWebhookConfiguration');
  const args = docs.find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0]?.args;
  assert.ok(secret && webhook && args, rendered.stdout);
  assert.ok(args.includes(`--tls-secret=${FULLNAME}-tls`), args.join(' '));
  assert.deepEqual(webhook.webhooks?.map((w) => [w.clientConfig.service.name, w.clientConfig.service.port]), [[FULLNAME, port], [FULLNAME, port]]);
  await kubectlAdmin(['-n', releaseNs, 'create', '-f', '-'], JSON.stringify(secret));
  await kubectlAdmin(['create', '-f', '-'], JSON.stringify(webhook));
  cleanup.push(() => kubectlAdmin(['delete', 'mutatingwebhookconfiguration', FULLNAME, '--ignore-not-found']));

  // slirp4netns maps the host's loopback to 10.0.2.2 inside the container: the simulator and the apiserver listen
  // there. The apiserver's certificate does not name 10.0.2.2: the kubeconfig says which of its names to check.
  const cp = await sharedControlPlane();
  const kubeconfig = yaml.load(kubeconfigYaml({ server: `https://10.0.2.2:${new URL(cp.server).port}`, caData: cp.caData }, 'admin', cp.adminToken)) as { clusters: { cluster: Record<string, string> }[] };
  for (const c of kubeconfig.clusters) c.cluster['tls-server-name'] = 'kubernetes.default.svc';
  const kubeconfigFile = join(tmp, 'kubeconfig');
  writeFileSync(kubeconfigFile, yaml.dump(kubeconfig), { mode: 0o644 });
  const simUrl = sim.url.replace('127.0.0.1', '10.0.2.2');
  await engineOk(['run', '--detach', '--name', CONTAINER, ...runFlags(), '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--network', 'slirp4netns:allow_host_loopback=true', '--publish', `127.0.0.1:${port}:8443`, '--publish', `127.0.0.1:${metricsPort}:9090`, '--volume', `${kubeconfigFile}:/etc/uimgacc/kubeconfig:ro`, '--env', `POD_NAMESPACE=${releaseNs}`, '--env', 'UCLOUD_PUBLIC_KEY=image-pub', '--env', 'UCLOUD_PRIVATE_KEY=image-priv', '--env', `UCLOUD_UK8S_CLUSTER_ID=${CLUSTER}`, '--env', 'UCLOUD_REGION=cn-bj2', '--env', `UCLOUD_API_BASE_URL=${simUrl}`, image, ...args, '--kubeconfig=/etc/uimgacc/kubeconfig']);
  cleanup.push(() => engine(['rm', '--force', CONTAINER]));
  helperLog = async () => {
    const r = await engine(['logs', CONTAINER]);
    return r.stdout + r.stderr;
  };
  for (let i = 0; !caPem; i++) {
    const tls = JSON.parse(await kubectlAdmin(['-n', releaseNs, 'get', 'secret', `${FULLNAME}-tls`, '-o', 'json'])) as { data?: Record<string, string> };
    if (tls.data?.['ca.crt']) caPem = Buffer.from(tls.data['ca.crt'], 'base64').toString();
    else if (i > 150) assert.fail(`the helper never wrote its certificate: ${await helperLog()}`);
    else await delay(100);
  }
  for (let i = 0; ; i++) {
    const ready = await call('/readyz').catch((err: Error) => ({ status: 0, body: err.message }));
    if (ready.status === 200) break;
    if (i > 150) assert.fail(`helper not ready: ${ready.body}\n${await helperLog()}`);
    await delay(100);
  }

  // The apiserver resolves the webhook's Service; an ExternalName Service sends it to the published loopback port,
  // and it checks the certificate against <service>.<namespace>.svc with the caBundle, as in a cluster.
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: FULLNAME }, spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port, targetPort: 8443 }] } };
  await kubectlAdmin(['-n', releaseNs, 'create', '-f', '-'], JSON.stringify(service));
  // The helper wrote its CA into both webhooks' caBundle.
  const installed = JSON.parse(await kubectlAdmin(['get', 'mutatingwebhookconfiguration', FULLNAME, '-o', 'json'])) as { webhooks: { clientConfig: { caBundle?: string } }[] };
  assert.deepEqual(installed.webhooks.map((w) => Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString()), [caPem, caPem]);
  // Webhook configurations reach the admission chain asynchronously: wait until a probe Pod is mutated.
  for (let i = 0; ; i++) {
    const probe = await createPod(podNs, `probe-${i}`, `${APP}-acc`);
    if (probe.spec.affinity) break;
    if (i > 60) assert.fail(`webhook never called: ${await helperLog()}`);
    await delay(250);
  }
  const pod = await createPod(podNs, 'uses-target', `${APP}-acc`);
  assert.deepEqual(pod.spec.affinity, required);
  const plain = await createPod(podNs, 'uses-original', APP);
  assert.equal(plain.spec.affinity, undefined, 'no affinity without a target image');
  assert.equal(plain.spec.containers[0]?.image, APP);
  const log = await helperLog();
  assert.match(log, /"msg":"mutated".*"pod":"uses-target"/);
  // The chart's metrics port, plain HTTP, as Prometheus scrapes it.
  const metrics = (await httpGet(metricsPort, '/metrics')).body;
  assert.match(metrics, /uimgacc_mutations_total\{kind="affinity"\} [1-9]/);
  assert.ok(!log.includes('image-priv'), 'no secret in the logs');
});

test('SIGTERM to the container drains as the process does: readiness fails, requests are answered, exit 0', async () => {
  assert.ok(port, 'the container of the previous test runs');
  await engineOk(['kill', '--signal', 'TERM', CONTAINER]);
  let ready = await call('/readyz');
  for (let i = 0; ready.status === 200 && i < 100; i++) {
    await delay(20);
    ready = await call('/readyz');
  }
  assert.equal(ready.status, 503);
  assert.match(ready.body, /shutting down/);
  const review = { request: { uid: 'drain-1', kind: { kind: 'Pod' }, operation: 'CREATE', object: { spec: { containers: [{ image: `${APP}-acc` }] } } } };
  const during = await call('/mutate', 'POST', JSON.stringify(review));
  assert.ok((JSON.parse(during.body) as { response: { patch?: string } }).response.patch, 'still answering while draining');
  const code = (await engineOk(['wait', CONTAINER])).trim();
  assert.equal(code, '0');
  const log = await helperLog();
  assert.match(log, /"msg":"shutting down","signal":"SIGTERM"/);
  assert.match(log, /"msg":"stopped"/);
  // Fail-open: with the helper gone, Pods are still created, unchanged.
  const after = await createPod(podNs, 'after-stop', `${APP}-acc`);
  assert.equal(after.spec.affinity, undefined);
});

let registryPort = 0;

test('a local OCI registry receives the image and the chart; helm install oci://… pins the pushed digest; upgrade keeps the certificates', async () => {
  registryPort = await freePort();
  const config = join(tmp, 'registry.yml');
  writeFileSync(config, yaml.dump({ version: 0.1, log: { level: 'warn' }, storage: { filesystem: { rootdirectory: join(tmp, 'registry') } }, http: { addr: `127.0.0.1:${registryPort}` } }));
  let registryLog = '';
  registry = spawn(registryBinary(), ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  registry.stdout?.on('data', (c: Buffer) => (registryLog += c.toString()));
  registry.stderr?.on('data', (c: Buffer) => (registryLog += c.toString()));
  for (let i = 0; (await httpGet(registryPort, '/v2/').catch(() => ({ status: 0 }))).status !== 200; i++) {
    if (i > 100 || registry.exitCode !== null) assert.fail(`registry did not start: ${registryLog}`);
    await delay(100);
  }
  const host = `127.0.0.1:${registryPort}`;

  // The image: pushed with podman (plain HTTP on loopback), its digest as the registry reports it.
  const repository = `${host}/uimgacc/uimgacc-helper`;
  const digestFile = join(tmp, 'digest');
  await engineOk(['push', '--tls-verify=false', '--digestfile', digestFile, image, `${repository}:${VERSION}`]);
  const digest = readFileSync(digestFile, 'utf8').trim();
  assert.match(digest, /^sha256:[a-f0-9]{64}$/);
  const manifest = await httpGet(registryPort, `/v2/uimgacc/uimgacc-helper/manifests/${VERSION}`, 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json');
  assert.equal(manifest.status, 200, manifest.body);
  assert.equal(manifest.digest, digest);
  // What the registry holds runs: pulled back by digest.
  await engineOk(['pull', '--tls-verify=false', `${repository}@${digest}`]);
  cleanup.push(() => engine(['rmi', `${repository}@${digest}`, `${repository}:${VERSION}`]));
  const pulled = await engine(['run', '--rm', ...runFlags(), '--read-only', '--network', 'none', `${repository}@${digest}`, '--version']);
  assert.equal(pulled.stdout, `uimgacc-helper ${VERSION}\n`, pulled.stderr);

  // The chart: packaged as `npm run package` packages it, pushed with helm to the OCI registry.
  const chart = packageChart(join(tmp, 'charts'));
  const pushed = await helm(['push', chart, `oci://${host}/charts`, '--plain-http']);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.match(pushed.stdout + pushed.stderr, new RegExp(`Pushed: ${host}/charts/uimgacc:${VERSION.replace(/[.]/g, '\\.')}`));
  const tags = await httpGet(registryPort, '/v2/charts/uimgacc/tags/list');
  assert.deepEqual((JSON.parse(tags.body) as { tags: string[] }).tags, [VERSION]);

  // Installed from the registry into the test cluster, the image pinned by the pushed digest.
  const ns = await uniqueNamespace('image-oci');
  const values = ['--version', VERSION, '--plain-http', '-n', ns, ...CREDENTIALS, '--set-string', `webhook.namespaceSelector.matchLabels.uimgacc-image-e2e=${RUN}-oci`, '--set', `image.repository=${repository}`, '--set', `image.digest=${digest}`];
  const install = await helm(['install', OCI_RELEASE, `oci://${host}/charts/uimgacc`, ...values]);
  assert.equal(install.code, 0, install.stderr);
  cleanup.push(() => helm(['uninstall', OCI_RELEASE, '-n', ns]));
  const deployment = async (): Promise<string | undefined> =>
    (JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'deployment', OCI_FULLNAME, '-o', 'json'])) as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]?.image;
  assert.equal(await deployment(), `${repository}:${VERSION}@${digest}`);
  const listed = JSON.parse((await helm(['list', '-n', ns, '-o', 'json'])).stdout) as { chart: string; app_version: string }[];
  assert.deepEqual(listed.map((r) => [r.chart, r.app_version]), [[`uimgacc-${VERSION}`, VERSION]]);
  const bad = await helm(['template', 'x', `oci://${host}/charts/uimgacc`, '--version', VERSION, '--plain-http', ...CREDENTIALS, '--set', 'image.digest=latest']);
  assert.notEqual(bad.code, 0, 'the schema refuses a digest that is not sha256:<64 hex>');
  assert.match(bad.stderr, /digest/);

  // What the helper writes in the cluster (no kubelet here to run it): its certificates in the Secret the chart
  // created empty, its CA in the caBundle. An upgrade from the registry must leave both alone.
  const ca = createCa(Date.now(), 24 * 3600 * 1000);
  const pair = createServingCert(ca, serviceNames(OCI_FULLNAME, ns), Date.now(), 24 * 3600 * 1000);
  const b64 = (t: string): string => Buffer.from(t).toString('base64');
  await kubectlAdmin(['-n', ns, 'patch', 'secret', `${OCI_FULLNAME}-tls`, '--type=merge', '-p', JSON.stringify({ data: { 'ca.crt': b64(ca.caCert), 'ca.key': b64(ca.caKey), 'tls.crt': b64(pair.cert), 'tls.key': b64(pair.key) } })]);
  await kubectlAdmin(['patch', 'mutatingwebhookconfiguration', OCI_FULLNAME, '--type=json', '-p', JSON.stringify([0, 1].map((i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: b64(ca.caCert) })))]);
  const certificates = async (): Promise<string[]> => {
    const secret = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'secret', `${OCI_FULLNAME}-tls`, '-o', 'json'])) as { data: Record<string, string> };
    const hook = JSON.parse(await kubectlAdmin(['get', 'mutatingwebhookconfiguration', OCI_FULLNAME, '-o', 'json'])) as { webhooks: { clientConfig: { caBundle: string } }[] };
    return [secret.data['ca.crt'] as string, secret.data['tls.crt'] as string, secret.data['tls.key'] as string, ...hook.webhooks.map((w) => w.clientConfig.caBundle)];
  };
  const first = await certificates();
  assert.equal(first[0], b64(ca.caCert));
  const upgrade = await helm(['upgrade', OCI_RELEASE, `oci://${host}/charts/uimgacc`, ...values]);
  assert.equal(upgrade.code, 0, upgrade.stderr);
  assert.deepEqual(await certificates(), first, 'helm upgrade keeps the webhook certificates');
  assert.equal(await deployment(), `${repository}:${VERSION}@${digest}`);
});

test('a release build: one manifest list for linux/amd64 and linux/arm64, each image with its own pinned Node', async () => {
  assert.ok(registryPort, 'the registry of the previous test runs');
  const reference = `localhost/uimgacc-multiarch-${RUN}:${VERSION}`;
  const built = buildImage({ platforms: ['linux/amd64', 'linux/arm64'], reference, archive: join(tmp, 'multiarch.tar'), log: () => undefined });
  cleanup.push(() => engine(['manifest', 'rm', reference]));
  const index = JSON.parse(await tarFile(built.archive, 'index.json')) as { manifests: { mediaType: string }[] };
  assert.equal(index.manifests[0]?.mediaType, 'application/vnd.oci.image.index.v1+json', 'the archive holds the manifest list');
  const tag = `${VERSION}-multiarch`;
  const repository = `127.0.0.1:${registryPort}/uimgacc/uimgacc-helper`;
  await engineOk(['manifest', 'push', '--all', '--tls-verify=false', reference, `docker://${repository}:${tag}`]);
  const list = await httpGet(registryPort, `/v2/uimgacc/uimgacc-helper/manifests/${tag}`, 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json');
  assert.equal(list.status, 200, list.body);
  const instances = (JSON.parse(list.body) as { manifests: { digest: string; platform: { os: string; architecture: string } }[] }).manifests;
  assert.deepEqual(instances.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort(), ['linux/amd64', 'linux/arm64']);
  // This machine gets its own architecture's image from the list, and it runs.
  const run = await engine(['run', '--rm', '--tls-verify=false', ...runFlags(), '--read-only', '--network', 'none', `${repository}:${tag}`, '--version']);
  assert.equal(run.stdout, `uimgacc-helper ${VERSION}\n`, run.stderr);
  // The arm64 image cannot run here (nothing is emulated), but its Node must be an arm64 executable: ELF e_machine 183.
  const arm64 = instances.find((m) => m.platform.architecture === 'arm64')?.digest as string;
  await engineOk(['pull', '--tls-verify=false', '--platform', 'linux/arm64', `${repository}@${arm64}`]);
  cleanup.push(() => engine(['rmi', `${repository}@${arm64}`, `${repository}:${tag}`]));
  const id = (await engineOk(['create', '--platform', 'linux/arm64', `${repository}@${arm64}`])).trim();
  cleanup.push(() => engine(['rm', '-f', id]));
  const exported = join(tmp, 'arm64.tar');
  await engineOk(['export', '--output', exported, id]);
  const out = join(tmp, 'arm64');
  mkdirSync(out);
  await promisify(execFile)('tar', ['-xf', exported, '-C', out, 'nodejs/bin/node', 'app/helper.mjs']);
  const elf = readFileSync(join(out, 'nodejs/bin/node')).subarray(0, 20);
  assert.equal(elf.subarray(0, 4).toString('latin1'), '\x7fELF');
  assert.equal(elf.readUInt16LE(18), 183, 'EM_AARCH64');
  assert.equal(readFileSync(join(out, 'app/helper.mjs'), 'utf8'), readFileSync('dist/helper.mjs', 'utf8'));
});
