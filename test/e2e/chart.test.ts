// The Helm chart with a real helm against the real apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { helmBinary } from '../controlplane/testbin.ts';

const RUN = randomBytes(3).toString('hex');
const RELEASE = `uimgacc-${RUN}`;
const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'latest' };
let ns: string;
let helmEnv: NodeJS.ProcessEnv;
const VALUES = ['--set', 'credentials.publicKey=chart-pub', '--set', 'credentials.privateKey=chart-priv', '--set-string', `webhook.namespaceSelector.matchLabels.uimgacc-chart-e2e=${RUN}`];

function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(helmBinary(), args, { env: helmEnv, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  const cp = await sharedControlPlane();
  const home = mkdtempSync(join(tmpdir(), 'uimgacc-helm-'));
  helmEnv = { PATH: process.env['PATH'], HOME: home, KUBECONFIG: cp.kubeconfigPath, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
  // The release namespace enforces Pod Security "restricted" (and warns about it, which would show on helm's stderr).
  ns = await uniqueNamespace('chart', RESTRICTED);
});

after(async () => {
  await helm(['uninstall', RELEASE, '-n', ns]);
});

test('helm lint passes and the chart version agrees with the package', async () => {
  const lint = await helm(['lint', 'charts/uimgacc', '--strict', ...VALUES]);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  const chart = yaml.load(readFileSync('charts/uimgacc/Chart.yaml', 'utf8')) as { appVersion: string; version: string };
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.equal(chart.appVersion, pkg.version);
  assert.equal(chart.version, pkg.version);
});

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  webhooks?: Record<string, unknown>[];
  rules?: { resources: string[]; verbs: string[]; resourceNames?: string[] }[];
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

async function render(args: string[]): Promise<Doc[]> {
  const r = await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.36.0', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return (yaml.loadAll(r.stdout) as (Doc | null)[]).filter((d): d is Doc => d !== null);
}

test('helm template renders a restricted, fail-open webhook; missing credentials are an error', async () => {
  const docs = await render(VALUES);
  const config = docs.find((d) => d.kind === 'MutatingWebhookConfiguration');
  const hooks = config?.webhooks ?? [];
  assert.deepEqual(hooks.map((h) => h['name']), ['pods.uimgacc.ucloud.cn', 'rewrite.pods.uimgacc.ucloud.cn']);
  for (const hook of hooks) {
    assert.equal(hook['failurePolicy'], 'Ignore');
    assert.equal(hook['sideEffects'], 'None');
    assert.deepEqual(hook['admissionReviewVersions'], ['v1']);
    assert.equal(hook['reinvocationPolicy'], 'IfNeeded');
    assert.ok(Number(hook['timeoutSeconds']) <= 5);
    assert.ok(Array.isArray(hook['matchConditions']));
    assert.deepEqual(hook['rules'], [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'pods/ephemeralcontainers'], scope: 'Namespaced' }]);
    const selector = JSON.stringify(hook['namespaceSelector']);
    assert.match(selector, /"values":\["kube-system","default"\]/, 'kube-system and the release namespace are excluded');
    assert.match(selector, /"key":"uimgacc.ucloud.cn\/ignore","operator":"NotIn","values":\["true"\]/);
    assert.match(JSON.stringify(hook['objectSelector']), /"key":"uimgacc.ucloud.cn\/ignore","operator":"NotIn"/);
  }
  // Namespaces that opted in to rewriting reach a path of their own; every other namespace reaches the plain one.
  assert.match(JSON.stringify(hooks[0]), /"path":"\/mutate".*"key":"uimgacc.ucloud.cn\/rewrite","operator":"NotIn","values":\["enabled"\]/);
  assert.match(JSON.stringify(hooks[1]), /"path":"\/mutate\/rewrite".*"key":"uimgacc.ucloud.cn\/rewrite","operator":"In","values":\["enabled"\]/);

  const deploy = docs.find((d) => d.kind === 'Deployment') as Doc;
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const pod = (deploy.spec?.['template'] as { spec: { containers: { image: string; env: { name: string }[]; envFrom?: unknown }[]; affinity: object } }).spec;
  assert.equal(pod.containers[0]?.image, `uhub.service.ucloud.cn/uimgacc/uimgacc-helper:${pkg.version}`);
  assert.equal(deploy.spec?.['replicas'], 2);
  assert.match(JSON.stringify(pod.affinity), /podAntiAffinity/);
  // Only the keys the helper needs, never the UHub password a `configure` Secret also holds.
  assert.deepEqual(pod.containers[0]?.env.map((e) => e.name), ['UCLOUD_PUBLIC_KEY', 'UCLOUD_PRIVATE_KEY', 'UCLOUD_REGION', 'UCLOUD_PROJECT_ID', 'UCLOUD_UK8S_CLUSTER_ID', 'UCLOUD_API_BASE_URL']);
  assert.equal(pod.containers[0]?.envFrom, undefined);
  assert.ok(docs.some((d) => d.kind === 'PodDisruptionBudget' && d.spec?.['maxUnavailable'] === 1));
  // Least privilege: list and watch nodes, read one ConfigMap; nothing else.
  const roles = docs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role');
  assert.deepEqual(roles.flatMap((r) => r.rules ?? []), [
    { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
    { apiGroups: [''], resources: ['configmaps'], resourceNames: ['uk8sconfig'], verbs: ['get'] },
  ]);
  const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'x-uimgacc-credentials');
  assert.deepEqual(secret?.stringData, { UCLOUD_PUBLIC_KEY: 'chart-pub', UCLOUD_PRIVATE_KEY: 'chart-priv' });

  const old = await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.29.0', ...VALUES]);
  assert.doesNotMatch(old.stdout, /matchConditions/, 'matchConditions only where the server supports them');
  const bad = await helm(['template', 'x', 'charts/uimgacc']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /set credentials.existingSecret, or both credentials.publicKey and credentials.privateKey/);
  const schema = await helm(['template', 'x', 'charts/uimgacc', ...VALUES, '--set', 'webhook.failurePolicy=Sometimes']);
  assert.notEqual(schema.code, 0, 'values.schema.json rejects bad values');
  assert.match(schema.stderr, /failurePolicy/);
  const typo = await helm(['template', 'x', 'charts/uimgacc', ...VALUES, '--set', 'pollIntervall=10s']);
  assert.notEqual(typo.code, 0, 'unknown values are rejected');
});

test('helm template: an existing Secret, cert-manager', async () => {
  const existing = await render(['--set', 'credentials.existingSecret=my-creds']);
  assert.ok(!existing.some((d) => d.kind === 'Secret' && d.metadata.name.endsWith('-credentials')), 'no Secret of our own');
  assert.match(JSON.stringify(existing.find((d) => d.kind === 'Deployment')), /"secretKeyRef":\{"name":"my-creds","key":"UCLOUD_PUBLIC_KEY"\}/);
  const cm = await render([...VALUES, '--set', 'tls.certManager.enabled=true']);
  const cert = cm.find((d) => d.kind === 'Certificate');
  assert.deepEqual(cert?.spec?.['dnsNames'], ['x-uimgacc.default.svc', 'x-uimgacc.default.svc.cluster.local']);
  assert.equal(cert?.spec?.['secretName'], 'x-uimgacc-tls');
  const hook = cm.find((d) => d.kind === 'MutatingWebhookConfiguration');
  assert.equal(hook?.metadata.annotations?.['cert-manager.io/inject-ca-from'], 'default/x-uimgacc');
  assert.doesNotMatch(JSON.stringify(hook), /caBundle/);
  assert.ok(!cm.some((d) => d.kind === 'Secret' && d.metadata.name === 'x-uimgacc-tls'), 'cert-manager writes the TLS Secret');
});

test('helm install into the real apiserver; certificates stay stable across upgrades', async () => {
  const install = await helm(['install', RELEASE, 'charts/uimgacc', '-n', ns, ...VALUES]);
  assert.equal(install.code, 0, install.stderr);
  assert.match(install.stdout, /The uimgacc helper is installed/);
  // PodSecurity checks a Deployment's template only as a warning: there must be none.
  assert.doesNotMatch(install.stderr, /PodSecurity/, install.stderr);
  const deploy = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'deployment', RELEASE, '-o', 'json'])) as { spec: { replicas: number } };
  assert.equal(deploy.spec.replicas, 2);
  await kubectlAdmin(['-n', ns, 'get', 'service', RELEASE]);
  await kubectlAdmin(['-n', ns, 'get', 'pdb', RELEASE]);
  const caOf = async (): Promise<{ secret: string; cert: string; bundles: string[] }> => {
    const secret = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'secret', `${RELEASE}-tls`, '-o', 'json'])) as { data: Record<string, string> };
    const hook = JSON.parse(await kubectlAdmin(['get', 'mutatingwebhookconfiguration', RELEASE, '-o', 'json'])) as { webhooks: { clientConfig: { caBundle: string } }[] };
    return { secret: secret.data['ca.crt'] as string, cert: secret.data['tls.crt'] as string, bundles: hook.webhooks.map((w) => w.clientConfig.caBundle) };
  };
  const installed = JSON.parse(await kubectlAdmin(['get', 'mutatingwebhookconfiguration', RELEASE, '-o', 'json'])) as { webhooks: { matchConditions?: unknown[]; clientConfig: { service: { namespace: string; path: string } } }[] };
  assert.deepEqual(installed.webhooks.map((w) => [w.clientConfig.service.namespace, w.clientConfig.service.path, w.matchConditions?.length]), [[ns, '/mutate', 1], [ns, '/mutate/rewrite', 1]], 'the server kept the matchConditions');
  const first = await caOf();
  assert.deepEqual(first.bundles, [first.secret, first.secret], 'both webhooks trust the CA that signed the serving certificate');
  const ca = new X509Certificate(Buffer.from(first.secret, 'base64'));
  const serving = new X509Certificate(Buffer.from(first.cert, 'base64'));
  assert.ok(serving.verify(ca.publicKey));
  assert.ok(serving.checkHost(`${RELEASE}.${ns}.svc`));
  const upgrade = await helm(['upgrade', RELEASE, 'charts/uimgacc', '-n', ns, ...VALUES]);
  assert.equal(upgrade.code, 0, upgrade.stderr);
  assert.deepEqual(await caOf(), first, 'lookup keeps the certificate across upgrades');
});

test('the helper\'s pod template is admitted under Pod Security "restricted"', async () => {
  // No kubelet runs here, so the Deployment never starts a Pod: create one from its template, where PodSecurity enforces.
  const deploy = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'deployment', RELEASE, '-o', 'json'])) as { spec: { template: { metadata: { labels: Record<string, string> }; spec: object } } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'helper-template', labels: deploy.spec.template.metadata.labels }, spec: deploy.spec.template.spec };
  const out = await kubectlAdmin(['-n', ns, 'create', '-f', '-', '-o', 'name'], JSON.stringify(pod));
  assert.equal(out.trim(), 'pod/helper-template');
  // And the check is real: a Pod that is not restricted is rejected there.
  const loose = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loose' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  await assert.rejects(kubectlAdmin(['-n', ns, 'create', '-f', '-'], JSON.stringify(loose)), /violates PodSecurity "restricted:latest"/);
});
