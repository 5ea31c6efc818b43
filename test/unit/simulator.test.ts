// The UCloud API simulator over real HTTP, signed with the plugin's own signing code: gateway checks, the async
// acceleration state machine, the Images quirk, every fault kind, the admin API and the standalone runner.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { signParams } from '../../lib/ucloud/signature.ts';
import { imageStats, RET, startSimulator, type SimClusterInit, type Simulator, type SimulatorOptions } from '../simulator/server.ts';
import { remoteSimulator } from '../simulator/remote.ts';

const PUB = 'sim-test-public-key';
const PRIV = 'sim-test-private-key-0123';
const CLUSTER = 'uk8s-simtest01';
const OTHER = 'uk8s-simtest02';
const REGION = 'cn-bj2';
const APP = 'uhub.service.ucloud.cn/team/app:v1';
const TOOL = 'uhub.service.ucloud.cn/team/tool:2';
const ENABLED: Partial<SimClusterInit> = { Enable: true, NfsReady: true, AgentReady: true, NfsAddr: '10.9.0.10', SubnetId: 'subnet-abc' };
const DELAY = 60;

interface Answer {
  readonly status: number;
  readonly requestId: string | null;
  readonly contentType: string | null;
  readonly text: string;
  /** The parsed body, {} when it is not JSON. */
  readonly body: Record<string, unknown>;
}

async function start(t: TestContext, state: Partial<SimClusterInit> = ENABLED, extra: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({
    accounts: [{ publicKey: PUB, privateKey: PRIV, projects: ['org-sim'] }],
    clusters: [
      { clusterId: CLUSTER, region: REGION, ...state },
      { clusterId: OTHER, region: 'cn-sh2' },
    ],
    createDelayMs: DELAY,
    deleteDelayMs: DELAY,
    enableDelayMs: DELAY,
    disableDelayMs: DELAY,
    ...extra,
  });
  t.after(() => sim.close());
  return sim;
}

async function post(url: string, body: string, contentType: string, signal?: AbortSignal): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body, signal: signal ?? AbortSignal.timeout(5000) });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Left empty: some tests expect a body that is not JSON.
  }
  return { status: res.status, requestId: res.headers.get('x-ucloud-request-uuid'), contentType: res.headers.get('content-type'), text, body: parsed };
}

/** A signed form request, like the plugin's client sends; `params` may override or drop (undefined) anything. */
function call(sim: Simulator, params: Record<string, string | undefined>, opts: { privateKey?: string; signal?: AbortSignal } = {}): Promise<Answer> {
  const flat = Object.fromEntries(Object.entries({ Region: REGION, ...params }).filter((e): e is [string, string] => e[1] !== undefined));
  const signed = signParams(flat, PUB, opts.privateKey ?? PRIV);
  return post(sim.url, new URLSearchParams(signed).toString(), 'application/x-www-form-urlencoded', opts.signal);
}

const get = (sim: Simulator, clusterId = CLUSTER): Promise<Answer> => call(sim, { Action: 'GetUK8SImageAccelerate', ClusterId: clusterId });
const create = (sim: Simulator, original: string): Promise<Answer> =>
  call(sim, { Action: 'CreateUK8SImageAccelerate', ClusterId: CLUSTER, OriginalImage: original, TargetImage: `${original}-acc` });
const remove = (sim: Simulator, original: string): Promise<Answer> => call(sim, { Action: 'DeleteUK8SImageAccelerate', ClusterId: CLUSTER, Image: original });
const enableParams = { Action: 'EnableUK8SImageAccelerate', ClusterId: CLUSTER, NfsAddr: '10.9.0.20', SubnetId: 'subnet-new', UHubUsername: 'me@example.com', UHubPassword: 'uhub-secret' };

/** Polls until the condition holds; a condition that never does is caught by the test runner's timeout, not a guess. */
async function until(_what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await delay(10);
}

function assertRet(a: Answer, code: number, message?: RegExp | string): void {
  assert.equal(a.status, 200, a.text);
  assert.equal(a.body['RetCode'], code, a.text);
  if (typeof message === 'string') assert.equal(a.body['Message'], message);
  else if (message) assert.match(String(a.body['Message']), message);
}

test('a signed form request gets the state, a request id and the response Action', async (t) => {
  const sim = await start(t, { ...ENABLED, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc`, Size: 123, Layers: 4 }] });
  const a = await get(sim);
  assert.match(a.requestId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual(a.body, {
    Action: 'GetUK8SImageAccelerateResponse',
    RetCode: 0,
    Message: '',
    Enable: true,
    NfsReady: true,
    AgentReady: true,
    Status: 'Ready',
    Error: '',
    Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc`, Size: 123, Layers: 4 }],
    SubnetId: 'subnet-abc',
    NfsAddr: '10.9.0.10',
  });
  const [logged] = sim.requests();
  assert.deepEqual(logged?.params, { Action: 'GetUK8SImageAccelerate', ClusterId: CLUSTER, PublicKey: PUB, Region: REGION });
  assert.equal(logged?.signatureValid, true);
  assert.equal(logged?.requestId, a.requestId);
});

test('a JSON body with numbers and booleans is verified against the strings a signer uses', async (t) => {
  const sim = await start(t);
  // Signed as strings (what the SDKs sign), sent as native JSON values.
  const signed = signParams({ Action: 'GetUK8SImageAccelerate', Region: REGION, ClusterId: CLUSTER, Limit: '10', Big: '12345678901234', Ratio: '0.5', DryRun: 'true' }, PUB, PRIV);
  const body = { ...signed, Limit: 10, Big: 12345678901234, Ratio: 0.5, DryRun: true };
  const a = await post(sim.url, JSON.stringify(body), 'application/json; charset=utf-8');
  assertRet(a, 0);
  assert.equal(a.body['Enable'], true);
  const logged = sim.requests()[0];
  assert.equal(logged?.contentType, 'application/json');
  assert.equal(logged?.params['DryRun'], 'true');
  assert.equal(logged?.params['Big'], '12345678901234');
  assert.ok(!('Signature' in (logged?.params ?? {})));

  const malformed = await post(sim.url, '{"Action": ', 'application/json');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body['RetCode'], RET.invalidParams);
});

test('a bad signature is rejected with 171, and logged as invalid', async (t) => {
  const sim = await start(t);
  const a = await call(sim, { Action: 'GetUK8SImageAccelerate', ClusterId: CLUSTER }, { privateKey: 'not-the-private-key' });
  assertRet(a, 171, 'Signature VerifyAC Error');
  assert.equal(a.body['Action'], 'GetUK8SImageAccelerateResponse');
  assert.equal(sim.requests()[0]?.signatureValid, false);
  // A parameter changed after signing is just as wrong.
  const signed = signParams({ Action: 'GetUK8SImageAccelerate', Region: REGION, ClusterId: CLUSTER }, PUB, PRIV);
  assertRet(await post(sim.url, new URLSearchParams({ ...signed, ClusterId: OTHER }).toString(), 'application/x-www-form-urlencoded'), 171);
});

test('gateway errors: 160, 161, 170, 172, 292, 230, and 405 for other methods', async (t) => {
  const sim = await start(t);
  const form = (p: Record<string, string>): Promise<Answer> => post(sim.url, new URLSearchParams(p).toString(), 'application/x-www-form-urlencoded');
  assertRet(await call(sim, { ClusterId: CLUSTER }), RET.missingAction, 'Missing Action');
  assertRet(await call(sim, { Action: 'DescribeUHostInstance' }), RET.noSuchAction, /DescribeUHostInstance/);
  assertRet(await form({ Action: 'GetUK8SImageAccelerate', Region: REGION, ClusterId: CLUSTER, PublicKey: PUB }), RET.missingSignature, 'Missing Signature');
  const stranger = signParams({ Action: 'GetUK8SImageAccelerate', Region: REGION, ClusterId: CLUSTER }, 'who-is-this', PRIV);
  assertRet(await form(stranger), RET.noSuchUser, 'user not exist');
  assertRet(await call(sim, { Action: 'GetUK8SImageAccelerate', ClusterId: CLUSTER, ProjectId: 'org-nope' }), RET.noSuchProject, /org-nope/);
  assertRet(await call(sim, { Action: 'GetUK8SImageAccelerate', ClusterId: CLUSTER, ProjectId: 'org-sim' }), 0);
  assertRet(await call(sim, { Action: 'GetUK8SImageAccelerate', ClusterId: CLUSTER, Region: undefined }), RET.missingParams, 'Missing Params [Region]');
  assertRet(await call(sim, { Action: 'GetUK8SImageAccelerate' }), RET.missingParams, 'Missing Params [ClusterId]');

  const res = await fetch(sim.url, { method: 'GET' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'POST');
  assert.equal(res.headers.get('x-ucloud-request-uuid')?.length, 36);
  await res.text();
});

test('an unknown cluster, or one in another region, is not found', async (t) => {
  const sim = await start(t);
  assertRet(await get(sim, 'uk8s-nosuch01'), RET.clusterNotFound, 'cluster [uk8s-nosuch01] not found');
  assertRet(await get(sim, OTHER), RET.clusterNotFound, `cluster [${OTHER}] not found`);
  assertRet(await call(sim, { Action: 'GetUK8SImageAccelerate', ClusterId: OTHER, Region: 'cn-sh2' }), 0);
});

test('enable: all parameters required; AgentReady false (Images hidden) for a while; enabling twice is refused', async (t) => {
  // Calls made while the agent starts: long enough for a loaded machine (see the create test).
  const sim = await start(t, {}, { enableDelayMs: 1500 });
  for (const name of ['ClusterId', 'NfsAddr', 'SubnetId', 'UHubUsername', 'UHubPassword']) {
    assertRet(await call(sim, { ...enableParams, [name]: undefined }), RET.missingParams, `Missing Params [${name}]`);
  }
  assertRet(await call(sim, enableParams), 0);
  const starting = await get(sim);
  assert.equal(starting.body['Enable'], true);
  assert.equal(starting.body['NfsReady'], true);
  assert.equal(starting.body['AgentReady'], false);
  assert.equal(starting.body['NfsAddr'], '10.9.0.20');
  assert.equal(starting.body['SubnetId'], 'subnet-new');
  // The agent is not ready yet, so a create is refused and a list set by a test stays hidden.
  assertRet(await create(sim, APP), RET.agentNotReady);
  assertRet(await call(sim, enableParams), RET.alreadyEnabled, 'image accelerate already enabled');
  await until('the agent', async () => (await get(sim)).body['AgentReady'] === true);
});

test('create: Creating hides Images and refuses other operations, then Ready with deterministic Size/Layers', async (t) => {
  // Four calls are made while Creating lasts: with the default 60 ms, a loaded CI run once saw it end before the last.
  const sim = await start(t, { ...ENABLED, Images: [{ OriginalImage: TOOL, TargetImage: `${TOOL}-acc` }] }, { createDelayMs: 1500 });
  assertRet(await call(sim, { Action: 'CreateUK8SImageAccelerate', ClusterId: CLUSTER, OriginalImage: APP }), RET.missingParams, 'Missing Params [TargetImage]');
  assertRet(await create(sim, APP), 0);
  const creating = await get(sim);
  assert.equal(creating.body['Status'], 'Creating');
  assert.deepEqual(creating.body['Images'], []);
  assert.equal(sim.cluster(CLUSTER).Images.length, 1, 'the true list is only hidden');
  assertRet(await create(sim, 'team/other:1'), RET.operationInProgress, /another operation is in progress/);
  assertRet(await remove(sim, TOOL), RET.operationInProgress, /another operation is in progress/);
  assertRet(await call(sim, { Action: 'DisableUK8SImageAccelerate', ClusterId: CLUSTER }), RET.operationInProgress);

  await until('Ready', async () => (await get(sim)).body['Status'] === 'Ready');
  const images = (await get(sim)).body['Images'] as { OriginalImage: string; Size: number; Layers: number }[];
  const created = images.find((i) => i.OriginalImage === APP);
  assert.deepEqual(created, { OriginalImage: APP, TargetImage: `${APP}-acc`, ...imageStats(APP) });
  assert.ok(created.Size >= 1024 ** 3 && created.Size < 21 * 1024 ** 3);
  assert.ok(created.Layers >= 3 && created.Layers <= 32);
  assertRet(await create(sim, APP), RET.alreadyAccelerated, `image [${APP}] already accelerated`);
});

test('create and delete need acceleration enabled', async (t) => {
  const sim = await start(t, {});
  assertRet(await create(sim, APP), RET.notEnabled, 'image accelerate not enabled');
  assertRet(await remove(sim, APP), RET.notEnabled, 'image accelerate not enabled');
  assertRet(await call(sim, { Action: 'DisableUK8SImageAccelerate', ClusterId: CLUSTER }), RET.notEnabled);
});

test('an injected create failure ends in CreateError with the Error text, only for the chosen image', async (t) => {
  const sim = await start(t);
  sim.addFault({ kind: 'fail-operation', operation: 'create', image: TOOL, error: 'pull image failed: unauthorized' });
  assertRet(await create(sim, APP), 0);
  await until('Ready', async () => (await get(sim)).body['Status'] === 'Ready');
  assertRet(await create(sim, TOOL), 0);
  await until('CreateError', async () => (await get(sim)).body['Status'] === 'CreateError');
  const failed = await get(sim);
  assert.equal(failed.body['Error'], 'pull image failed: unauthorized');
  assert.deepEqual((failed.body['Images'] as { OriginalImage: string }[]).map((i) => i.OriginalImage), [APP]);
  // The failure was used up: the next attempt succeeds and clears Error.
  assertRet(await create(sim, TOOL), 0);
  assert.equal((await get(sim)).body['Error'], '');
  await until('Ready', async () => (await get(sim)).body['Status'] === 'Ready');
  assert.equal(sim.cluster(CLUSTER).Images.length, 2);
});

test('delete: Deleting hides Images, then Ready without it; an unknown image and an injected failure', async (t) => {
  // Deleting must still be seen by the next read: long enough for a loaded machine (see the create test).
  const sim = await start(t, { ...ENABLED, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }, { OriginalImage: TOOL, TargetImage: `${TOOL}-acc` }] }, { deleteDelayMs: 1500 });
  assertRet(await remove(sim, `${APP}-acc`), RET.notAccelerated, `image [${APP}-acc] not accelerated`);
  assertRet(await call(sim, { Action: 'DeleteUK8SImageAccelerate', ClusterId: CLUSTER }), RET.missingParams, 'Missing Params [Image]');
  assertRet(await remove(sim, APP), 0);
  const deleting = await get(sim);
  assert.equal(deleting.body['Status'], 'Deleting');
  assert.deepEqual(deleting.body['Images'], []);
  await until('Ready', async () => (await get(sim)).body['Status'] === 'Ready');
  assert.deepEqual(sim.cluster(CLUSTER).Images.map((i) => i.OriginalImage), [TOOL]);

  sim.addFault({ kind: 'fail-operation', operation: 'delete', error: 'nfs busy', clusterId: CLUSTER });
  assertRet(await remove(sim, TOOL), 0);
  await until('DeleteError', async () => (await get(sim)).body['Status'] === 'DeleteError');
  const failed = await get(sim);
  assert.equal(failed.body['Error'], 'nfs busy');
  assert.deepEqual((failed.body['Images'] as { OriginalImage: string }[]).map((i) => i.OriginalImage), [TOOL]);
});

test('a held create or delete stays Creating/Deleting until the test ends it with setCluster', async (t) => {
  const sim = await start(t, { ...ENABLED, Images: [{ OriginalImage: TOOL, TargetImage: `${TOOL}-acc` }] });
  sim.addFault({ kind: 'hold-operation', operation: 'create' });
  assertRet(await create(sim, APP), 0);
  assert.equal(sim.transitionsPending(), 0, 'nothing is scheduled: only the test ends a held operation');
  assert.equal((await get(sim)).body['Status'], 'Creating');
  assertRet(await remove(sim, TOOL), RET.operationInProgress);
  sim.setCluster(CLUSTER, { Status: 'Ready' });
  sim.addFault({ kind: 'hold-operation', operation: 'delete', image: TOOL });
  assertRet(await remove(sim, TOOL), 0);
  assert.equal(sim.transitionsPending(), 0);
  assert.equal(sim.cluster(CLUSTER).Status, 'Deleting');
});

test('disable: the agent goes at once, Enable turns false after the teardown, Images are gone', async (t) => {
  // A teardown that outlasts any test run: what is refused meanwhile cannot race the teardown's end.
  const slow = await start(t, { ...ENABLED, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] }, { disableDelayMs: 600_000 });
  assertRet(await call(slow, { Action: 'DisableUK8SImageAccelerate', ClusterId: CLUSTER }), 0);
  const tearingDown = await get(slow);
  assert.equal(tearingDown.body['Enable'], true);
  assert.equal(tearingDown.body['AgentReady'], false);
  assert.deepEqual(tearingDown.body['Images'], []);
  assertRet(await create(slow, TOOL), RET.operationInProgress, /being disabled/);
  assertRet(await call(slow, { Action: 'DisableUK8SImageAccelerate', ClusterId: CLUSTER }), RET.operationInProgress);
  const sim = await start(t, { ...ENABLED, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] });
  assertRet(await call(sim, { Action: 'DisableUK8SImageAccelerate', ClusterId: CLUSTER }), 0);
  await until('disabled', async () => (await get(sim)).body['Enable'] === false);
  assert.deepEqual(sim.cluster(CLUSTER), { Enable: false, NfsReady: false, AgentReady: false, Status: 'Ready', Error: '', Images: [], Leftovers: [], SubnetId: '', NfsAddr: '' });
  assertRet(await call(sim, { Action: 'DisableUK8SImageAccelerate', ClusterId: CLUSTER }), RET.notEnabled, 'image accelerate not enabled');
});

test('Images are forced empty while the agent is not ready, even with images present', async (t) => {
  const sim = await start(t, { ...ENABLED, AgentReady: false, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] });
  assert.deepEqual((await get(sim)).body['Images'], []);
  sim.setCluster(CLUSTER, { AgentReady: true });
  assert.equal(((await get(sim)).body['Images'] as unknown[]).length, 1);
  sim.setCluster(CLUSTER, { Status: 'Deleting' });
  assert.deepEqual((await get(sim)).body['Images'], []);
});

test('setCluster cancels pending transitions so the state stays as set', async (t) => {
  const sim = await start(t);
  assertRet(await create(sim, APP), 0);
  sim.setCluster(CLUSTER, { Status: 'Ready', Images: [{ OriginalImage: TOOL, TargetImage: `${TOOL}-acc` }] });
  // The create's transition still fires, and must do nothing.
  await until('the cancelled transition to have fired', () => sim.transitionsPending() === 0);
  const state = sim.cluster(CLUSTER);
  assert.equal(state.Status, 'Ready');
  assert.deepEqual(state.Images, [{ OriginalImage: TOOL, TargetImage: `${TOOL}-acc`, ...imageStats(TOOL) }]);
});

test('fault: HTTP 5xx/429 with an HTML or empty body, only for the chosen action and number of requests', async (t) => {
  const sim = await start(t);
  sim.addFault({ kind: 'http', status: 503, action: 'GetUK8SImageAccelerate', times: 2 });
  sim.addFault({ kind: 'http', status: 429, body: '' });
  assert.equal(sim.pendingFaults().length, 2);
  // The 503 is for Get only: a Create takes the 429 behind it.
  const created = await create(sim, APP);
  assert.equal(created.status, 429);
  assert.equal(created.text, '');
  for (let i = 0; i < 2; i++) {
    const a = await get(sim);
    assert.equal(a.status, 503);
    assert.match(a.text, /<title>503 Service Unavailable<\/title>/);
    assert.equal(a.contentType, 'text/html');
    assert.equal(a.requestId?.length, 36);
  }
  assertRet(await get(sim), 0);
  assert.equal(sim.cluster(CLUSTER).Status, 'Ready', 'the faulted create was not applied');
  assert.deepEqual(sim.requests().map((r) => r.fault ?? '-'), ['http', 'http', 'http', '-']);
  for (const status of [500, 502, 504]) {
    sim.addFault({ kind: 'http', status });
    assert.equal((await get(sim)).status, status);
  }
});

test('fault: applied then failed in transit (the request took effect)', async (t) => {
  const sim = await start(t);
  sim.addFault({ kind: 'apply-then-fail', status: 504, action: 'CreateUK8SImageAccelerate' });
  assert.equal((await create(sim, APP)).status, 504);
  assert.equal(sim.cluster(CLUSTER).Status, 'Creating');
  sim.addFault({ kind: 'invalid-json', applied: true });
  await until('Ready', () => sim.cluster(CLUSTER).Status === 'Ready');
  const a = await remove(sim, APP);
  assert.equal(a.status, 200);
  assert.throws(() => JSON.parse(a.text) as unknown, SyntaxError);
  assert.equal(sim.cluster(CLUSTER).Status, 'Deleting');
  await until('Ready', () => sim.cluster(CLUSTER).Status === 'Ready');
  sim.addFault({ kind: 'hang', applied: true, action: 'DisableUK8SImageAccelerate' });
  await assert.rejects(call(sim, { Action: 'DisableUK8SImageAccelerate', ClusterId: CLUSTER }, { signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' });
  await until('disabled', () => !sim.cluster(CLUSTER).Enable);
});

test('fault: hang never answers (client gives up); slow answers late', async (t) => {
  const sim = await start(t);
  sim.addFault({ kind: 'hang' });
  await assert.rejects(call(sim, { Action: 'GetUK8SImageAccelerate', ClusterId: CLUSTER }, { signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' });
  assert.equal(sim.requests()[0]?.fault, 'hang');

  sim.addFault({ kind: 'slow', ms: 150 });
  const started = Date.now();
  assertRet(await get(sim), 0);
  assert.ok(Date.now() - started >= 140, `answered after ${Date.now() - started}ms`);
});

test('close() ends hung and slow requests promptly', async (t) => {
  const sim = await start(t);
  sim.addFault({ kind: 'hang' });
  sim.addFault({ kind: 'slow', ms: 60_000 });
  const hung = get(sim).then(() => 'answered', () => 'ended');
  const slow = get(sim).then(() => 'answered', () => 'ended');
  await until('both requests to arrive', () => sim.requests().length === 2);
  // A hung socket left open would keep close() (and this test) waiting until the runner's timeout.
  await sim.close();
  assert.deepEqual(await Promise.all([hung, slow]), ['ended', 'ended']);
  await sim.close(); // idempotent
});

test('fault: RetCode errors, optionally as a string; string RetCode on success and error', async (t) => {
  const sim = await start(t);
  sim.addFault({ kind: 'retcode', code: 299, message: 'Permission denied' });
  assertRet(await get(sim), 299, 'Permission denied');
  sim.addFault({ kind: 'retcode', code: 150, asString: true });
  const unavailable = await get(sim);
  assert.equal(unavailable.body['RetCode'], '150');
  assert.equal(unavailable.body['Action'], 'GetUK8SImageAccelerateResponse');

  sim.addFault({ kind: 'string-retcode', times: 2 });
  const ok = await get(sim);
  assert.equal(ok.body['RetCode'], '0');
  assert.equal(ok.body['Enable'], true);
  assert.equal((await remove(sim, 'team/none:1')).body['RetCode'], String(RET.notAccelerated));
  assertRet(await get(sim), 0);
});

test('fault: invalid JSON, by default a truncated object labelled application/json', async (t) => {
  const sim = await start(t);
  sim.addFault({ kind: 'invalid-json' });
  sim.addFault({ kind: 'invalid-json', body: '<html>upstream error</html>' });
  const truncated = await get(sim);
  assert.equal(truncated.status, 200);
  assert.match(truncated.contentType ?? '', /application\/json/);
  assert.throws(() => JSON.parse(truncated.text) as unknown, SyntaxError);
  assert.equal((await get(sim)).text, '<html>upstream error</html>');
});

test('faults are validated, listed and cleared', async (t) => {
  const sim = await start(t);
  assert.throws(() => sim.addFault({ kind: 'http', status: 200 }), /status must be an integer from 400 to 599/);
  assert.throws(() => sim.addFault(JSON.parse('{"kind":"explode"}') as never), /unknown fault kind "explode"/);
  sim.addFault({ kind: 'slow', ms: 5, times: 3, action: 'GetUK8SImageAccelerate' });
  sim.addFault({ kind: 'fail-operation', operation: 'create', error: 'x' });
  assert.deepEqual(sim.pendingFaults(), [
    { kind: 'slow', ms: 5, times: 3, action: 'GetUK8SImageAccelerate' },
    { kind: 'fail-operation', operation: 'create', error: 'x', times: 1 },
  ]);
  await get(sim);
  assert.equal(sim.pendingFaults()[0]?.times, 2);
  sim.clearFaults();
  assert.deepEqual(sim.pendingFaults(), []);
});

test('admin API over HTTP: faults, request log, cluster state, reset (also through remoteSimulator)', async (t) => {
  const sim = await start(t);
  const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${sim.url}/_sim${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as unknown };
  };
  assert.deepEqual(await admin('POST', '/faults', [{ kind: 'http', status: 502, action: 'GetUK8SImageAccelerate' }, { kind: 'retcode', code: 153 }]), { status: 200, json: { ok: true, pending: 2 } });
  assert.equal((await get(sim)).status, 502);
  assertRet(await get(sim), 153);
  assert.equal((await admin('POST', '/faults', { kind: 'http' })).status, 400);
  assert.equal((await admin('GET', '/nothing')).status, 404);
  assert.equal((await admin('GET', '/clusters/uk8s-nosuch01')).status, 404);
  assert.equal((await admin('POST', `/clusters/${CLUSTER}`, { Status: 'Busy' })).status, 400);

  const log = (await admin('GET', '/requests')).json as { action: string; signatureValid: boolean; params: Record<string, string> }[];
  assert.deepEqual(log.map((r) => [r.action, r.signatureValid, 'Signature' in r.params]), [
    ['GetUK8SImageAccelerate', true, false],
    ['GetUK8SImageAccelerate', true, false],
  ]);
  await admin('DELETE', '/requests');
  assert.deepEqual(sim.requests(), []);

  const remote = remoteSimulator(`${sim.url}/`);
  const state = await remote.setCluster(CLUSTER, { Status: 'CreateError', Error: 'disk full', Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] });
  assert.equal(state.Images[0]?.Size, imageStats(APP).Size);
  assert.equal((await get(sim)).body['Error'], 'disk full');
  assert.equal((await remote.cluster(CLUSTER)).Status, 'CreateError');
  assert.deepEqual(Object.keys(await remote.clusters()), [CLUSTER, OTHER]);
  await remote.addFault({ kind: 'fail-operation', operation: 'delete' });
  assert.equal((await remote.pendingFaults()).length, 1);
  await remote.clearFaults();
  assert.deepEqual(await remote.pendingFaults(), []);
  await remote.addFault({ kind: 'hang' });
  assert.deepEqual((await remote.requests()).map((r) => r.action), ['GetUK8SImageAccelerate']);
  await remote.reset();
  assert.deepEqual(sim.pendingFaults(), []);
  assert.deepEqual(sim.requests(), []);
  assert.equal(sim.cluster(CLUSTER).Status, 'Ready');
  assert.deepEqual(sim.cluster(CLUSTER).Images, []);
  await assert.rejects(remote.cluster('uk8s-nosuch01'), /HTTP 404/);
});

test('npm run simulator: prints the URL, serves signed requests, stops on SIGTERM', async () => {
  const main = fileURLToPath(new URL('../simulator/main.ts', import.meta.url));
  const child = spawn(process.execPath, [main, '--port', '0', '--cluster-id', CLUSTER, '--region', REGION, '--state', JSON.stringify(ENABLED)], {
    env: { PATH: process.env['PATH'], UCLOUD_PUBLIC_KEY: PUB, UCLOUD_PRIVATE_KEY: PRIV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    await until('the URL', () => stdout.includes('\n'));
    const url = stdout.trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const signed = signParams({ Action: 'GetUK8SImageAccelerate', Region: REGION, ClusterId: CLUSTER }, PUB, PRIV);
    const a = await post(url, new URLSearchParams(signed).toString(), 'application/x-www-form-urlencoded');
    assertRet(a, 0);
    assert.equal(a.body['NfsAddr'], '10.9.0.10');
    assert.ok(!stderr.includes(PRIV), 'the private key is never printed');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a failed create leaves the image behind, unlisted but deletable; an immediate failure never shows Creating', async (t) => {
  const sim = await start(t);
  sim.addFault({ kind: 'fail-operation', operation: 'create', image: TOOL, error: 'conversion failed', immediate: true });
  assertRet(await create(sim, TOOL), 0);
  // Failed when accepted: the very next read already shows it.
  const failed = await get(sim);
  assert.equal(failed.body['Status'], 'CreateError');
  assert.equal(failed.body['Error'], 'conversion failed');
  assert.deepEqual(failed.body['Images'], []);
  assert.deepEqual(sim.cluster(CLUSTER).Leftovers, [TOOL]);
  assert.equal('Leftovers' in failed.body, false, 'Get never shows leftovers');
  assertRet(await remove(sim, TOOL), 0);
  await until('Ready', async () => (await get(sim)).body['Status'] === 'Ready');
  assert.deepEqual(sim.cluster(CLUSTER).Leftovers, []);
  assertRet(await remove(sim, TOOL), RET.notAccelerated);
});

test('a RetCode fault with applied: the action takes effect, the answer is an error', async (t) => {
  const sim = await start(t);
  sim.addFault({ kind: 'retcode', code: 5000, message: 'internal error', action: 'CreateUK8SImageAccelerate', applied: true });
  assertRet(await create(sim, APP), 5000, 'internal error');
  assert.equal(sim.cluster(CLUSTER).Status, 'Creating');
  sim.addFault({ kind: 'retcode', code: 5000, action: 'CreateUK8SImageAccelerate' });
  sim.setCluster(CLUSTER, { Status: 'Ready' });
  assertRet(await create(sim, TOOL), 5000);
  assert.equal(sim.cluster(CLUSTER).Status, 'Ready', 'without applied nothing happens');
});
