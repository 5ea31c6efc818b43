// The in-use scan without a cluster: identity matching, and scanImageUses against a loopback fake apiserver that
// pages, forbids, expires continue tokens and fails on demand.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { KubeAccess } from '../../lib/kube/access.ts';
import { fakeKubeAccess } from '../helpers/fake-kube.ts';
import { ALL_NAMESPACES, ImageMatcher, podSpecOf, scanImageUses, SCANNED_KINDS, type ImageUse, type ScanResult } from '../../lib/inuse/scan.ts';
import { inUseRefusal, summarizeUses } from '../../lib/inuse/guard.ts';
import { unseenLines, usesTable, useStatus } from '../../cmd/views.ts';

const UHUB = 'uhub.service.ucloud.cn/team';
const APP_ACC = `${UHUB}/app:v1-acc`;
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('ImageMatcher', () => {
  test('docker.io short names, the legacy index host and the default tag are one image', () => {
    const m = new ImageMatcher(['docker.io/library/nginx:latest', 'nginx:1.27-acc']);
    for (const image of ['nginx', 'nginx:latest', 'docker.io/nginx', 'library/nginx', 'index.docker.io/library/nginx:latest']) {
      assert.equal(m.match(image), 'docker.io/library/nginx:latest', image);
    }
    assert.equal(m.match('docker.io/library/nginx:1.27-acc'), 'nginx:1.27-acc');
    assert.equal(m.size, 2);
  });

  test('identity, not substring: shared prefixes, other registries and other repositories do not match', () => {
    const m = new ImageMatcher([APP_ACC]);
    for (const image of [
      `${APP_ACC}-old`,
      `${UHUB}/app-extra:v1-acc`,
      `${UHUB}/app:v1`,
      `${UHUB}/app`,
      `${UHUB}/sub/app:v1-acc`,
      'uhub.service.ucloud.cn:443/team/app:v1-acc',
      'hub.service.ucloud.cn/team/app:v1-acc',
      `x${APP_ACC}`,
      'UHUB.service.ucloud.cn/Team/app:v1-acc',
      '',
      'not a reference',
    ]) {
      assert.equal(m.match(image), undefined, image);
      assert.deepEqual(m.matches(image), [], image);
    }
    assert.deepEqual(m.matches(APP_ACC), [{ target: APP_ACC, certain: true }]);
  });

  test('digests: same digest matches whatever the tags; a different digest never does', () => {
    const m = new ImageMatcher([`${UHUB}/app:v1-acc@${D1}`]);
    assert.deepEqual(m.matches(`${UHUB}/app@${D1}`), [{ target: `${UHUB}/app:v1-acc@${D1}`, certain: true }]);
    assert.deepEqual(m.matches(`${UHUB}/app:other@${D1}`), [{ target: `${UHUB}/app:v1-acc@${D1}`, certain: true }]);
    assert.deepEqual(m.matches(`${UHUB}/app:v1-acc@${D2}`), []);
    assert.deepEqual(m.matches(`${UHUB}/app@${D2}`), []);
  });

  test('a reference pinned to the tag of a tag-only target is certain; a bare digest in its repository is a maybe', () => {
    const m = new ImageMatcher([APP_ACC]);
    assert.equal(m.match(`${APP_ACC}@${D1}`), APP_ACC);
    assert.deepEqual(m.matches(`${UHUB}/app@${D1}`), [{ target: APP_ACC, certain: false }]);
    // match() is what the webhook uses: it never acts on a maybe.
    assert.equal(m.match(`${UHUB}/app@${D1}`), undefined);
    assert.deepEqual(m.matches(`${UHUB}/app:v2@${D1}`), [], 'the tag says it is another image');
    assert.deepEqual(m.matches(`${UHUB}/other@${D1}`), []);
  });

  test('a tag-only reference against a digest target is a maybe; a digest-only target makes every tag of its repository a maybe', () => {
    const pinned = new ImageMatcher([`${APP_ACC}@${D1}`]);
    assert.deepEqual(pinned.matches(APP_ACC), [{ target: `${APP_ACC}@${D1}`, certain: false }]);
    assert.deepEqual(pinned.matches(`${UHUB}/app:v2`), []);
    const bare = new ImageMatcher([`${UHUB}/app@${D1}`]);
    assert.deepEqual(bare.matches(`${UHUB}/app:anything`), [{ target: `${UHUB}/app@${D1}`, certain: false }]);
    assert.deepEqual(bare.matches(`${UHUB}/app:anything@${D2}`), []);
  });

  test('an image can be several targets; certain ones come first, none twice', () => {
    const m = new ImageMatcher([APP_ACC, `${UHUB}/app:v2-acc`, `${UHUB}/app:v1-acc`]);
    assert.deepEqual(m.matches(`${UHUB}/app@${D1}`).map((x) => x.target), [APP_ACC, `${UHUB}/app:v2-acc`]);
    const mixed = new ImageMatcher([`${UHUB}/app@${D1}`, APP_ACC]);
    assert.deepEqual(mixed.matches(`${UHUB}/app@${D1}`), [
      { target: `${UHUB}/app@${D1}`, certain: true },
      { target: APP_ACC, certain: false },
    ]);
  });

  test('a target our grammar rejects (UCloud may list one) matches only its exact string', () => {
    const m = new ImageMatcher(['uhub.service.ucloud.cn/team/Legacy:v1-acc', APP_ACC]);
    assert.equal(m.match('uhub.service.ucloud.cn/team/Legacy:v1-acc'), 'uhub.service.ucloud.cn/team/Legacy:v1-acc');
    assert.equal(m.match('uhub.service.ucloud.cn/team/legacy:v1-acc'), undefined);
    assert.equal(m.match(APP_ACC), APP_ACC);
  });
});

test('podSpecOf reads the pod spec of every scanned kind', () => {
  const spec = { containers: [{ name: 'a', image: 'x' }] };
  assert.equal(podSpecOf('Pod', { spec }), spec);
  assert.equal(podSpecOf('CronJob', { spec: { jobTemplate: { spec: { template: { spec } } } } }), spec);
  for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job'] as const) {
    assert.equal(podSpecOf(kind, { spec: { template: { spec } } }), spec, kind);
  }
  assert.equal(podSpecOf('Deployment', {}), undefined);
});

// --- A fake apiserver: collections by URL path, paged with limit/continue, with switches for the failure cases.

const RESOURCES: Record<string, string> = {
  Pod: '/api/v1/pods',
  ReplicationController: '/api/v1/replicationcontrollers',
  Deployment: '/apis/apps/v1/deployments',
  StatefulSet: '/apis/apps/v1/statefulsets',
  DaemonSet: '/apis/apps/v1/daemonsets',
  ReplicaSet: '/apis/apps/v1/replicasets',
  Job: '/apis/batch/v1/jobs',
  CronJob: '/apis/batch/v1/cronjobs',
};

interface Obj {
  metadata: { name: string; namespace?: string; deletionTimestamp?: string };
  spec?: unknown;
  status?: { phase: string };
}

interface Fake {
  /** Objects per kind (cluster-wide; namespaced paths filter them). */
  objects: Record<string, Obj[]>;
  namespaces: string[];
  /** Paths (without query) answered 403 / other status. */
  status: Map<string, number>;
  /** Continue tokens that have expired: answered 410 once each. */
  expireOnce: Set<string>;
  /** Paths whose response never comes (until the client gives up). */
  hang: Set<string>;
  requests: { path: string; limit: string | null; cont: string | null }[];
  /** Requests whose client went away before an answer. */
  aborted: string[];
}

let fake: Fake;
let server: Server;
let kube: KubeAccess;

function reset(): void {
  fake = { objects: {}, namespaces: ['a', 'b'], status: new Map(), expireOnce: new Set(), hang: new Set(), requests: [], aborted: [] };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function forbidden(path: string): object {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: `forbidden: ${path}` };
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  fake.requests.push({ path, limit: url.searchParams.get('limit'), cont: url.searchParams.get('continue') });
  if (fake.hang.has(path)) {
    res.on('close', () => fake.aborted.push(path));
    return;
  }
  const code = fake.status.get(path);
  if (code === 403) return send(res, 403, forbidden(path));
  if (code) return send(res, code, { kind: 'Status', code, reason: 'InternalError', message: `boom ${path}` });
  let items: readonly object[];
  if (path === '/api/v1/namespaces') {
    items = fake.namespaces.map((name) => ({ metadata: { name } }));
  } else {
    // /api/v1/namespaces/<ns>/pods → the cluster-wide path of the kind, filtered to <ns>.
    const m = /^(\/apis?\/[^/]+(?:\/v1)?)\/namespaces\/([^/]+)\/([^/]+)$/.exec(path);
    const whole = m ? `${m[1]}/${m[3]}` : path;
    const kind = Object.keys(RESOURCES).find((k) => RESOURCES[k] === whole);
    if (!kind) return send(res, 404, { kind: 'Status', code: 404, reason: 'NotFound', message: path });
    items = (fake.objects[kind] ?? []).filter((o) => !m || o.metadata.namespace === m[2]);
  }
  const cont = url.searchParams.get('continue');
  if (cont && fake.expireOnce.delete(`${path}#${cont}`)) {
    return send(res, 410, { kind: 'Status', code: 410, reason: 'Expired', message: 'The provided continue parameter is too old' });
  }
  const limit = Number(url.searchParams.get('limit') ?? '0') || items.length;
  const start = Number(cont ?? '0');
  const page = items.slice(start, start + limit);
  const next = start + limit < items.length ? String(start + limit) : undefined;
  send(res, 200, { kind: 'List', metadata: next ? { continue: next } : {}, items: page });
}

before(async () => {
  reset();
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  kube = fakeKubeAccess(server);
});

after(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(reset);

const pod = (ns: string, name: string, spec: object, extra: Partial<Obj> = {}): Obj => ({ metadata: { name, namespace: ns }, spec, ...extra });
const tmpl = (ns: string, name: string, image: string, spec: object = {}): Obj => ({ metadata: { name, namespace: ns }, spec: { template: { spec: { containers: [{ name: 'main', image }] } }, ...spec } });
const names = (r: ScanResult): string[] => r.uses.map((u) => `${u.kind}/${u.namespace}/${u.name}/${u.container}`);

describe('scanImageUses', () => {
  test('pages every kind with limit and continue, and finds every container kind and workload kind', async () => {
    fake.objects['Pod'] = [
      pod('a', 'p-main', { containers: [{ name: 'app', image: APP_ACC }] }),
      pod('a', 'p-init', { initContainers: [{ name: 'setup', image: APP_ACC }], containers: [{ name: 'x', image: 'busybox' }] }),
      pod('a', 'p-sidecar', { initContainers: [{ name: 'proxy', image: APP_ACC, restartPolicy: 'Always' }], containers: [] }),
      pod('b', 'p-eph', { containers: [{ name: 'x', image: 'busybox' }], ephemeralContainers: [{ name: 'dbg', image: APP_ACC }] }),
      pod('b', 'p-done', { containers: [{ name: 'app', image: APP_ACC }] }, { status: { phase: 'Succeeded' } }),
      pod('b', 'p-failed', { containers: [{ name: 'app', image: APP_ACC }] }, { status: { phase: 'Failed' } }),
      pod('b', 'p-leaving', { containers: [{ name: 'app', image: APP_ACC }] }, { metadata: { name: 'p-leaving', namespace: 'b', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } }),
      ...Array.from({ length: 20 }, (_, i) => pod('a', `filler-${i}`, { containers: [{ name: 'x', image: `${APP_ACC}-old` }] })),
    ];
    fake.objects['Deployment'] = [tmpl('a', 'zero', APP_ACC, { replicas: 0 })];
    fake.objects['StatefulSet'] = [tmpl('a', 'sts', APP_ACC, { replicas: 2 })];
    fake.objects['DaemonSet'] = [tmpl('a', 'ds', APP_ACC)];
    fake.objects['ReplicaSet'] = [tmpl('a', 'old-rs', APP_ACC, { replicas: 0 })];
    fake.objects['ReplicationController'] = [tmpl('a', 'rc', APP_ACC, { replicas: 1 })];
    fake.objects['Job'] = [tmpl('a', 'job', APP_ACC, { suspend: true })];
    fake.objects['CronJob'] = [{ metadata: { name: 'cron', namespace: 'a' }, spec: { suspend: true, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'main', image: APP_ACC }] } } } } } }];

    const r = await scanImageUses(kube, [APP_ACC], { pageSize: 4 });
    assert.deepEqual(names(r), [
      'Pod/a/p-init/setup',
      'Pod/a/p-main/app',
      'Pod/a/p-sidecar/proxy',
      'Deployment/a/zero/main',
      'StatefulSet/a/sts/main',
      'DaemonSet/a/ds/main',
      'ReplicaSet/a/old-rs/main',
      'ReplicationController/a/rc/main',
      'Job/a/job/main',
      'CronJob/a/cron/main',
      'Pod/b/p-eph/dbg',
      'Pod/b/p-leaving/app',
    ]);
    const by = (n: string): ImageUse => r.uses.find((u) => u.name === n) as ImageUse;
    assert.equal(by('p-init').containerType, 'initContainer');
    assert.equal(by('p-sidecar').containerType, 'initContainer');
    assert.equal(by('p-eph').containerType, 'ephemeralContainer');
    assert.equal(by('p-main').containerType, 'container');
    assert.deepEqual([by('p-main').phase, by('p-main').terminating], ['Pending', false]);
    assert.deepEqual([by('p-leaving').phase, by('p-leaving').terminating], ['Running', true]);
    assert.equal(by('zero').replicas, 0);
    assert.equal(by('cron').suspended, true);
    assert.equal(by('job').suspended, true);
    assert.deepEqual(r.unseen, []);
    assert.equal(r.scanned.Pod, 27);
    // Every list asked for pages of 4 and followed the continue tokens: 27 Pods = 7 pages.
    const podRequests = fake.requests.filter((q) => q.path === '/api/v1/pods');
    assert.equal(podRequests.length, 7);
    assert.ok(fake.requests.every((q) => q.limit === '4'));
    assert.deepEqual(podRequests.map((q) => q.cont), [null, '4', '8', '12', '16', '20', '24']);
    assert.deepEqual(new Set(fake.requests.map((q) => q.path)), new Set(Object.values(RESOURCES)));
  });

  test('lists the kinds concurrently', async () => {
    // Every first page is held back until all eight lists have asked: a sequential scan would never get there.
    for (const path of Object.values(RESOURCES)) fake.hang.add(path);
    const scan = scanImageUses(kube, [APP_ACC]);
    // A sequential scan never gets here: the runner's timeout ends the test.
    while (new Set(fake.requests.map((q) => q.path)).size < 8) await new Promise((r) => setTimeout(r, 5));
    // Cut the held requests off: the scan fails like any connection failure.
    server.closeAllConnections();
    await assert.rejects(scan);
  });

  test('one namespace: namespaced paths; forbidden there is reported as unseen in that namespace', async () => {
    fake.objects['Pod'] = [pod('a', 'mine', { containers: [{ name: 'c', image: APP_ACC }] }), pod('b', 'other', { containers: [{ name: 'c', image: APP_ACC }] })];
    fake.status.set('/apis/batch/v1/namespaces/a/cronjobs', 403);
    const r = await scanImageUses(kube, [APP_ACC], { namespace: 'a' });
    assert.deepEqual(names(r), ['Pod/a/mine/c']);
    assert.ok(fake.requests.every((q) => q.path.includes('/namespaces/a/')));
    assert.deepEqual(r.unseen, [{ kind: 'CronJob', scope: 'a', reason: 'Error from server (Forbidden): forbidden: /apis/batch/v1/namespaces/a/cronjobs' }]);
  });

  test('a forbidden cluster-wide list falls back to namespace by namespace, and names exactly what it still could not see', async () => {
    fake.objects['Pod'] = [pod('a', 'in-a', { containers: [{ name: 'c', image: APP_ACC }] }), pod('b', 'in-b', { containers: [{ name: 'c', image: APP_ACC }] })];
    fake.status.set('/api/v1/pods', 403);
    fake.status.set('/api/v1/namespaces/b/pods', 403);
    fake.status.set('/apis/apps/v1/deployments', 403);
    const r = await scanImageUses(kube, [APP_ACC]);
    assert.deepEqual(names(r), ['Pod/a/in-a/c']);
    assert.deepEqual(r.unseen, [{ kind: 'Pod', scope: 'b', reason: 'Error from server (Forbidden): forbidden: /api/v1/namespaces/b/pods' }]);
    // Namespaces were listed once, though two kinds needed them.
    assert.equal(fake.requests.filter((q) => q.path === '/api/v1/namespaces').length, 1);
  });

  test('when namespaces cannot be listed either, the kind is unseen in all namespaces, with both reasons', async () => {
    fake.status.set('/api/v1/pods', 403);
    fake.status.set('/api/v1/namespaces', 403);
    const r = await scanImageUses(kube, [APP_ACC]);
    assert.deepEqual(r.unseen, [
      {
        kind: 'Pod',
        scope: ALL_NAMESPACES,
        reason: 'Error from server (Forbidden): forbidden: /api/v1/pods; and namespaces cannot be listed to check them one by one: Error from server (Forbidden): forbidden: /api/v1/namespaces',
      },
    ]);
  });

  test('an expired continue token restarts that list once, without counting anything twice', async () => {
    fake.objects['Pod'] = Array.from({ length: 10 }, (_, i) => pod('a', `p${i}`, { containers: [{ name: 'c', image: APP_ACC }] }));
    fake.expireOnce.add('/api/v1/pods#6');
    const r = await scanImageUses(kube, [APP_ACC], { pageSize: 3 });
    assert.equal(r.uses.length, 10);
    assert.equal(new Set(r.uses.map((u) => u.name)).size, 10);
    assert.equal(r.scanned.Pod, 10);
    assert.deepEqual(fake.requests.filter((q) => q.path === '/api/v1/pods').map((q) => q.cont), [null, '3', '6', null, '3', '6', '9']);
  });

  test('any other error fails the scan and stops the lists still running', async () => {
    fake.hang.add('/apis/batch/v1/cronjobs');
    fake.status.set('/api/v1/pods', 500);
    await assert.rejects(scanImageUses(kube, [APP_ACC]), (err: unknown) => (err as { code?: number }).code === 500);
    // Left running, the CronJob list is never aborted and the runner's timeout ends the test.
    while (!fake.aborted.includes('/apis/batch/v1/cronjobs')) await new Promise((r) => setTimeout(r, 5));
  });

  test('the caller can cancel a scan', async () => {
    fake.hang.add('/api/v1/pods');
    const ac = new AbortController();
    const scan = scanImageUses(kube, [APP_ACC], { signal: ac.signal });
    // Cancel once the Pod list is really in flight (held by the fake apiserver), not after a guessed delay.
    while (!fake.requests.some((q) => q.path === '/api/v1/pods')) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await assert.rejects(scan);
    // Left running, the request is never aborted and the runner's timeout ends the test.
    while (!fake.aborted.includes('/api/v1/pods')) await new Promise((r) => setTimeout(r, 5));
  });

  test('a digest-only Pod in the target repository is reported as a maybe, once per possible target', async () => {
    fake.objects['Pod'] = [pod('a', 'pinned', { containers: [{ name: 'c', image: `${UHUB}/app@${D1}` }] })];
    const r = await scanImageUses(kube, [APP_ACC, `${UHUB}/app:v2-acc`]);
    assert.deepEqual(r.uses.map((u) => [u.target, u.certain]), [
      [APP_ACC, false],
      [`${UHUB}/app:v2-acc`, false],
    ]);
    // Without the TARGET IMAGE column the two are one row.
    assert.equal(usesTable(r.uses).trimEnd().split('\n').length, 2);
    assert.equal(usesTable(r.uses, true).trimEnd().split('\n').length, 3);
  });
});

describe('the guard and its wording', () => {
  const use = (o: Partial<ImageUse>): ImageUse => ({ namespace: 'a', kind: 'Pod', name: 'p', container: 'c', containerType: 'container', image: APP_ACC, target: APP_ACC, certain: true, phase: 'Running', terminating: false, ...o });
  const render = (r: ScanResult): { uses: () => string; unseen: () => string[] } => ({ uses: () => usesTable(r.uses), unseen: () => unseenLines(r.unseen) });
  const scanned = Object.fromEntries(SCANNED_KINDS.map((k) => [k, 0])) as ScanResult['scanned'];

  test('summaries tell Pods, terminating Pods, templates and maybes apart', () => {
    assert.equal(summarizeUses([use({})]), '1 container uses the target image: 1 in a Pod');
    assert.equal(
      summarizeUses([use({}), use({ terminating: true }), use({ kind: 'Deployment', replicas: 0 }), use({ kind: 'CronJob', certain: false })], 'target images'),
      '4 containers use target images: 2 in Pods (1 terminating), 2 in workload pod templates; for 1 of them it is not certain (tag vs digest: only the registry could tell)',
    );
  });

  test('nothing used and everything seen: no refusal', () => {
    assert.equal(inUseRefusal('delete it', { uses: [], unseen: [], scanned }, render({ uses: [], unseen: [], scanned })), undefined);
  });

  test('in use: exit kind in-use, the table, and a hint naming --force', () => {
    const r: ScanResult = { uses: [use({})], unseen: [{ kind: 'Job', scope: 'x', reason: 'nope' }], scanned };
    const refusal = inUseRefusal('delete it', r, render(r));
    assert.equal(refusal?.kind, 'in-use');
    assert.equal(refusal?.message, 'refusing to delete it: 1 container uses the target image: 1 in a Pod');
    assert.match(refusal?.details[0] ?? '', /^NAMESPACE\s+KIND\s+NAME\s+CONTAINER\s+IMAGE\s+STATUS\na\s+Pod\s+p\s+c\s+\S+\s+Running$/);
    assert.deepEqual(refusal?.details.slice(1, 3), ['and the scan could not see:', '  Job in namespace x: nope']);
    assert.match(refusal?.details.at(-1) ?? '', /^hint: .*--force/);
  });

  test('nothing used but something unseen: still a refusal, saying what', () => {
    const r: ScanResult = { uses: [], unseen: [{ kind: 'Pod', scope: ALL_NAMESPACES, reason: 'Error from server (Forbidden): no' }], scanned };
    const refusal = inUseRefusal('delete it', r, render(r));
    assert.equal(refusal?.kind, 'unverified', 'could not verify, which scripts tell from "in use" by the exit code');
    assert.match(refusal?.message ?? '', /an unseen Pod is not a safe Pod/);
    assert.equal(refusal?.details[0], '  Pod in all namespaces: Error from server (Forbidden): no');
  });

  test('unseen namespaces are grouped per kind, every namespace named', () => {
    assert.deepEqual(
      unseenLines([
        { kind: 'Pod', scope: 'a', reason: 'forbidden in a' },
        { kind: 'Pod', scope: 'b', reason: 'forbidden in b' },
        { kind: 'Job', scope: ALL_NAMESPACES, reason: 'forbidden' },
      ]),
      ['  Pod in 2 namespaces (a, b): forbidden in a', '  Job in all namespaces: forbidden'],
    );
  });

  test('status column', () => {
    assert.equal(useStatus(use({ terminating: true })), 'Terminating');
    assert.equal(useStatus(use({ phase: 'Pending' })), 'Pending');
    assert.equal(useStatus(use({ kind: 'Deployment', phase: undefined, terminating: undefined, replicas: 0 })), 'replicas=0');
    assert.equal(useStatus(use({ kind: 'CronJob', phase: undefined, terminating: undefined, suspended: true })), 'suspended');
    assert.equal(useStatus(use({ kind: 'DaemonSet', phase: undefined, terminating: undefined })), '-');
    assert.equal(useStatus(use({ certain: false })), 'Running, maybe (tag vs digest)');
  });
});
