import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigResolver, type ClusterReader } from '../../lib/config/resolve.ts';
import type { LoadedKubeconfig } from '../../lib/kube/kubeconfig.ts';
import { checkClusterIdentity, requireSameCluster } from '../../lib/config/identity.ts';
import type { UserError } from '../../lib/errors.ts';

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
    env: { UCLOUD_PUBLIC_KEY: 'p', UCLOUD_PRIVATE_KEY: 's', UCLOUD_PROJECT_ID: 'org-1', UCLOUD_API_BASE_URL: 'https://api.ucloud.cn' },
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
  // The region is in config.json, whatever file the key pair is in: -v names the file the value came from.
  assert.deepEqual(await r.region(), { value: 'cn-sh2', source: `ucloud-cli profile "default" (${join(h, '.ucloud', 'config.json')})` });
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

test('the Kubernetes cluster\'s identity: uk8sconfig, else the cluster ID configure recorded on the context, else unknown and why', async () => {
  const r = (c: Parameters<typeof cluster>[0]): ConfigResolver => new ConfigResolver({ flags: {}, env: {}, cluster: cluster(c), home: home() });
  assert.deepEqual(await r({ configMap: CM, extension: { clusterId: 'uk8s-fromctx00' } }).kubernetesIdentity(), { known: true, id: { value: 'uk8s-fromcm000', source: 'ConfigMap kube-system/uk8sconfig' } });
  assert.deepEqual(await r({ extension: { clusterId: 'uk8s-fromctx00' } }).kubernetesIdentity(), { known: true, id: { value: 'uk8s-fromctx00', source: 'kubeconfig context "ctx"' } });
  // The Secret and a context named like a cluster are not evidence of which cluster the context reaches.
  assert.deepEqual(await r({ secret: SECRET, contextName: 'uk8s-ctxname00' }).kubernetesIdentity(), {
    known: false,
    why: 'ConfigMap kube-system/uk8sconfig does not exist; context "uk8s-ctxname00" records no cluster ID',
  });
  const forbidden = await r({ failWith: Object.assign(new Error('HTTP 403'), { code: 403, body: JSON.stringify({ reason: 'Forbidden', message: 'configmaps "uk8sconfig" is forbidden' }) }) }).kubernetesIdentity();
  assert.equal(forbidden.known, false);
  assert.match(forbidden.known ? '' : forbidden.why, /^could not read ConfigMap kube-system\/uk8sconfig: .*forbidden.*; context "ctx" records no cluster ID$/);
});

test('a mismatch is refused naming both IDs and their sources, whatever --force says; an unknown identity only where asked', () => {
  const ucloud = { value: 'uk8s-bbbbbbbb', source: 'env UCLOUD_UK8S_CLUSTER_ID' };
  const different = checkClusterIdentity(ucloud, { known: true, id: { value: 'uk8s-aaaaaaaa', source: 'ConfigMap kube-system/uk8sconfig' } });
  assert.equal(different.kind, 'different');
  for (const force of [false, true]) {
    assert.throws(
      () => requireSameCluster(different, { what: 'delete the acceleration of x', refuseUnknown: true, force }),
      (err: UserError) => {
        assert.equal(err.kind, 'refused');
        assert.equal(
          err.message,
          'refusing to delete the acceleration of x: the Kubernetes cluster of this context is uk8s-aaaaaaaa (from ConfigMap kube-system/uk8sconfig), but the UCloud cluster is uk8s-bbbbbbbb (from env UCLOUD_UK8S_CLUSTER_ID)',
        );
        assert.match(err.details.join('\n'), /unset UCLOUD_UK8S_CLUSTER_ID \(or set it to uk8s-aaaaaaaa\)/);
        assert.match(err.details.join('\n'), /--force does not override this/);
        return true;
      },
    );
  }
  assert.equal(requireSameCluster(checkClusterIdentity(ucloud, { known: true, id: { value: 'uk8s-bbbbbbbb', source: 'x' } }), { what: 'w', refuseUnknown: true, force: false }), undefined);
  const unknown = checkClusterIdentity(ucloud, { known: false, why: 'no record' });
  assert.equal(requireSameCluster(unknown, { what: 'patch', refuseUnknown: false, force: false }), undefined);
  assert.throws(() => requireSameCluster(unknown, { what: 'disable', refuseUnknown: true, force: false }), /^UserError: refusing to disable: cannot tell which UK8S cluster this Kubernetes context is \(no record\)/);
  assert.match(requireSameCluster(unknown, { what: 'disable', refuseUnknown: true, force: true }) ?? '', /^cannot tell which UK8S cluster/);
});

test('region, project and subnet of uk8sconfig (and of a Secret that names another cluster) are used only for their own cluster', async () => {
  const h = home({ config: [{ profile: 'default', region: 'cn-profile' }] });
  const other = new ConfigResolver({ flags: {}, env: { UCLOUD_UK8S_CLUSTER_ID: 'uk8s-other0000' }, cluster: cluster({ configMap: CM, secret: { ...SECRET, NFS_ADDR: '10.0.0.9', SUBNET_ID: 'subnet-secret' } }), home: h });
  assert.deepEqual(await other.region(), { value: 'cn-profile', source: `ucloud-cli profile "default" (${join(h, '.ucloud', 'config.json')})` });
  assert.equal(await other.projectId(), undefined);
  assert.equal(await other.enableValue('subnetId', undefined, 'subnet-id', 'SUBNET_ID'), undefined);
  assert.equal(await other.enableValue('nfsAddr', undefined, 'nfs-addr', 'NFS_ADDR'), undefined);
  assert.ok(other.notes.includes('ConfigMap kube-system/uk8sconfig describes cluster uk8s-fromcm000, not uk8s-other0000: its UCLOUD_REGION_ID is not used'));
  assert.ok(other.notes.includes('Secret kube-system/uimgacc-credentials describes cluster uk8s-fromsecret, not uk8s-other0000: its NFS_ADDR is not used'));
  // Its own cluster's values are used, and a Secret naming no cluster is taken as this cluster's.
  const own = new ConfigResolver({ flags: {}, env: { UCLOUD_UK8S_CLUSTER_ID: 'uk8s-fromcm000' }, cluster: cluster({ configMap: CM, secret: { NFS_ADDR: '10.0.0.9' } }), home: h });
  assert.equal((await own.region()).value, 'cn-cm');
  assert.deepEqual(await own.enableValue('subnetId', undefined, 'subnet-id', 'SUBNET_ID'), { value: 'subnet-cm', source: 'ConfigMap kube-system/uk8sconfig' });
  assert.equal((await own.enableValue('nfsAddr', undefined, 'nfs-addr', 'NFS_ADDR'))?.value, '10.0.0.9');
});

test('the API endpoint configure stored in the Secret is read back: flag > env > Secret > profile > default', async () => {
  const h = home({ config: [{ profile: 'default', base_url: 'https://profile.example' }] });
  const c = cluster({ secret: { UCLOUD_API_BASE_URL: 'http://api.service.ucloud.cn' } });
  assert.deepEqual(await new ConfigResolver({ flags: {}, env: {}, cluster: c, home: h }).baseUrl(), { value: 'http://api.service.ucloud.cn', source: 'Secret kube-system/uimgacc-credentials' });
  assert.equal((await new ConfigResolver({ flags: {}, env: { UCLOUD_API_BASE_URL: 'https://env.example' }, cluster: c, home: h }).baseUrl()).value, 'https://env.example');
  assert.equal((await new ConfigResolver({ flags: {}, env: {}, cluster: cluster({}), home: h }).baseUrl()).value, 'https://profile.example');
});

function rawHome(files: { config?: string; credential?: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-home-'));
  mkdirSync(join(dir, '.ucloud'));
  if (files.config !== undefined) writeFileSync(join(dir, '.ucloud', 'config.json'), files.config);
  if (files.credential !== undefined) writeFileSync(join(dir, '.ucloud', 'credential.json'), files.credential, { mode: 0o600 });
  return dir;
}

test('ucloud-cli files as ucloud-cli reads them: empty is no profiles, the old single object is accepted, a broken file matters only when needed', async () => {
  // Empty files: no profiles, no error.
  const empty = rawHome({ config: '', credential: '  \n' });
  assert.equal(new ConfigResolver({ flags: {}, env: {}, home: empty }).profile(), null);
  await assert.rejects(new ConfigResolver({ flags: {}, env: {}, home: empty }).region(), /cannot tell the UCloud region/);
  // The format before profiles: one object in config.json, key pair included.
  const old = rawHome({ config: JSON.stringify({ public_key: 'old-pub', private_key: 'old-priv', region: 'cn-gd', project_id: 'org-old' }) });
  const r = new ConfigResolver({ flags: {}, env: {}, home: old });
  assert.deepEqual(await r.region(), { value: 'cn-gd', source: `ucloud-cli profile "default" (${join(old, '.ucloud', 'config.json')})` });
  assert.equal((await r.credentials()).privateKey.value, 'old-priv');
  // A broken credential.json does not matter while the key pair comes from elsewhere; the region still comes from config.json.
  const broken = rawHome({ config: JSON.stringify([{ profile: 'default', active: true, region: 'cn-sh2' }]), credential: '{not json' });
  const b = new ConfigResolver({ flags: {}, env: { UCLOUD_PUBLIC_KEY: 'p', UCLOUD_PRIVATE_KEY: 's' }, home: broken });
  assert.equal((await b.region()).value, 'cn-sh2');
  assert.equal((await b.credentials()).publicKey.source, 'env UCLOUD_PUBLIC_KEY');
  // ... and is an error when the key pair is needed from it.
  await assert.rejects(new ConfigResolver({ flags: {}, env: {}, home: broken }).credentials(), /credential\.json is not valid JSON/);
  // A broken config.json does not matter when every value comes from flags and env.
  const badConfig = rawHome({ config: '[', credential: JSON.stringify([{ profile: 'default', public_key: 'a', private_key: 'b' }]) });
  assert.equal((await new ConfigResolver({ flags: { region: 'cn-bj2' }, env: {}, home: badConfig }).region()).value, 'cn-bj2');
  await assert.rejects(new ConfigResolver({ flags: {}, env: {}, home: badConfig }).region(), /config\.json is not valid JSON/);
});

test('--profile, named explicitly, beats the environment\'s key pair and the credentials Secret; -v names credential.json for keys', async () => {
  const h = home({ config: [{ profile: 'a', active: true, region: 'cn-a' }, { profile: 'ops', region: 'cn-ops' }], credential: [{ profile: 'ops', public_key: 'ops-pub', private_key: 'ops-priv' }] });
  const env = { UCLOUD_PUBLIC_KEY: 'env-pub', UCLOUD_PRIVATE_KEY: 'env-priv' };
  const creds = await new ConfigResolver({ flags: { profile: 'ops' }, env, cluster: cluster({ secret: SECRET }), home: h }).credentials();
  assert.deepEqual(creds.publicKey, { value: 'ops-pub', source: `ucloud-cli profile "ops" (${join(h, '.ucloud', 'credential.json')})` });
  // Not named by a flag, the profile comes after the environment and the Secret.
  assert.equal((await new ConfigResolver({ flags: {}, env: { ...env, UCLOUD_PROFILE: 'ops' }, home: h }).credentials()).publicKey.value, 'env-pub');
  assert.equal((await new ConfigResolver({ flags: {}, env: { UCLOUD_PROFILE: 'ops' }, cluster: cluster({ secret: SECRET }), home: h }).credentials()).publicKey.value, 'pub-secret');
  await assert.rejects(new ConfigResolver({ flags: { profile: 'a' }, env, home: h }).credentials(), /profile "a" \(--profile\) has no key pair/);
});

test('in Simplified Chinese: a mismatch names both IDs with their sources and how to proceed; sources and notes are Chinese, names of variables and flags stay', async () => {
  const { useLanguage } = await import('../../lib/i18n/index.ts');
  const { describeSource } = await import('../../lib/config/resolve.ts');
  await useLanguage('zh-CN');
  try {
    const ucloud = { value: 'uk8s-bbbbbbbb', source: 'env UCLOUD_UK8S_CLUSTER_ID' };
    const different = checkClusterIdentity(ucloud, { known: true, id: { value: 'uk8s-aaaaaaaa', source: 'ConfigMap kube-system/uk8sconfig' } });
    assert.throws(
      () => requireSameCluster(different, { what: '删除 x 的镜像加速', refuseUnknown: true, force: true }),
      (err: UserError) => {
        assert.equal(err.kind, 'refused');
        assert.equal(err.message, '拒绝删除 x 的镜像加速：当前上下文的 Kubernetes 集群是 uk8s-aaaaaaaa（来源：ConfigMap kube-system/uk8sconfig），而 UCloud 集群是 uk8s-bbbbbbbb（来源：环境变量 UCLOUD_UK8S_CLUSTER_ID）');
        assert.deepEqual(err.details, [
          '提示：要操作 uk8s-bbbbbbbb，请切换到它的上下文（--context 或 `kubectl config use-context`）',
          '提示：要操作 uk8s-aaaaaaaa，请取消设置 UCLOUD_UK8S_CLUSTER_ID（或将其设为 uk8s-aaaaaaaa）',
          '（--force 不能跳过此检查：它针对的是“仍在使用”，而不是“哪个集群”）',
        ]);
        return true;
      },
    );
    // Each kind of source words its own advice.
    const fromFlag = checkClusterIdentity({ value: 'uk8s-bbbbbbbb', source: 'flag --cluster-id' }, { known: true, id: { value: 'uk8s-aaaaaaaa', source: 'kubeconfig context "prod"' } });
    assert.throws(() => requireSameCluster(fromFlag, { what: 'x', refuseUnknown: false, force: false }), (err: UserError) => {
      assert.match(err.message, /（来源：kubeconfig 上下文“prod”），而 UCloud 集群是 uk8s-bbbbbbbb（来源：参数 --cluster-id）$/);
      assert.equal(err.details[1], '提示：要操作 uk8s-aaaaaaaa，请去掉 --cluster-id uk8s-bbbbbbbb（或传入 --cluster-id uk8s-aaaaaaaa）');
      return true;
    });
    const unknown = checkClusterIdentity(ucloud, { known: false, why: '没有记录' });
    assert.throws(() => requireSameCluster(unknown, { what: '关闭镜像加速', refuseUnknown: true, force: false }), (err: UserError) => {
      assert.match(err.message, /^拒绝关闭镜像加速：无法确定当前 Kubernetes 上下文是哪个 UK8S 集群（没有记录）/);
      assert.deepEqual(err.details, ['提示：如果它就是 uk8s-bbbbbbbb，请运行 `kubectl uimgacc configure --cluster-id uk8s-bbbbbbbb` 在此上下文中记录集群；如果确定无误，也可以传入 --force']);
      return true;
    });
    assert.equal(describeSource('default'), '默认值');
    assert.equal(describeSource('ucloud-cli profile "ops" (/h/.ucloud/credential.json)'), 'ucloud-cli 配置“ops”（/h/.ucloud/credential.json）');
    assert.equal(describeSource('kubeconfig name "uk8s-ctxname00"'), 'kubeconfig 名称“uk8s-ctxname00”');
    assert.equal(describeSource('Secret kube-system/uimgacc-credentials'), 'Secret kube-system/uimgacc-credentials');
    // Sources stay English for logs and logic; what is said about them is Chinese.
    const r = new ConfigResolver({ flags: {}, env: {}, cluster: cluster({ contextName: 'prod' }), home: mkdtempSync(join(tmpdir(), 'uimgacc-zh-')) });
    await assert.rejects(r.clusterId(), (err: UserError) => {
      assert.match(err.message, /^无法确定要使用哪个 UK8S 集群：请传入 --cluster-id、设置 UCLOUD_UK8S_CLUSTER_ID/);
      assert.deepEqual(err.details, ['注意：ConfigMap kube-system/uk8sconfig 不存在', '注意：Secret kube-system/uimgacc-credentials 不存在']);
      return true;
    });
    const identity = await r.kubernetesIdentity();
    assert.equal(identity.known ? '' : identity.why, 'ConfigMap kube-system/uk8sconfig 不存在；上下文“prod”未记录集群 ID');
  } finally {
    await useLanguage('en');
  }
});
