import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { KubeAccess } from '../../lib/kube/access.ts';
import { fakeKubeAccess } from '../helpers/fake-kube.ts';
import type { ConfigResolver } from '../../lib/config/resolve.ts';
import { runDoctor } from '../../lib/doctor.ts';
import { kubernetesSupport, parseKubernetesVersion } from '../../lib/kube/support.ts';

test('gitVersions of real distributions are read; 1.26 and newer are supported, older are not', () => {
  assert.deepEqual(parseKubernetesVersion('v1.26.15'), { major: 1, minor: 26 });
  assert.deepEqual(parseKubernetesVersion('v1.30.2-eks-1552ad0'), { major: 1, minor: 30 });
  assert.deepEqual(parseKubernetesVersion('v1.28.3+k3s1'), { major: 1, minor: 28 });
  assert.equal(parseKubernetesVersion('banana'), undefined);
  for (const v of ['v1.26.0', 'v1.26.15', 'v1.29.6', 'v1.36.3', 'v2.0.0']) assert.equal(kubernetesSupport(v).supported, true, v);
  for (const v of ['v1.25.16', 'v1.22.17-uk8s', 'v0.99.0']) assert.equal(kubernetesSupport(v).supported, false, v);
  assert.equal(kubernetesSupport('v1.25.16').detail, 'v1.25.16 is older than 1.26, the oldest Kubernetes UCloud supports image acceleration on');
  assert.equal(kubernetesSupport('weird').supported, true, 'an unreadable version is not a reason to warn');
});

let server: Server;
let gitVersion = 'v1.25.16';
let kube: KubeAccess;

before(async () => {
  // An apiserver that answers /version and nothing else: doctor's later checks fail, the version check is what counts.
  server = createServer((req, res) => {
    const body = req.url === '/version' ? { gitVersion } : { kind: 'Status', code: 404, reason: 'NotFound', message: 'not here' };
    res.writeHead(req.url === '/version' ? 200 : 404, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  kube = fakeKubeAccess(server);
});
after(() => new Promise<void>((r) => server.close(() => r())));

async function kubernetesCheck(): Promise<{ status: string; detail: string; fix?: string | undefined }> {
  const checks = await runDoctor({ kube, config: {} as ConfigResolver, ucloud: () => Promise.reject(new Error('no UCloud here')) });
  const check = checks.find((c) => c.name === 'Kubernetes');
  assert.ok(check);
  return check;
}

test('doctor warns on a cluster older than the supported range, and names the version', async () => {
  gitVersion = 'v1.25.16';
  const old = await kubernetesCheck();
  assert.equal(old.status, 'warn');
  assert.equal(old.detail, 'reachable, but v1.25.16 is older than 1.26, the oldest Kubernetes UCloud supports image acceleration on');
  assert.match(old.fix ?? '', /upgrade the cluster/);
  gitVersion = 'v1.26.15';
  assert.deepEqual(await kubernetesCheck(), { name: 'Kubernetes', status: 'ok', detail: 'reachable, v1.26.15', fix: undefined });
});
