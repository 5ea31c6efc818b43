import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigYaml } from '../controlplane/controlplane.ts';
import { kubectlAdmin, sharedControlPlane, uniqueNamespace } from '../controlplane/shared.ts';
import { kubernetesVersion } from '../controlplane/testbin.ts';
import { KubeAccess } from '../../lib/kube/access.ts';
import { describeKubeError } from '../../lib/kube/errors.ts';

test('the control plane is a real kube-apiserver of the pinned version', async () => {
  const cp = await sharedControlPlane();
  assert.equal(cp.version, kubernetesVersion());
});

test('objects created through the API are read back through the plugin\'s own code paths', async () => {
  const cp = await sharedControlPlane();
  const ns = await uniqueNamespace('cp');
  const kube = new KubeAccess({ kubeconfig: cp.kubeconfigPath, namespace: ns }, {});
  const core = await kube.core();
  const apps = await kube.apps();
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } });
  await apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name: 'd1' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'd1' } }, template: { metadata: { labels: { app: 'd1' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
    },
  });
  await kubectlAdmin(['-n', ns, 'create', 'configmap', 'cm1', '--from-literal=KEY=value']);
  const pod = await core.readNamespacedPod({ namespace: ns, name: 'p1' });
  assert.equal(pod.spec?.containers[0]?.image, 'nginx:1.27');
  const deploy = await apps.readNamespacedDeployment({ namespace: ns, name: 'd1' });
  assert.equal(deploy.spec?.replicas, 0);
  assert.deepEqual(await kube.readConfigMap(ns, 'cm1'), { KEY: 'value' });
  assert.equal(await kube.readConfigMap(ns, 'missing'), undefined);
});

test('RBAC is real: a restricted user is Forbidden until granted, and the error reads like kubectl', async () => {
  const cp = await sharedControlPlane();
  const ns = await uniqueNamespace('rbac');
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-rbac-'));
  const file = join(dir, 'alice.kubeconfig');
  writeFileSync(file, kubeconfigYaml(cp, 'alice', cp.users['alice'] as string));
  const core = await new KubeAccess({ kubeconfig: file }, {}).core();
  await assert.rejects(core.listNamespacedPod({ namespace: ns }), (err: unknown) => {
    assert.equal(describeKubeError(err), `Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "${ns}"`);
    return true;
  });
  await kubectlAdmin(['-n', ns, 'create', 'role', 'pod-reader', '--verb=list', '--resource=pods']);
  await kubectlAdmin(['-n', ns, 'create', 'rolebinding', 'alice-pods', '--role=pod-reader', '--user=alice']);
  // RBAC caches settle quickly but not instantly.
  for (let i = 0; ; i++) {
    try {
      const pods = await core.listNamespacedPod({ namespace: ns });
      assert.equal(pods.items.length, 0);
      break;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});
