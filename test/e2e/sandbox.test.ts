// `npm run sandbox` as a newcomer uses it: README's "Try it" walk-through, run in a second shell against the sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubernetesVersion } from '../controlplane/testbin.ts';
import { startSandbox } from '../helpers/sandbox.ts';

const UHUB = 'uhub.service.ucloud.cn/demo';
// Two nodes carry the current acceleration label, 10.9.1.13 the old spelling only (the helper accepts both).
const ACCELERATED = ['10.9.1.11', '10.9.1.12', '10.9.1.13'];

interface PodOut {
  metadata: { name: string };
  spec: { nodeName?: string; containers: { image: string }[] };
  status: { phase: string };
}

test('npm run sandbox: Pods placed on accelerated nodes, the "Try it" walk-through, and cleanup on Ctrl-C', async () => {
  const sandbox = await startSandbox();
  const { dir, sh, until } = sandbox;
  const pods = async (ns: string, app: string): Promise<PodOut[]> => {
    const r = await sh(`kubectl get pods -n ${ns} -l app=${app} -o json`);
    assert.equal(r.code, 0, r.out);
    return (JSON.parse(r.out) as { items: PodOut[] }).items;
  };
  let exited: Promise<number | null> | undefined;
  try {
    const env = readFileSync(join(dir, 'env'), 'utf8');
    assert.match(env, /export KUBECONFIG=/);
    const status = await sh(`kubectl uimgacc status && kubectl uimgacc list -o name && kubectl __complete uimgacc delete ""`);
    assert.equal(status.code, 0, status.out);
    assert.match(status.out, /Cluster:\s+uk8s-sandbox01/);
    assert.match(status.out, /uhub.service.ucloud.cn\/demo\/app:v1\n/);
    // kubectl's own plugin completion finds kubectl_complete-uimgacc on PATH and offers the accelerated images.
    assert.match(status.out, /\nuhub.service.ucloud.cn\/demo\/app:v1-acc\n[^]*:4\n/);

    // The Kubernetes version UIMGACC_KUBE_VERSION names (the newest by default), server and kubectl alike.
    const version = await sh('kubectl get --raw /version && kubectl version --client -o json');
    assert.equal(version.code, 0, version.out);
    assert.equal([...version.out.matchAll(/"gitVersion": ?"(v[^"]+)"/g)].map((m) => m[1]).join(' '), `${kubernetesVersion()} ${kubernetesVersion()}`);

    // The helper placed frontend (target image) on accelerated nodes, through the real scheduler; all Running.
    const frontend = await pods('web', 'frontend');
    assert.equal(frontend.length, 3);
    for (const p of frontend) {
      assert.equal(p.status.phase, 'Running');
      assert.ok(ACCELERATED.includes(p.spec.nodeName ?? ''), `${p.metadata.name} runs on ${p.spec.nodeName}`);
    }
    const wide = await sh('kubectl get pods -n web -o wide');
    assert.match(wide.out, /frontend-\S+\s+1\/1\s+Running\s+0\s+\S+\s+\S+\s+10\.9\.1\.1[123]\s/);

    // patch moves api onto accelerated nodes: a new ReplicaSet, new Pods on the target image there, the old ones gone.
    const patch = await sh('kubectl uimgacc patch deploy/api -n web && kubectl rollout status deploy/api -n web --timeout=120s');
    assert.equal(patch.code, 0, patch.out);
    assert.match(patch.out, /deployment\.apps\/api patched/);
    await until('api Running on accelerated nodes with the target image', async () => {
      const api = await pods('web', 'api');
      return api.length === 2 && api.every((p) => p.status.phase === 'Running' && ACCELERATED.includes(p.spec.nodeName ?? '') && p.spec.containers[0]?.image === `${UHUB}/app:v1-acc`);
    });

    // who-uses shows the Running Pods; delete refuses (exit 3) while anything uses the target image.
    const who = await sh(`kubectl uimgacc who-uses ${UHUB}/app:v1`);
    assert.equal(who.code, 0, who.out);
    assert.match(who.out, /web\s+Pod\s+api-\S+\s+main\s+\S+app:v1-acc\s+Running/);
    assert.match(who.out, /web\s+Deployment\s+api\s+main/);
    const refused = await sh(`kubectl uimgacc delete ${UHUB}/app:v1`);
    assert.equal(refused.code, 3, refused.out);
    assert.match(refused.out, /refusing to delete the acceleration of uhub\.service\.ucloud\.cn\/demo\/app:v1/);

    // ml-train: patch the trainer, delete is refused; unpatch, the Pod is back on the original image; delete succeeds.
    const trainer = await sh('kubectl uimgacc patch sts/trainer -n ml && kubectl rollout status sts/trainer -n ml --timeout=120s');
    assert.equal(trainer.code, 0, trainer.out);
    assert.equal((await sh(`kubectl uimgacc delete ${UHUB}/ml-train:2024.1`)).code, 3);
    const back = await sh('kubectl uimgacc unpatch sts/trainer -n ml && kubectl rollout status sts/trainer -n ml --timeout=120s');
    assert.equal(back.code, 0, back.out);
    await until('the trainer back on the original image', async () => (await pods('ml', 'trainer')).every((p) => p.status.phase === 'Running' && p.spec.containers[0]?.image === `${UHUB}/ml-train:2024.1`));
    const deleted = await sh(`kubectl uimgacc delete ${UHUB}/ml-train:2024.1`);
    assert.equal(deleted.code, 0, deleted.out);
    assert.match(deleted.out, /acceleration of uhub\.service\.ucloud\.cn\/demo\/ml-train:2024\.1 deleted/);
  } finally {
    exited = sandbox.stop();
  }
  assert.equal(await exited, 0, sandbox.output());
  assert.equal(existsSync(dir), false, 'the sandbox directory is removed on exit');
});
