// The helper-managed certificate for real: two helper replicas (dist/helper.mjs) share one Secret in the real
// apiserver, agree on one CA and one serving certificate (optimistic concurrency), write the CA into the webhook
// configuration's caBundle themselves, and renew the serving certificate before it expires under the same CA, while
// the apiserver keeps calling them over TLS. Nothing here comes from Helm's lookup.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { chartWebhookConfiguration } from '../helpers/helper-process.ts';
import { createCa, createServingCert, serviceNames } from '../../helper/certs.ts';
import { startSimulator, type Simulator } from '../simulator/server.ts';
import { makeServingCert, servedFingerprint } from '../helpers/tls.ts';

const CLUSTER = 'uk8s-certs0001';
const RUN = randomBytes(3).toString('hex');
const APP = `uhub.service.ucloud.cn/certs-${RUN}/app:v1`;
const WEBHOOK = `uimgacc-certs-${RUN}`;
const SECRET = `uimgacc-tls-${RUN}`;
let sim: Simulator;
let ns: string;
let podNs: string;
const replicas: { child: ChildProcess; log: string; port: number }[] = [];

interface SecretOut {
  metadata: { resourceVersion: string };
  data?: Record<string, string>;
}

async function secret(): Promise<SecretOut> {
  return JSON.parse(await kubectlAdmin(['-n', ns, 'get', 'secret', SECRET, '-o', 'json'])) as SecretOut;
}

const pem = (s: SecretOut, key: string): string => Buffer.from(s.data?.[key] ?? '', 'base64').toString();

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (i > 300) assert.fail(`${what} never happened:\n${replicas.map((r) => r.log.slice(-1500)).join('\n---\n')}`);
    await delay(100);
  }
}

async function startReplica(kubeconfig: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['dist/helper.mjs', '--port', '0', '--metrics-port', '0', '--kubeconfig', kubeconfig, '--poll-interval', '500ms', '--shutdown-delay', '0s',
      '--tls-secret', SECRET, '--namespace', ns, '--service', 'uimgacc', '--webhook-config', WEBHOOK, '--cert-extra-names', '127.0.0.1',
      // Renewed when less than 595 s of a 10 min validity is left: every few seconds, so the test sees rotations.
      '--cert-validity', '10m', '--cert-renew-before', '595s', '--cert-check-interval', '300ms'],
    {
      env: { PATH: process.env['PATH'], HOME: makeServingCert().dir, UCLOUD_PUBLIC_KEY: 'certs-pub', UCLOUD_PRIVATE_KEY: 'certs-priv', UCLOUD_UK8S_CLUSTER_ID: CLUSTER, UCLOUD_REGION: 'cn-bj2', UCLOUD_API_BASE_URL: sim.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const r = { child, log: '', port: 0 };
  child.stdout?.on('data', (c: Buffer) => (r.log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (r.log += c.toString()));
  replicas.push(r);
}

before(async () => {
  const cp = await sharedControlPlane();
  sim = await startSimulator({
    accounts: [{ publicKey: 'certs-pub', privateKey: 'certs-priv' }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', Enable: true, NfsReady: true, AgentReady: true, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] }],
  });
  ns = await uniqueNamespace('certs');
  podNs = await uniqueNamespace('certs-pods', { 'uimgacc-certs': RUN });
  // Two replicas started at once, with no Secret yet: both try to create it, one wins, both serve what won.
  await Promise.all([startReplica(cp.kubeconfigPath), startReplica(cp.kubeconfigPath)]);
  for (const r of replicas) {
    r.port = await until('listening', async () => {
      const m = /"msg":"listening","port":(\d+)/.exec(r.log);
      return m ? Number(m[1]) : undefined;
    });
  }
  // The chart's webhook configuration (no caBundle: the helper writes it), calling replica 0 by URL.
  const config = (await chartWebhookConfiguration({ port: replicas[0]?.port ?? 0, caBundle: '' }, WEBHOOK, ['--set-string', `webhook.namespaceSelector.matchLabels.uimgacc-certs=${RUN}`])) as { webhooks: { clientConfig: Record<string, unknown> }[] };
  for (const hook of config.webhooks) delete hook.clientConfig['caBundle'];
  await kubectlAdmin(['create', '-f', '-'], JSON.stringify(config));
});

after(async () => {
  await kubectlAdmin(['delete', 'mutatingwebhookconfiguration', WEBHOOK, '--ignore-not-found']).catch(() => undefined);
  for (const r of replicas) r.child.kill('SIGKILL');
  await sim.close();
});

async function caBundles(): Promise<string[]> {
  const hook = JSON.parse(await kubectlAdmin(['get', 'mutatingwebhookconfiguration', WEBHOOK, '-o', 'json'])) as { webhooks: { clientConfig: { caBundle?: string } }[] };
  return hook.webhooks.map((w) => Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString());
}

async function podGetsAffinity(name: string): Promise<boolean> {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image: `${APP}-acc` }] } };
  const out = JSON.parse(await kubectlAdmin(['-n', podNs, 'create', '-f', '-', '-o', 'json'], JSON.stringify(pod))) as { spec: { affinity?: unknown } };
  return out.spec.affinity !== undefined;
}

test('two replicas agree on one CA and serving certificate, write the caBundle, and the apiserver calls them over TLS', async () => {
  const s = await until('the Secret filled', async () => {
    const got = await secret();
    return got.data?.['tls.crt'] ? got : undefined;
  });
  const ca = new X509Certificate(pem(s, 'ca.crt'));
  const cert = new X509Certificate(pem(s, 'tls.crt'));
  assert.ok(ca.ca, 'a CA');
  assert.ok(cert.verify(ca.publicKey), 'the serving certificate is signed by the CA');
  assert.ok(cert.checkHost(`uimgacc.${ns}.svc`), 'it names the Service');
  assert.ok(cert.checkIP('127.0.0.1'));
  assert.ok(cert.checkPrivateKey(createPrivateKey(pem(s, 'tls.key'))));
  await until('the caBundle written by the helper', async () => ((await caBundles()).every((b) => b === pem(s, 'ca.crt')) ? true : undefined));
  // Both replicas serve one certificate (the one in the Secret, maybe already a newer one: compare with the Secret).
  await until('both replicas serving the Secret\'s certificate', async () => {
    const now = new X509Certificate(pem(await secret(), 'tls.crt')).fingerprint256;
    const fps = await Promise.all(replicas.map((r) => servedFingerprint(r.port)));
    return fps.every((f) => f === now) ? true : undefined;
  });
  // The apiserver verifies the helper with the CA the helper wrote: the webhook is really called.
  await until('a Pod mutated through the webhook', async () => ((await podGetsAffinity(`first-${randomBytes(2).toString('hex')}`)) ? true : undefined));
  assert.ok(!replicas.some((r) => /"level":"error"/.test(r.log)), replicas.map((r) => r.log).join('\n'));
});

test('the serving certificate is renewed before it expires, under the same CA; both replicas follow; Pods keep being mutated', async () => {
  const first = await secret();
  const firstCert = pem(first, 'tls.crt');
  const renewed = await until('a renewal', async () => {
    const s = await secret();
    return pem(s, 'tls.crt') !== firstCert ? s : undefined;
  });
  assert.equal(pem(renewed, 'ca.crt'), pem(first, 'ca.crt'), 'the CA stays');
  assert.equal(pem(renewed, 'ca.key'), pem(first, 'ca.key'));
  assert.ok(new X509Certificate(pem(renewed, 'tls.crt')).verify(new X509Certificate(pem(first, 'ca.crt')).publicKey));
  assert.deepEqual(await caBundles(), [pem(first, 'ca.crt'), pem(first, 'ca.crt')], 'the caBundle does not change');
  assert.ok(replicas.some((r) => /new serving certificate under the same CA/.test(r.log)));
  await until('both replicas serving a renewed certificate', async () => {
    const fps = await Promise.all(replicas.map((r) => servedFingerprint(r.port)));
    return fps.every((f) => f !== new X509Certificate(firstCert).fingerprint256) ? true : undefined;
  });
  // Through every renewal the apiserver keeps trusting the helper (same CA): a Pod created now is mutated.
  // (Retried: under load one call may time out and fail open; a CA the apiserver did not trust would fail every time.)
  await until('a Pod mutated after the renewal', async () => ((await podGetsAffinity(`after-${randomBytes(2).toString('hex')}`)) ? true : undefined));
});

test('a key that does not match the certificate in the Secret is replaced by a matching pair (same CA)', async () => {
  const other = makeServingCert();
  // The replicas renew every few seconds: write with the version read, and read again when one renewed meanwhile.
  const s = await until('the broken key written', async () => {
    const read = await secret();
    const broken = { ...read, data: { ...read.data, 'tls.key': readFileSync(other.keyFile).toString('base64') } };
    await kubectlAdmin(['-n', ns, 'replace', '-f', '-'], JSON.stringify(broken));
    return read;
  });
  await until('the mismatch noticed and repaired', async () => (replicas.some((r) => /"reason":"the key does not match the serving certificate"/.test(r.log)) ? true : undefined));
  const fixed = await until('a matching pair', async () => {
    const now = await secret();
    const cert = new X509Certificate(pem(now, 'tls.crt'));
    return cert.checkPrivateKey(createPrivateKey(pem(now, 'tls.key'))) ? now : undefined;
  });
  assert.equal(pem(fixed, 'ca.crt'), pem(s, 'ca.crt'));
  await until('a Pod mutated after the repair', async () => ((await podGetsAffinity(`repaired-${randomBytes(2).toString('hex')}`)) ? true : undefined));
});

test('a CA near its end is replaced; the old one stays in the caBundle while it is valid, so no replica loses trust', async () => {
  // A CA with less left than a serving certificate's validity (the helpers run with 10m): it must be replaced.
  const old = createCa(Date.now(), 5 * 60_000);
  const pair = createServingCert(old, serviceNames('uimgacc', ns), Date.now(), 4 * 60_000);
  const b64 = (t: string): string => Buffer.from(t).toString('base64');
  await until('the old CA written', async () => {
    const read = await secret();
    const next = { ...read, data: { ...read.data, 'ca.crt': b64(old.caCert), 'ca.key': b64(old.caKey), 'tls.crt': b64(pair.cert), 'tls.key': b64(pair.key), 'ca-previous.crt': '' } };
    await kubectlAdmin(['-n', ns, 'replace', '-f', '-'], JSON.stringify(next));
    return true;
  });
  const replaced = await until('a new CA', async () => {
    const s = await secret();
    return pem(s, 'ca.crt') !== old.caCert && pem(s, 'ca-previous.crt') === old.caCert ? s : undefined;
  });
  assert.ok(replicas.some((r) => /"msg":"managed certificate: new CA and serving certificate","reason":"the CA expires on/.test(r.log)));
  // Both CAs are trusted until the old one expires.
  const both = async (): Promise<boolean> => (await caBundles()).every((b) => b.includes(pem(replaced, 'ca.crt').trim()) && b.includes(old.caCert.trim()));
  for (let i = 0; !(await both()); i++) {
    if (i > 100) assert.fail(`caBundles: ${JSON.stringify(await caBundles())}\nnew: ${JSON.stringify(pem(replaced, 'ca.crt'))}\nold: ${JSON.stringify(old.caCert)}`);
    await delay(100);
  }
  await until('a Pod mutated under the new CA', async () => ((await podGetsAffinity(`newca-${randomBytes(2).toString('hex')}`)) ? true : undefined));
});
