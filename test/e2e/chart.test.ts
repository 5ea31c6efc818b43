// The Helm chart with a real helm against the real apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { helmBinary } from '../controlplane/testbin.ts';

const RUN = randomBytes(3).toString('hex');
const RELEASE = `uimgacc-${RUN}`;
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
  ns = await uniqueNamespace('chart');
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

test('helm template renders a restricted, fail-open webhook; missing credentials are an error', async () => {
  const r = await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.36.0', ...VALUES]);
  assert.equal(r.code, 0, r.stderr);
  const docs = yaml.loadAll(r.stdout).filter(Boolean) as { kind: string; spec?: Record<string, unknown>; webhooks?: Record<string, unknown>[] }[];
  const hook = docs.find((d) => d.kind === 'MutatingWebhookConfiguration')?.webhooks?.[0] as Record<string, unknown>;
  assert.equal(hook['failurePolicy'], 'Ignore');
  assert.equal(hook['sideEffects'], 'None');
  assert.deepEqual(hook['admissionReviewVersions'], ['v1']);
  assert.equal(hook['reinvocationPolicy'], 'IfNeeded');
  assert.ok(Array.isArray(hook['matchConditions']));
  assert.match(JSON.stringify(hook['namespaceSelector']), /kube-system/);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.match(r.stdout, new RegExp(`image: "uhub.service.ucloud.cn/uimgacc/uimgacc-helper:${pkg.version.replace(/\./g, '\\.')}"`));
  const old = await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.29.0', ...VALUES]);
  assert.doesNotMatch(old.stdout, /matchConditions/, 'matchConditions only where the server supports them');
  const bad = await helm(['template', 'x', 'charts/uimgacc']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /set credentials.existingSecret, or both credentials.publicKey and credentials.privateKey/);
  const schema = await helm(['template', 'x', 'charts/uimgacc', ...VALUES, '--set', 'webhook.failurePolicy=Sometimes']);
  assert.notEqual(schema.code, 0, 'values.schema.json rejects bad values');
});

test('helm install into the real apiserver; certificates stay stable across upgrades', async () => {
  const install = await helm(['install', RELEASE, 'charts/uimgacc', '-n', ns, ...VALUES]);
  assert.equal(install.code, 0, install.stderr);
  assert.match(install.stdout, /The uimgacc helper is installed/);
  const deploy = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'deployment', RELEASE, '-o', 'json'])) as { spec: { replicas: number } };
  assert.equal(deploy.spec.replicas, 2);
  await kubectlAdmin(['-n', ns, 'get', 'service', RELEASE]);
  await kubectlAdmin(['-n', ns, 'get', 'pdb', RELEASE]);
  const caOf = async (): Promise<{ secret: string; bundle: string }> => {
    const secret = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'secret', `${RELEASE}-tls`, '-o', 'json'])) as { data: Record<string, string> };
    const hook = JSON.parse(await kubectlAdmin(['get', 'mutatingwebhookconfiguration', RELEASE, '-o', 'json'])) as { webhooks: { clientConfig: { caBundle: string } }[] };
    return { secret: secret.data['ca.crt'] as string, bundle: hook.webhooks[0]?.clientConfig.caBundle as string };
  };
  const first = await caOf();
  assert.equal(first.bundle, first.secret, 'the webhook trusts the CA that signed the serving certificate');
  const upgrade = await helm(['upgrade', RELEASE, 'charts/uimgacc', '-n', ns, ...VALUES]);
  assert.equal(upgrade.code, 0, upgrade.stderr);
  assert.deepEqual(await caOf(), first, 'lookup keeps the certificate across upgrades');
});

test('the helper\'s pod template is admitted under Pod Security "restricted"', async () => {
  const restricted = await uniqueNamespace('restricted', { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' });
  const deploy = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'deployment', RELEASE, '-o', 'json'])) as { spec: { template: { metadata: object; spec: object } } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'helper-template' }, spec: deploy.spec.template.spec };
  const out = await kubectlAdmin(['-n', restricted, 'create', '-f', '-', '-o', 'name'], JSON.stringify(pod));
  assert.equal(out.trim(), 'pod/helper-template');
  // And the check is real: a Pod that is not restricted is rejected there.
  const loose = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loose' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  await assert.rejects(kubectlAdmin(['-n', restricted, 'create', '-f', '-'], JSON.stringify(loose)), /violates PodSecurity "restricted:latest"/);
});
