import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigResolver, type ClusterReader } from '../../lib/config/resolve.ts';
import type { LoadedKubeconfig } from '../../lib/kube/kubeconfig.ts';

/** An in-memory stand-in for what the resolver reads from a cluster (the real reads are covered by e2e tests). */
function cluster(opts: { configMap?: Record<string, string>; secret?: Record<string, string>; extension?: LoadedKubeconfig['extension']; contextName?: string; failWith?: Error }): ClusterReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    loaded: {
      merged: { clusters: [], contexts: [], users: [] },
      files: [],
      contextName: opts.contextName ?? 'ctx',
      clusterName: 'cl',
      userName: 'u',
      namespace: 'default',
      namespaceSource: 'default',
      extension: opts.extension,
      contextFile: undefined,
    overrides: {},
    },
    inCluster: () => false,
    readConfigMap: async () => {
      reads.push('configmap');
      if (opts.failWith) throw opts.failWith;
      return opts.configMap;
    },
    readSecret: async () => {
      reads.push('secret');
      if (opts.failWith) throw opts.failWith;
      return opts.secret;
    },
  };
}

function home(profiles?: { config?: unknown; credential?: unknown }): string {
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-home-'));
  if (profiles) {
    mkdirSync(join(dir, '.ucloud'));
    if (profiles.config) writeFileSync(join(dir, '.ucloud', 'config.json'), JSON.stringify(profiles.config));
    if (profiles.credential) writeFileSync(join(dir, '.ucloud', 'credential.json'), JSON.stringify(profiles.credential), { mode: 0o600 });
  }
  return dir;
}

const CM = { UCLOUD_UK8S_CLUSTER_ID: 'uk8s-fromcm000', UCLOUD_REGION_ID: 'cn-cm', UCLOUD_PROJECT_ID: 'org-cm', UCLOUD_SUBNET_ID: 'subnet-cm' };
const SECRET = { UCLOUD_UK8S_CLUSTER_ID: 'uk8s-fromsecret', UCLOUD_PUBLIC_KEY: 'pub-secret', UCLOUD_PRIVATE_KEY: 'priv-secret', UCLOUD_REGION: 'cn-secret' };

test('cluster ID precedence: flag > env > context extension > context name > ConfigMap > Secret', async () => {
  const full = { configMap: CM, secret: SECRET, extension: { clusterId: 'uk8s-fromctx00' }, contextName: 'uk8s-ctxname00' };
  const env = { UCLOUD_UK8S_CLUSTER_ID: 'uk8s-fromenv00' };
  const r = (flags: object, e: NodeJS.ProcessEnv, c: Parameters<typeof cluster>[0]): ConfigResolver => new ConfigResolver({ flags, env: e, cluster: cluster(c), home: home() });
  assert.deepEqual(await r({ clusterId: 'uk8s-fromflag0' }, env, full).clusterId(), { value: 'uk8s-fromflag0', source: 'flag --cluster-id' });
  assert.deepEqual(await r({}, env, full).clusterId(), { value: 'uk8s-fromenv00', source: 'env UCLOUD_UK8S_CLUSTER_ID' });
  assert.deepEqual(await r({}, {}, full).clusterId(), { value: 'uk8s-fromctx00', source: 'kubeconfig context "uk8s-ctxname00"' });
  assert.deepEqual(await r({}, {}, { ...full, extension: undefined }).clusterId(), { value: 'uk8s-ctxname00', source: 'kubeconfig name "uk8s-ctxname00"' });
  assert.deepEqual(await r({}, {}, { configMap: CM, secret: SECRET }).clusterId(), { value: 'uk8s-fromcm000', source: 'ConfigMap kube-system/uk8sconfig' });
  assert.deepEqual(await r({}, {}, { secret: SECRET }).clusterId(), { value: 'uk8s-fromsecret', source: 'Secret kube-system/uimgacc-credentials' });
});

test('nothing is read from the cluster when flags and env give everything', async () => {
  const c = cluster({ configMap: CM, secret: SECRET });
  const r = new ConfigResolver({
    flags: { clusterId: 'uk8s-abcdefgh', region: 'cn-bj2' },
    env: { UCLOUD_PUBLIC_KEY: 'p', UCLOUD_PRIVATE_KEY: 's', UCLOUD_PROJECT_ID: 'org-1' },
    cluster: c,
    home: home(),
  });
  await r.clusterId();
  await r.region();
  await r.projectId();
  await r.credentials();
  await r.baseUrl();
  assert.deepEqual(c.reads, []);
});

test('an unreachable cluster is a note, not a failure, when another source has the value', async () => {
  const c = cluster({ failWith: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
  const h = home({ config: [{ profile: 'default', active: true, region: 'cn-sh2', project_id: 'org-p' }], credential: [{ profile: 'default', public_key: 'pp', private_key: 'ss' }] });
  const r = new ConfigResolver({ flags: { clusterId: 'uk8s-abcdefgh' }, env: {}, cluster: c, home: h });
  assert.deepEqual(await r.region(), { value: 'cn-sh2', source: `ucloud-cli profile "default" (${join(h, '.ucloud', 'credential.json')})` });
  const creds = await r.credentials();
  assert.equal(creds.publicKey.value, 'pp');
  assert.ok(r.notes.some((n) => n.includes('could not read ConfigMap kube-system/uk8sconfig') && n.includes('refused')));
  // Each object is read once however many values are resolved.
  assert.deepEqual(c.reads.sort(), ['configmap', 'secret']);
});

test('credentials: env > Secret > profile; a half pair in env is an error; OAuth profiles are explained', async () => {
  const h = home({ config: [{ profile: 'oauth', active: true, region: 'cn-bj2' }], credential: [] });
  const withSecret = cluster({ secret: SECRET });
  assert.equal((await new ConfigResolver({ flags: {}, env: { UCLOUD_PUBLIC_KEY: 'a', UCLOUD_PRIVATE_KEY: 'b' }, cluster: withSecret, home: h }).credentials()).privateKey.source, 'env UCLOUD_PRIVATE_KEY');
  assert.equal((await new ConfigResolver({ flags: {}, env: {}, cluster: withSecret, home: h }).credentials()).publicKey.value, 'pub-secret');
  await assert.rejects(new ConfigResolver({ flags: {}, env: { UCLOUD_PUBLIC_KEY: 'a' }, cluster: withSecret, home: h }).credentials(), /UCLOUD_PUBLIC_KEY is set but UCLOUD_PRIVATE_KEY is not/);
  await assert.rejects(new ConfigResolver({ flags: {}, env: {}, cluster: cluster({}), home: h }).credentials(), (err: Error & { details?: string[] }) => {
    assert.match(err.message, /no UCloud API key pair found/);
    assert.ok(err.details?.some((d) => d.includes('profile "oauth" has no key pair')));
    return true;
  });
});

test('profile selection: --profile > UCLOUD_PROFILE > active; an unknown explicit profile is an error', async () => {
  const h = home({
    config: [{ profile: 'a', active: true, region: 'cn-a' }, { profile: 'b', region: 'cn-b' }, { profile: 'c', region: 'cn-c' }],
    credential: [{ profile: 'a', public_key: 'pa', private_key: 'sa' }, { profile: 'b', public_key: 'pb', private_key: 'sb' }],
  });
  assert.equal((await new ConfigResolver({ flags: {}, env: {}, home: h }).region()).value, 'cn-a');
  assert.equal((await new ConfigResolver({ flags: {}, env: { UCLOUD_PROFILE: 'b' }, home: h }).region()).value, 'cn-b');
  assert.equal((await new ConfigResolver({ flags: { profile: 'c' }, env: { UCLOUD_PROFILE: 'b' }, home: h }).region()).value, 'cn-c');
  assert.throws(() => new ConfigResolver({ flags: { profile: 'zz' }, env: {}, home: h }).profile(), /profile "zz" not found/);
});

test('region/project precedence: flag > env > context > ConfigMap > Secret > profile', async () => {
  const h = home({ config: [{ profile: 'default', region: 'cn-profile', project_id: 'org-profile' }] });
  const mk = (flags: object, env: NodeJS.ProcessEnv, c: Parameters<typeof cluster>[0]): ConfigResolver => new ConfigResolver({ flags, env, cluster: cluster(c), home: h });
  assert.equal((await mk({ region: 'cn-flag' }, { UCLOUD_REGION: 'cn-env' }, {}).region()).value, 'cn-flag');
  assert.equal((await mk({}, { UCLOUD_REGION: 'cn-env' }, {}).region()).value, 'cn-env');
  assert.equal((await mk({}, {}, { extension: { region: 'cn-ctx' }, configMap: CM }).region()).value, 'cn-ctx');
  assert.equal((await mk({}, {}, { configMap: CM, secret: SECRET }).region()).value, 'cn-cm');
  assert.equal((await mk({}, {}, { secret: SECRET }).region()).value, 'cn-secret');
  assert.equal((await mk({}, {}, {}).region()).value, 'cn-profile');
  assert.equal((await mk({}, {}, { configMap: CM }).projectId())?.value, 'org-cm');
  assert.equal(await new ConfigResolver({ flags: {}, env: {}, home: home() }).projectId(), undefined);
  await assert.rejects(new ConfigResolver({ flags: {}, env: {}, home: home() }).region(), /cannot tell the UCloud region/);
});

test('bad values are clear errors', async () => {
  await assert.rejects(new ConfigResolver({ flags: { clusterId: 'my-cluster' }, env: {}, home: home() }).clusterId(), /invalid cluster ID "my-cluster" \(from flag --cluster-id\)/);
  await assert.rejects(new ConfigResolver({ flags: { apiEndpoint: 'ftp://x' }, env: {}, home: home() }).baseUrl(), /only http and https/);
  await assert.rejects(new ConfigResolver({ flags: {}, env: { UCLOUD_API_BASE_URL: 'not a url' }, home: home() }).baseUrl(), /invalid UCloud API endpoint "not a url" \(from env UCLOUD_API_BASE_URL\)/);
  assert.throws(() => new ConfigResolver({ flags: { credentialsSecret: 'a/b/c' }, env: {}, home: home() }), /invalid --credentials-secret/);
  assert.equal(new ConfigResolver({ flags: { credentialsSecret: 'ops/creds' }, env: {}, home: home() }).secretRef.namespace, 'ops');
  assert.deepEqual(await new ConfigResolver({ flags: {}, env: {}, home: home() }).baseUrl(), { value: 'https://api.ucloud.cn', source: 'default' });
  await assert.rejects(new ConfigResolver({ flags: {}, env: {}, home: home() }).clusterId(), /cannot tell which UK8S cluster/);
});
