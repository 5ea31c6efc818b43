import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccelerationCache } from '../../helper/cache.ts';
import type { Log } from '../../helper/log.ts';
import { parseAccelerationState, type AccelerationState } from '../../lib/ucloud/acceleration.ts';
import { ACCELERATION_LABEL, ACCELERATION_LABELS, LEGACY_ACCELERATION_LABEL } from '../../lib/affinity.ts';
import { mayRewrite } from '../../helper/admission.ts';

const APP = 'uhub.service.ucloud.cn/team/app:v1';
const WEB = 'uhub.service.ucloud.cn/team/web:v2';
const images = (...originals: string[]): object[] => originals.map((o) => ({ OriginalImage: o, TargetImage: `${o}-acc` }));

/** What GetUK8SImageAccelerate answers, as the real API shapes it (Images forced empty while busy). */
function state(over: Record<string, unknown>): AccelerationState {
  const body = { Enable: true, NfsReady: true, AgentReady: true, Status: 'Ready', Images: [], ...over };
  return parseAccelerationState('uk8s-unit0001', body);
}

function setup(labelOverride?: string): { cache: AccelerationCache; answer: (s: AccelerationState | Error | 'hang') => void; lines: { level: string; msg: string; fields?: Record<string, unknown> }[]; clock: { now: number }; apiErrors: () => number } {
  let next: AccelerationState | Error | 'hang' = state({});
  let errors = 0;
  const clock = { now: 1_000_000 };
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Log = {
    info: (msg, fields) => void lines.push({ level: 'info', msg, ...(fields ? { fields } : {}) }),
    warn: (msg, fields) => void lines.push({ level: 'warn', msg, ...(fields ? { fields } : {}) }),
    error: (msg, fields) => void lines.push({ level: 'error', msg, ...(fields ? { fields } : {}) }),
  };
  const api = {
    // 'hang': a call that never answers (a black-holed connection).
    get: (): Promise<AccelerationState> => (next === 'hang' ? new Promise<AccelerationState>(() => undefined) : next instanceof Error ? Promise.reject(next) : Promise.resolve(next)),
  };
  const cache = new AccelerationCache({ api, intervalMs: 30_000, maxRewriteStalenessMs: 300_000, ucloudTimeoutMs: 50, labelOverride, log, onApiError: () => void errors++, now: () => clock.now });
  return { cache, answer: (s) => (next = s), lines, clock, apiErrors: () => errors };
}

const uses = (cache: AccelerationCache, image: string): boolean => cache.snapshot.targets.match(image) !== undefined;
/** What a request answered now (the cache's clock) would rewrite the image to. */
const rewritesTo = (cache: AccelerationCache, image: string, now?: number): string | undefined => {
  if (!mayRewrite(cache.snapshot, now ?? cache.lastSuccess ?? 0)) return undefined;
  const original = cache.snapshot.originals.match(image);
  return original === undefined ? undefined : cache.snapshot.rewrites.get(original);
};

test('a Ready list gives targets for the affinity and originals to rewrite', async () => {
  const { cache, answer } = setup();
  assert.equal(cache.status().known, false);
  answer(state({ Images: images(APP, WEB) }));
  await cache.refresh();
  assert.ok(uses(cache, `${APP}-acc`));
  assert.equal(rewritesTo(cache, APP), `${APP}-acc`);
  assert.equal(rewritesTo(cache, 'uhub.service.ucloud.cn/team/app:v1'), `${APP}-acc`);
  assert.deepEqual(
    { ...cache.status(), lastError: undefined },
    { known: true, published: true, hidden: false, rewritable: true, ucloudOk: true, lastError: undefined, status: 'Ready', enabled: true, targets: 2, labels: ACCELERATION_LABELS, labelSource: 'both spellings', nodes: { synced: false, detection: undefined, lastKnown: false, lastError: undefined } },
  );
  assert.equal(cache.ageSeconds(), 0);
});

test('when the API fails, the last good list stays in use and the failure is visible; rewriting stops once stale', async () => {
  const { cache, answer, clock, apiErrors, lines } = setup();
  answer(state({ Images: images(APP) }));
  await cache.refresh();
  answer(new Error('UCloud API GetUK8SImageAccelerate failed: network error: connect ECONNREFUSED\nmore'));
  clock.now += 60_000;
  await cache.refresh();
  assert.ok(uses(cache, `${APP}-acc`));
  assert.equal(rewritesTo(cache, APP, clock.now), `${APP}-acc`);
  const s = cache.status();
  assert.equal(s.ucloudOk, false);
  assert.equal(s.lastError, 'UCloud API GetUK8SImageAccelerate failed: network error: connect ECONNREFUSED');
  assert.equal(apiErrors(), 1);
  assert.equal(cache.ageSeconds(), 60);
  assert.ok(lines.some((l) => l.level === 'warn' && l.msg === 'UCloud API failed; keeping the last good list'));
  // A delete may have started during a long outage: no new users for any target, but the affinity stays.
  clock.now += 300_000;
  await cache.refresh();
  assert.ok(uses(cache, `${APP}-acc`));
  assert.equal(rewritesTo(cache, APP, clock.now), undefined);
  assert.equal(cache.status().rewritable, false);
  answer(state({ Images: images(APP) }));
  await cache.refresh();
  assert.equal(rewritesTo(cache, APP), `${APP}-acc`);
  assert.equal(cache.status().ucloudOk, true);
});

test('an empty list while Creating is "unknown": Ready accelerations keep working, the new one is not used', async () => {
  const { cache, answer } = setup();
  answer(state({ Images: images(APP) }));
  await cache.refresh();
  answer(state({ Status: 'Creating', Images: [] }));
  await cache.refresh();
  assert.ok(uses(cache, `${APP}-acc`));
  assert.equal(rewritesTo(cache, APP), `${APP}-acc`);
  assert.equal(rewritesTo(cache, WEB), undefined);
  assert.deepEqual([cache.status().hidden, cache.status().known], [true, true]);
  answer(state({ Images: images(APP, WEB) }));
  await cache.refresh();
  assert.equal(rewritesTo(cache, WEB), `${WEB}-acc`);
  assert.equal(cache.status().hidden, false);
});

test('the moment a delete starts, nothing is rewritten; Pods already using targets keep the affinity', async () => {
  const { cache, answer } = setup();
  answer(state({ Images: images(APP, WEB) }));
  await cache.refresh();
  answer(state({ Status: 'Deleting', Images: [] }));
  await cache.refresh();
  assert.equal(rewritesTo(cache, APP), undefined);
  assert.equal(rewritesTo(cache, WEB), undefined);
  assert.ok(uses(cache, `${APP}-acc`) && uses(cache, `${WEB}-acc`));
  // Deleted: the target is gone from both sets.
  answer(state({ Images: images(WEB) }));
  await cache.refresh();
  assert.ok(!uses(cache, `${APP}-acc`));
  assert.equal(rewritesTo(cache, APP), undefined);
  assert.equal(rewritesTo(cache, WEB), `${WEB}-acc`);
});

test('agent not ready: the list is unknown, the last one kept for the affinity only', async () => {
  const { cache, answer } = setup();
  answer(state({ Images: images(APP) }));
  await cache.refresh();
  answer(state({ AgentReady: false, Images: [] }));
  await cache.refresh();
  assert.ok(uses(cache, `${APP}-acc`));
  assert.equal(rewritesTo(cache, APP), undefined);
});

test('a list hidden from the start stays unknown; disabled acceleration is a certain "none"', async () => {
  const { cache, answer } = setup();
  answer(state({ Status: 'Creating', Images: [] }));
  await cache.refresh();
  assert.deepEqual([cache.status().known, cache.status().hidden, cache.status().targets], [false, true, 0]);
  answer(state({ Enable: false, AgentReady: false, Images: [] }));
  await cache.refresh();
  assert.deepEqual([cache.status().known, cache.status().hidden, cache.status().targets], [true, false, 0]);
});

test('a node label override is the only label required', async () => {
  const { cache } = setup(LEGACY_ACCELERATION_LABEL);
  await cache.refresh();
  assert.deepEqual(cache.snapshot.labels, [LEGACY_ACCELERATION_LABEL]);
  assert.equal(cache.status().labelSource, 'flag');
});

test('a hung UCloud call cannot freeze the cache: the poll gives up, and rewriting stops once stale with no further poll', async () => {
  const { cache, answer, clock, lines } = setup();
  answer(state({ Images: images(APP) }));
  await cache.refresh();
  answer('hang');
  await cache.refresh(); // resolves: the call is abandoned after ucloudTimeoutMs
  assert.equal(cache.status().ucloudOk, false);
  assert.match(cache.status().lastError ?? '', /no answer within 0.05s/);
  assert.ok(lines.some((l) => l.msg === 'UCloud API failed; keeping the last good list'));
  // No poll runs from here (as if every later one hung too): requests still see the deadline pass.
  assert.equal(rewritesTo(cache, APP, clock.now + 300_000), `${APP}-acc`);
  assert.equal(rewritesTo(cache, APP, clock.now + 300_001), undefined);
  clock.now += 300_001;
  assert.equal(cache.status().rewritable, false, 'status (readyz, metrics) says so too');
  assert.ok(uses(cache, `${APP}-acc`), 'the affinity stays');
});

test('UCloud down at start-up: a snapshot is published (empty, not known) so readiness can count its grace', async () => {
  const { cache, answer } = setup();
  assert.equal(cache.status().published, false);
  answer(new Error('connect ECONNREFUSED'));
  await cache.refresh();
  assert.deepEqual([cache.status().published, cache.status().known, cache.status().targets], [true, false, 0]);
});

test('node label detection: both spellings counted over all nodes (Ready or not); the last answer is kept when none carries one', async () => {
  const { cache, lines } = setup();
  const node = (name: string, labels: Record<string, string>, ready: boolean): { name: string; labels: Record<string, string>; ready: boolean } => ({ name, labels, ready });
  cache.nodesSeen([node('a', { [ACCELERATION_LABEL]: 'true' }, true), node('b', { [LEGACY_ACCELERATION_LABEL]: 'true' }, false), node('c', {}, true)]);
  let n = cache.status().nodes;
  assert.equal(n.synced, true);
  assert.deepEqual(n.detection?.counts, [
    { label: ACCELERATION_LABEL, nodes: 1, readyNodes: 1 },
    { label: LEGACY_ACCELERATION_LABEL, nodes: 1, readyNodes: 0 },
  ]);
  assert.ok(lines.some((l) => l.msg === 'acceleration node labels'));
  // The accelerated pool scales to zero: nothing is labelled now, the last answer stays (and says so).
  cache.nodesSeen([node('c', {}, true)]);
  n = cache.status().nodes;
  assert.equal(n.lastKnown, true);
  assert.equal(n.detection?.labelledNodes, 2);
  assert.ok(lines.some((l) => l.msg === 'acceleration node labels: no node carries one now'));
  assert.deepEqual(cache.snapshot.labels, ACCELERATION_LABELS, 'what Pods require never depends on which nodes exist right now');
});

test('a forced label that excludes accelerated nodes is logged with the nodes', async () => {
  const { cache, lines } = setup('example.com/accel');
  cache.nodesSeen([{ name: '10.0.0.1', labels: { [LEGACY_ACCELERATION_LABEL]: 'true' }, ready: true }]);
  assert.deepEqual(cache.status().nodes.detection?.excluded, ['10.0.0.1']);
  const warn = lines.find((l) => l.level === 'warn' && /excluded by nodeLabel/.test(l.msg));
  assert.deepEqual(warn?.fields?.['excludedNodes'], ['10.0.0.1']);
});

test('state changes are logged once, not on every poll', async () => {
  const { cache, answer, lines } = setup();
  answer(state({ Images: images(APP) }));
  await cache.refresh();
  await cache.refresh();
  await cache.refresh();
  assert.equal(lines.filter((l) => l.msg === 'accelerations').length, 1);
});
