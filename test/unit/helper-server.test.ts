// The helper's HTTPS server on its own (real sockets, a fake clock for readiness): ready only after the first
// snapshot, the readiness grace when UCloud is down at start-up, and the concurrency cap answering excess fail-open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { get as httpGet } from 'node:http';
import { connect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { AccelerationCache } from '../../helper/cache.ts';
import { fileTlsSource, HelperMetrics, startHelperServer, type HelperServer } from '../../helper/server.ts';
import type { Log } from '../../helper/log.ts';
import { parseAccelerationState, type AccelerationState } from '../../lib/ucloud/acceleration.ts';
import { makeServingCert } from '../helpers/tls.ts';

const quiet: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const tls = makeServingCert();
const APP = 'uhub.service.ucloud.cn/team/app:v1';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: readFileSync(tls.caFile), agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function post(port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/mutate', method: 'POST', ca: readFileSync(tls.caFile), agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function withServer(answer: () => Promise<AccelerationState>, over: { maxInFlight?: number; readyGraceMs?: number }, body: (s: HelperServer, cache: AccelerationCache, clock: { now: number }) => Promise<void>): Promise<void> {
  const clock = { now: 1_000_000 };
  const cache = new AccelerationCache({ api: { get: answer }, intervalMs: 30_000, log: quiet, now: () => clock.now });
  const server = await startHelperServer({ port: 0, host: '127.0.0.1', metricsPort: 0, tls: fileTlsSource(tls.certFile, tls.keyFile), cache, log: quiet, metrics: new HelperMetrics(), shutdownDelayMs: 0, now: () => clock.now, ...over });
  try {
    await body(server, cache, clock);
  } finally {
    await server.close();
  }
}

test('UCloud down at start-up: not ready before the first snapshot, then not ready within the grace, ready after it', async () => {
  await withServer(() => Promise.reject(new Error('connect ECONNREFUSED')), { readyGraceMs: 60_000 }, async (s, cache, clock) => {
    const first = await get(s.port, '/readyz');
    assert.equal(first.status, 503);
    assert.match(first.body, /no snapshot yet/);
    await cache.refresh();
    const within = await get(s.port, '/readyz');
    assert.equal(within.status, 503, 'a published snapshot without the list: still within the grace');
    assert.match(within.body, /no accelerations list yet.*last UCloud read failed/);
    clock.now += 60_000;
    const afterGrace = await get(s.port, '/readyz');
    assert.equal(afterGrace.status, 200, 'after the grace the webhook serves (fail-open) rather than keep the Service empty');
    assert.match(afterGrace.body, /^ok: /);
  });
});

test('the grace never makes a helper ready before its first snapshot', async () => {
  // A first UCloud call that hangs: no snapshot, whatever the clock says.
  await withServer(() => new Promise<AccelerationState>(() => undefined), { readyGraceMs: 1000 }, async (s, _cache, clock) => {
    clock.now += 3_600_000;
    const r = await get(s.port, '/readyz');
    assert.equal(r.status, 503);
    assert.match(r.body, /no snapshot yet/);
  });
});

test('/readyz?verbose adds the node labels; metrics are on the plain-HTTP port only', async () => {
  const ok = (): Promise<AccelerationState> => Promise.resolve(parseAccelerationState('uk8s-unit0001', { Enable: true, NfsReady: true, AgentReady: true, Status: 'Ready', Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] }));
  await withServer(ok, {}, async (s, cache) => {
    await cache.refresh();
    cache.nodesSeen([{ name: 'n1', labels: { 'node.uk8s.ucloud.cn/uimgacc': 'true' }, ready: false }]);
    const r = await get(s.port, '/readyz?verbose');
    assert.equal(r.status, 200);
    assert.match(r.body, /required node label: node.uk8s.ucloud.cn\/image_accel=true or node.uk8s.ucloud.cn\/uimgacc=true \(both spellings\)/);
    assert.match(r.body, /nodes with node.uk8s.ucloud.cn\/uimgacc=true: 1 \(0 Ready\)/);
    assert.doesNotMatch((await get(s.port, '/readyz')).body, /nodes with/);
    assert.equal((await get(s.port, '/metrics')).status, 404);
    const metrics = await new Promise<string>((resolve, reject) => {
      httpGet({ host: '127.0.0.1', port: s.metricsPort, path: '/metrics' }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve(t));
      }).on('error', reject);
    });
    assert.match(metrics, /^uimgacc_accelerated_nodes\{label="node.uk8s.ucloud.cn\/uimgacc",ready="false"\} 1$/m);
  });
});

test('beyond the concurrency cap, requests are admitted unchanged (fail-open) and counted', async () => {
  const ok = (): Promise<AccelerationState> => Promise.resolve(parseAccelerationState('uk8s-unit0001', { Enable: true, NfsReady: true, AgentReady: true, Status: 'Ready', Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] }));
  await withServer(ok, { maxInFlight: 1 }, async (s, cache) => {
    await cache.refresh();
    // One request holds the only slot: headers sent, body not finished.
    const holder = connect({ host: '127.0.0.1', port: s.port, ca: readFileSync(tls.caFile), servername: 'localhost' });
    await new Promise<void>((r) => holder.once('secureConnect', () => r()));
    holder.write('POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const review = JSON.stringify({ request: { uid: 'over-1', kind: { kind: 'Pod' }, operation: 'CREATE', object: { spec: { containers: [{ image: `${APP}-acc` }] } } } });
    let answer: { response: { uid: string; allowed: boolean; patch?: string; warnings?: string[] } } | undefined;
    // The holder's request reaches the server asynchronously: wait until the cap is really taken.
    for (let i = 0; i < 200; i++) {
      answer = JSON.parse((await post(s.port, review)).body) as typeof answer;
      if (answer?.response.patch === undefined) break;
      await delay(10);
    }
    assert.equal(answer?.response.uid, 'over-1');
    assert.equal(answer?.response.allowed, true);
    assert.equal(answer?.response.patch, undefined);
    assert.match(answer?.response.warnings?.[0] ?? '', /overloaded; the Pod was admitted unchanged/);
    holder.destroy();
    // The slot freed: reviewed again.
    for (let i = 0; i < 200; i++) {
      answer = JSON.parse((await post(s.port, review)).body) as typeof answer;
      if (answer?.response.patch !== undefined) break;
      await delay(10);
    }
    assert.ok(answer?.response.patch, 'reviewed once the slot is free');
  });
});
