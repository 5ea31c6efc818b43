import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as yaml from 'js-yaml';
import { effectiveKubeconfigYaml, loadKubeconfig, writeContextExtension, CONTEXT_EXTENSION } from '../../lib/kube/kubeconfig.ts';

function kubeconfig(opts: { current?: string; contexts: [string, string, string, string?][]; clusters: [string, string, string?][]; users?: string[] }): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    ...(opts.current ? { 'current-context': opts.current } : {}),
    clusters: opts.clusters.map(([name, server, ca]) => ({ name, cluster: { server, ...(ca ? { 'certificate-authority': ca } : {}) } })),
    users: (opts.users ?? []).map((name) => ({ name, user: { token: `token-${name}`, 'client-certificate': 'certs/client.crt' } })),
    contexts: opts.contexts.map(([name, cluster, user, namespace]) => ({ name, context: { cluster, user, ...(namespace ? { namespace } : {}) } })),
  });
}

function setup(): { dir: string; a: string; b: string } {
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-kc-'));
  mkdirSync(join(dir, 'one'));
  mkdirSync(join(dir, 'two'));
  const a = join(dir, 'one', 'config');
  const b = join(dir, 'two', 'config');
  writeFileSync(a, kubeconfig({ current: 'ctx-a', contexts: [['ctx-a', 'c1', 'u1', 'team-a'], ['shared', 'c1', 'u1']], clusters: [['c1', 'https://a.example:6443', 'ca.crt']], users: ['u1'] }));
  writeFileSync(b, kubeconfig({ current: 'ctx-b', contexts: [['ctx-b', 'c2', 'u2'], ['shared', 'c2', 'u2', 'from-b']], clusters: [['c1', 'https://ignored.example'], ['c2', 'https://b.example:6443']], users: ['u2'] }), { mode: 0o600 });
  return { dir, a, b };
}

test('KUBECONFIG: missing files are skipped and the first file wins for each name and for current-context', () => {
  const { dir, a, b } = setup();
  const loaded = loadKubeconfig({}, { KUBECONFIG: [join(dir, 'missing'), a, b].join(delimiter) }, dir);
  assert.deepEqual(loaded.files, [a, b]);
  assert.equal(loaded.contextName, 'ctx-a');
  assert.equal(loaded.namespace, 'team-a');
  const c1 = loaded.merged.clusters.find((c) => c.name === 'c1') as unknown as { cluster: { server: string; 'certificate-authority': string } };
  assert.equal(c1.cluster.server, 'https://a.example:6443');
  // Relative paths are relative to the file that holds them, as in kubectl.
  assert.equal(c1.cluster['certificate-authority'], join(dir, 'one', 'ca.crt'));
  const shared = loaded.merged.contexts.find((c) => c.name === 'shared') as unknown as { context: { cluster: string } };
  assert.equal(shared.context.cluster, 'c1');
});

test('--context, --cluster, --user and -n override the kubeconfig', () => {
  const { dir, a, b } = setup();
  const env = { KUBECONFIG: [a, b].join(delimiter) };
  const loaded = loadKubeconfig({ context: 'ctx-b', namespace: 'mine' }, env, dir);
  assert.equal(loaded.contextName, 'ctx-b');
  assert.equal(loaded.clusterName, 'c2');
  assert.equal(loaded.namespace, 'mine');
  assert.equal(loaded.namespaceSource, 'flag --namespace');
  assert.equal(loaded.contextFile, b);
  assert.equal(loadKubeconfig({ context: 'ctx-b', cluster: 'c1' }, env, dir).clusterName, 'c1');
  assert.equal(loadKubeconfig({ context: 'ctx-b' }, env, dir).namespace, 'default');
  assert.throws(() => loadKubeconfig({ context: 'nope' }, env, dir), /context was not found for specified context: nope/);
  assert.throws(() => loadKubeconfig({ cluster: 'nope' }, env, dir), /cluster "nope" not found/);
});

test('--kubeconfig reads only that file and must exist', () => {
  const { dir, b } = setup();
  const loaded = loadKubeconfig({ kubeconfig: b }, { KUBECONFIG: '/nonexistent' }, dir);
  assert.equal(loaded.contextName, 'ctx-b');
  assert.throws(() => loadKubeconfig({ kubeconfig: join(dir, 'nope') }, {}, dir), /no such file/);
});

test('no kubeconfig at all: loading works, connecting says what to do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-kc-'));
  const loaded = loadKubeconfig({}, {}, dir);
  assert.equal(loaded.files.length, 0);
  assert.throws(() => effectiveKubeconfigYaml(loaded), /no kubeconfig found/);
});

test('invalid YAML is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-kc-'));
  const file = join(dir, 'bad');
  writeFileSync(file, 'clusters: [\n');
  assert.throws(() => loadKubeconfig({ kubeconfig: file }, {}, dir), /is not valid YAML/);
});

test('the effective kubeconfig has the chosen cluster and user only', () => {
  const { dir, a, b } = setup();
  const loaded = loadKubeconfig({ context: 'ctx-b' }, { KUBECONFIG: [a, b].join(delimiter) }, dir);
  const doc = yaml.load(effectiveKubeconfigYaml(loaded)) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[] };
  assert.equal(doc.clusters.length, 1);
  assert.equal(doc.clusters[0]?.cluster.server, 'https://b.example:6443');
  assert.equal(doc.users[0]?.user.token, 'token-u2');
});

test('writeContextExtension records the cluster on the context, in the file that defines it, keeping its mode', () => {
  const { dir, a, b } = setup();
  const env = { KUBECONFIG: [a, b].join(delimiter) };
  const file = writeContextExtension(loadKubeconfig({ context: 'ctx-b' }, env, dir), { clusterId: 'uk8s-abcd1234', region: 'cn-bj2' });
  assert.equal(file, b);
  assert.equal(statSync(b).mode & 0o777, 0o600);
  const reloaded = loadKubeconfig({ context: 'ctx-b' }, env, dir);
  assert.deepEqual(reloaded.extension, { clusterId: 'uk8s-abcd1234', region: 'cn-bj2', projectId: undefined });
  // Writing again replaces the extension instead of adding a second one.
  writeContextExtension(reloaded, { clusterId: 'uk8s-zzzz9999' });
  const doc = yaml.load(readFileSync(b, 'utf8')) as { contexts: { name: string; context: { extensions: { name: string }[] } }[] };
  const ctx = doc.contexts.find((c) => c.name === 'ctx-b');
  assert.equal(ctx?.context.extensions.filter((e) => e.name === CONTEXT_EXTENSION).length, 1);
  assert.equal(loadKubeconfig({ context: 'ctx-b' }, env, dir).extension?.clusterId, 'uk8s-zzzz9999');
  // The other file is untouched.
  assert.equal(loadKubeconfig({ kubeconfig: a }, {}, dir).extension, undefined);
});
