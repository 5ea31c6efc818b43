// The Helm chart with a real helm against the real apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { helmBinary, kubernetesMinor } from '../controlplane/testbin.ts';
import { startSimulator } from '../simulator/server.ts';

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
  // Across zones too, softly (a one-zone cluster still schedules both).
  assert.deepEqual((pod as unknown as { topologySpreadConstraints: { topologyKey: string; whenUnsatisfiable: string }[] }).topologySpreadConstraints.map((c) => [c.topologyKey, c.whenUnsatisfiable]), [['topology.kubernetes.io/zone', 'ScheduleAnyway']]);
  // Only the keys the helper needs, never the UHub password a `configure` Secret also holds.
  assert.deepEqual(pod.containers[0]?.env.map((e) => e.name), ['POD_NAMESPACE', 'UCLOUD_PUBLIC_KEY', 'UCLOUD_PRIVATE_KEY', 'UCLOUD_REGION', 'UCLOUD_PROJECT_ID', 'UCLOUD_UK8S_CLUSTER_ID', 'UCLOUD_API_BASE_URL']);
  assert.equal(pod.containers[0]?.envFrom, undefined);
  assert.ok(docs.some((d) => d.kind === 'PodDisruptionBudget' && d.spec?.['maxUnavailable'] === 1));
  // Least privilege: list and watch nodes, read one ConfigMap, update only its own TLS Secret and webhook configuration.
  const roles = docs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role');
  assert.deepEqual(roles.flatMap((r) => r.rules ?? []), [
    { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
    { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: ['x-uimgacc'], verbs: ['get', 'update'] },
    { apiGroups: [''], resources: ['configmaps'], resourceNames: ['uk8sconfig'], verbs: ['get'] },
    { apiGroups: [''], resources: ['secrets'], resourceNames: ['x-uimgacc-tls'], verbs: ['get', 'update'] },
  ]);
  // No certificate material in the manifests: the helper makes and keeps it.
  const tlsSecret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'x-uimgacc-tls');
  assert.equal(tlsSecret?.data, undefined);
  assert.doesNotMatch(JSON.stringify(config), /caBundle/);
  assert.match(JSON.stringify(deploy), /"--tls-secret=x-uimgacc-tls","--service=x-uimgacc","--webhook-config=x-uimgacc"/);
  const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'x-uimgacc-credentials');
  assert.deepEqual(secret?.stringData, { UCLOUD_PUBLIC_KEY: 'chart-pub', UCLOUD_PRIVATE_KEY: 'chart-priv' });

  const old = await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.29.0', ...VALUES]);
  assert.doesNotMatch(old.stdout, /matchConditions/, 'matchConditions only where the server supports them');
  const bad = await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.36.0']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /set credentials.existingSecret, or both credentials.publicKey and credentials.privateKey/);
  const schema = await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.36.0', ...VALUES, '--set', 'webhook.failurePolicy=Sometimes']);
  assert.notEqual(schema.code, 0, 'values.schema.json rejects bad values');
  assert.match(schema.stderr, /failurePolicy/);
  const typo = await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.36.0', ...VALUES, '--set', 'pollIntervall=10s']);
  assert.notEqual(typo.code, 0, 'unknown values are rejected');
  assert.match(typo.stderr, /pollIntervall/);
  // Values the helper would crash on or that mean nothing are rejected, at every level.
  for (const bad of ['pollInterval=0s', 'pollInterval=0', 'maxInFlight=0', 'tls.mode=helm', 'tls.helper.certValidity=0s', 'service.prot=443', 'metrics.serviceMonitor.intervall=1m', 'webhook.namespaceSelector.matchLabel.a=b', 'tls.certManager.enabled=true', 'resources.request.cpu=1', 'networkPolicy.metricsFrom.matchLabel.a=b']) {
    const r = await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.36.0', ...VALUES, '--set', bad]);
    assert.notEqual(r.code, 0, `${bad} is rejected`);
    assert.match(r.stderr, /values don't meet the specifications of the schema/, `${bad}: rejected by values.schema.json`);
  }
  const oldKube = await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.25.0', ...VALUES]);
  assert.notEqual(oldKube.code, 0);
  assert.match(oldKube.stderr, /kubeVersion: >=1.26.0-0/);
  assert.equal((await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.26.0', ...VALUES])).code, 0, 'the 1.26 floor renders');
  // Rendering is deterministic: nothing random (no CA made by Helm), so GitOps tools see no drift.
  assert.equal((await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.36.0', ...VALUES])).stdout, (await helm(['template', 'x', 'charts/uimgacc', '--kube-version', '1.36.0', ...VALUES])).stdout);
});

test('helm template: failurePolicy Fail excludes cert-manager; ServiceMonitor; NetworkPolicy', async () => {
  const fail = await render([...VALUES, '--set', 'webhook.failurePolicy=Fail']);
  for (const hook of fail.find((d) => d.kind === 'MutatingWebhookConfiguration')?.webhooks ?? []) {
    assert.match(JSON.stringify(hook['namespaceSelector']), /"values":\["kube-system","default","cert-manager"\]/);
  }
  const ignore = await render(VALUES);
  assert.doesNotMatch(JSON.stringify(ignore.find((d) => d.kind === 'MutatingWebhookConfiguration')), /cert-manager/);
  const extra = await render([...VALUES, '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'networkPolicy.enabled=true']);
  const sm = extra.find((d) => d.kind === 'ServiceMonitor');
  assert.deepEqual(sm?.spec?.['endpoints'], [{ port: 'metrics', scheme: 'http', path: '/metrics', interval: '30s' }]);
  const np = extra.find((d) => d.kind === 'NetworkPolicy');
  assert.match(JSON.stringify(np?.spec), /"port":"https"/);
  assert.match(JSON.stringify(np?.spec), /"port":"metrics".*"namespaceSelector":\{\}/);
  const svc = extra.find((d) => d.kind === 'Service');
  assert.deepEqual((svc?.spec?.['ports'] as { name: string }[]).map((p) => p.name), ['https', 'metrics']);
  assert.ok(!ignore.some((d) => d.kind === 'ServiceMonitor' || d.kind === 'NetworkPolicy'), 'both are opt-in');
});

test('helm template: an existing Secret, cert-manager with the CA-issuer chain', async () => {
  const existing = await render(['--set', 'credentials.existingSecret=my-creds']);
  assert.ok(!existing.some((d) => d.kind === 'Secret' && d.metadata.name.endsWith('-credentials')), 'no Secret of our own');
  assert.match(JSON.stringify(existing.find((d) => d.kind === 'Deployment')), /"secretKeyRef":\{"name":"my-creds","key":"UCLOUD_PUBLIC_KEY"\}/);
  const cm = await render([...VALUES, '--set', 'tls.mode=certManager']);
  // selfSigned Issuer → CA Certificate → CA Issuer → serving Certificate: a renewal keeps the CA (and the caBundle).
  const issuers = cm.filter((d) => d.kind === 'Issuer');
  assert.deepEqual(issuers.map((i) => [i.metadata.name, Object.keys(i.spec ?? {})[0]]), [['x-uimgacc-selfsigned', 'selfSigned'], ['x-uimgacc-ca', 'ca']]);
  const caCert = cm.find((d) => d.kind === 'Certificate' && d.spec?.['isCA'] === true);
  assert.deepEqual(caCert?.spec?.['issuerRef'], { name: 'x-uimgacc-selfsigned', kind: 'Issuer' });
  assert.equal((issuers[1]?.spec?.['ca'] as { secretName: string }).secretName, caCert?.spec?.['secretName']);
  const cert = cm.find((d) => d.kind === 'Certificate' && d.metadata.name === 'x-uimgacc');
  assert.deepEqual(cert?.spec?.['issuerRef'], { name: 'x-uimgacc-ca', kind: 'Issuer' });
  assert.deepEqual(cert?.spec?.['dnsNames'], ['x-uimgacc', 'x-uimgacc.default', 'x-uimgacc.default.svc', 'x-uimgacc.default.svc.cluster.local']);
  assert.equal(cert?.spec?.['secretName'], 'x-uimgacc-tls');
  assert.match(JSON.stringify(cm.find((d) => d.kind === 'Deployment')), /--cert-file=\/etc\/uimgacc\/tls\/tls.crt/);
  assert.ok(!cm.some((d) => d.kind === 'Role' && d.metadata.name.endsWith('-tls')), 'no Secret access without the helper-managed certificate');
  const hook = cm.find((d) => d.kind === 'MutatingWebhookConfiguration');
  assert.equal(hook?.metadata.annotations?.['cert-manager.io/inject-ca-from'], 'default/x-uimgacc');
  assert.doesNotMatch(JSON.stringify(hook), /caBundle/);
  assert.ok(!cm.some((d) => d.kind === 'Secret' && d.metadata.name === 'x-uimgacc-tls'), 'cert-manager writes the TLS Secret');
});

/** The NOTES helm prints after `helm install --dry-run` (against the real apiserver; nothing is created). */
async function installNotes(release: string, extra: string[]): Promise<{ code: number; stderr: string; notes: string }> {
  const r = await helm(['install', release, 'charts/uimgacc', '-n', ns, '--dry-run', ...VALUES, ...extra]);
  const at = r.stdout.indexOf('\nNOTES:\n');
  return { code: r.code, stderr: r.stderr, notes: at >= 0 ? r.stdout.slice(at + '\nNOTES:\n'.length) : '' };
}

/**
 * NOTES.txt rendered by helm for any values, offline. `helm template` skips NOTES and a dry-run install cannot build
 * cert-manager's kinds without their CRDs, so a copy of the chart carries NOTES.txt as a named template inside a
 * manifest (the test below checks that it renders exactly what `helm install` prints).
 */
async function templateNotes(release: string, extra: string[]): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'uimgacc-notes-')), 'uimgacc');
  cpSync('charts/uimgacc', dir, { recursive: true });
  const notes = readFileSync(join(dir, 'templates', 'NOTES.txt'), 'utf8');
  rmSync(join(dir, 'templates', 'NOTES.txt'));
  writeFileSync(join(dir, 'templates', 'zz-notes.yaml'), `{{- define "test.notes" }}${notes}{{ end -}}\ntext: {{ include "test.notes" . | toJson }}\n`);
  const r = await helm(['template', release, dir, '-n', ns, '--kube-version', '1.36.0', '--show-only', 'templates/zz-notes.yaml', ...VALUES, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return (yaml.load(r.stdout) as { text: string }).text;
}

const CJK = /[\u4e00-\u9fff]/;
/** What a reader must not miss, whichever language they read: the commands to run and the names of what was made. */
function facts(text: string): string[] {
  return [...text.matchAll(/^ {2}kubectl .*?(?=\s*$|\s+[（(])|failurePolicy: \w+|(?:Secret|MutatingWebhookConfiguration|Certificate|CA Issuer) [\w./-]*\w|port \d+|端口 \d+|[\w.-]+\/readyz|node\.uk8s\.ucloud\.cn\/\w+=true/gm)].map((m) => m[0].replace('端口', 'port'));
}

test('NOTES: helm install prints English, then Simplified Chinese; notesLanguage=en or zh-CN prints one', async () => {
  const release = `${RELEASE}-notes`;
  const both = await installNotes(release, []);
  assert.equal(both.code, 0, both.stderr);
  assert.ok(both.notes.startsWith(`The uimgacc helper is installed in namespace ${ns} (2 replicas).`), both.notes);
  assert.match(both.notes, new RegExp(`\n\n==================== 简体中文 ====================\n\nuimgacc 助手已安装在命名空间 ${ns}（2 个副本）。\n`));
  assert.equal(both.notes.trim(), (await templateNotes(release, [])).trim(), 'templateNotes renders what helm install prints');
  const zh = await installNotes(release, ['--set', 'notesLanguage=zh-CN']);
  assert.ok(zh.notes.startsWith(`uimgacc 助手已安装在命名空间 ${ns}`), zh.notes);
  assert.doesNotMatch(zh.notes, /The uimgacc helper|简体中文 =/);
  const en = await installNotes(release, ['--set', 'notesLanguage=en']);
  assert.ok(en.notes.startsWith('The uimgacc helper is installed'), en.notes);
  assert.doesNotMatch(en.notes, CJK);
  const bad = await installNotes(release, ['--set', 'notesLanguage=zh_TW']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /notesLanguage/);
});

test('NOTES: the Chinese part says what the English part says, for either certificate mode and a chosen node label', async () => {
  const variants = [
    [],
    ['--set', 'webhook.failurePolicy=Fail'],
    ['--set', 'tls.mode=certManager', '--set', 'nodeLabel=node.uk8s.ucloud.cn/image_accel', '--set', 'metrics.port=9100'],
  ];
  for (const extra of variants) {
    const both = await templateNotes('x', extra);
    const split = both.indexOf('==================== 简体中文 ====================');
    assert.ok(split > 0, both);
    const [english, chinese] = [both.slice(0, split), both.slice(split)];
    assert.doesNotMatch(english, CJK);
    assert.ok(facts(english).length >= 10, facts(english).join('\n'));
    assert.deepEqual(facts(chinese), facts(english));
    for (const term of ['目标镜像', '原始镜像', '节点亲和性', '助手']) assert.ok(chinese.includes(term), term);
    // Every line of the Chinese part is Chinese, but for the commands to run.
    for (const line of chinese.split('\n')) if (line.trim() !== '' && !/^ {2}kubectl /.test(line)) assert.match(line, CJK, line);
    // True to the chart: fail open or closed as failurePolicy says, the certificate's source, the node label asked for.
    const closed = extra.includes('webhook.failurePolicy=Fail');
    assert.match(english, closed ? /fails closed \(failurePolicy: Fail\)[^]*Pods are refused \(fail-closed\)/ : /fails open \(failurePolicy: Ignore\)/);
    assert.match(chinese, closed ? /出错时拒绝（failurePolicy: Fail）[^]*Pod 的创建会被拒绝/ : /出错时放行（failurePolicy: Ignore）/);
    if (extra.includes('tls.mode=certManager')) {
      assert.match(english, /issued by CA Issuer x-uimgacc-ca/);
      assert.match(chinese, /签发者为 CA Issuer x-uimgacc-ca/);
      assert.doesNotMatch(both, /node.uk8s.ucloud.cn\/uimgacc=true/, 'only the label nodeLabel asks for');
    }
  }
});

/** A kubeconfig that acts as the release's ServiceAccount (a token from the TokenRequest API): RBAC as in the cluster. */
async function serviceAccountKubeconfig(adminKubeconfig: string): Promise<string> {
  const admin = yaml.load(readFileSync(adminKubeconfig, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
  const token = (await kubectlAdmin(['-n', ns, 'create', 'token', RELEASE, '--duration', '1h'])).trim();
  const file = join(mkdtempSync(join(tmpdir(), 'uimgacc-sa-')), 'kubeconfig');
  const config = { apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: admin.clusters[0]?.cluster }], users: [{ name: 'sa', user: { token } }], contexts: [{ name: 'sa', context: { cluster: 'c', user: 'sa' } }], 'current-context': 'sa' };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

test('helm install into the real apiserver; the helper (as its ServiceAccount) fills the TLS Secret and caBundle; upgrades keep them', async () => {
  const install = await helm(['install', RELEASE, 'charts/uimgacc', '-n', ns, ...VALUES]);
  assert.equal(install.code, 0, install.stderr);
  assert.match(install.stdout, /The uimgacc helper is installed/);
  // PodSecurity checks a Deployment's template only as a warning: there must be none.
  assert.doesNotMatch(install.stderr, /PodSecurity/, install.stderr);
  const deploy = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'deployment', RELEASE, '-o', 'json'])) as { spec: { replicas: number; template: { spec: { containers: { args: string[] }[] } } } };
  assert.equal(deploy.spec.replicas, 2);
  await kubectlAdmin(['-n', ns, 'get', 'service', RELEASE]);
  await kubectlAdmin(['-n', ns, 'get', 'pdb', RELEASE]);
  const installed = JSON.parse(await kubectlAdmin(['get', 'mutatingwebhookconfiguration', RELEASE, '-o', 'json'])) as { webhooks: { matchConditions?: unknown[]; clientConfig: { service: { namespace: string; path: string } } }[] };
  // helm asks the server for its version: matchConditions (GA in 1.30) only where the server has them, and kept there.
  const conditions = kubernetesMinor() >= 30 ? 1 : undefined;
  assert.deepEqual(installed.webhooks.map((w) => [w.clientConfig.service.namespace, w.clientConfig.service.path, w.matchConditions?.length]), [[ns, '/mutate', conditions], [ns, '/mutate/rewrite', conditions]]);

  // No kubelet here: run the helper the Deployment describes as a local process, with the Deployment's own TLS
  // arguments and the ServiceAccount's token, so the RBAC limited by resourceNames is what it works with.
  const cp = await sharedControlPlane();
  const args = (deploy.spec.template.spec.containers[0]?.args ?? []).filter((a) => /^--(tls-secret|service|webhook-config|cert-validity)=/.test(a));
  assert.equal(args.length, 4, JSON.stringify(deploy.spec.template.spec.containers[0]?.args));
  const sim = await startSimulator({ accounts: [{ publicKey: 'chart-pub', privateKey: 'chart-priv' }], clusters: [{ clusterId: 'uk8s-chart0001', region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true }] });
  const helper = spawn(process.execPath, ['dist/helper.mjs', '--port', '0', '--metrics-port', '0', '--kubeconfig', await serviceAccountKubeconfig(cp.kubeconfigPath), '--namespace', ns, '--shutdown-delay', '0s', ...args], {
    env: { PATH: process.env['PATH'], HOME: tmpdir(), UCLOUD_PUBLIC_KEY: 'chart-pub', UCLOUD_PRIVATE_KEY: 'chart-priv', UCLOUD_UK8S_CLUSTER_ID: 'uk8s-chart0001', UCLOUD_REGION: 'cn-bj2', UCLOUD_API_BASE_URL: sim.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  helper.stdout.on('data', (c: Buffer) => (log += c.toString()));
  helper.stderr.on('data', (c: Buffer) => (log += c.toString()));
  try {
    const caOf = async (): Promise<{ secret: string; cert: string; bundles: string[] }> => {
      const secret = JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'secret', `${RELEASE}-tls`, '-o', 'json'])) as { data?: Record<string, string> };
      const hook = JSON.parse(await kubectlAdmin(['get', 'mutatingwebhookconfiguration', RELEASE, '-o', 'json'])) as { webhooks: { clientConfig: { caBundle?: string } }[] };
      return { secret: secret.data?.['ca.crt'] ?? '', cert: secret.data?.['tls.crt'] ?? '', bundles: hook.webhooks.map((w) => w.clientConfig.caBundle ?? '') };
    };
    let first = await caOf();
    for (let i = 0; !(first.secret && first.bundles.every((b) => b === first.secret)); i++) {
      if (i > 200 || helper.exitCode !== null) assert.fail(`the helper did not fill the Secret and caBundle: ${log}`);
      await delay(100);
      first = await caOf();
    }
    // The chart's RBAC is enough: nodes listed and watched, the Secret and the webhook configuration updated.
    assert.doesNotMatch(log, /"level":"(warn|error)","msg":"(managed certificate|could not read the nodes)/, log);
    const ca = new X509Certificate(Buffer.from(first.secret, 'base64'));
    const serving = new X509Certificate(Buffer.from(first.cert, 'base64'));
    assert.ok(serving.verify(ca.publicKey));
    assert.ok(serving.checkHost(`${RELEASE}.${ns}.svc`));
    // helm upgrade renders the Secret without data and the webhooks without caBundle: Helm's three-way merge leaves
    // what the helper wrote alone, so an upgrade (or a GitOps sync) opens no fail-open window.
    const upgrade = await helm(['upgrade', RELEASE, 'charts/uimgacc', '-n', ns, ...VALUES]);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.deepEqual(await caOf(), first, 'the upgrade keeps the certificate and the caBundle');
  } finally {
    helper.kill('SIGKILL');
    await sim.close();
  }
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
