// The plugin as a real process against the UCloud simulator: every acceleration command and every injected fault.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as yaml from 'js-yaml';
import { startSimulator, type SimClusterInit, type Simulator, type SimulatorOptions } from '../simulator/server.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';

const CLUSTER = 'uk8s-e2etest01';
const PUBLIC = 'e2e-public-key';
const PRIVATE = 'e2e-private-key-0123456789';
const UHUB_PASSWORD = 'uhub-pass-SeCrEt-42';
const APP = 'uhub.service.ucloud.cn/team/app:v1';
const READY: Partial<SimClusterInit> = { Enable: true, NfsReady: true, AgentReady: true, NfsAddr: '10.9.0.10', SubnetId: 'subnet-abc' };

/** Every output of every command in this file, to prove no secret ever appears. */
const outputs: string[] = [];

async function sim(state: Partial<SimClusterInit> = READY, extra: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return startSimulator({
    accounts: [{ publicKey: PUBLIC, privateKey: PRIVATE, projects: ['org-e2e'] }],
    clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', ...state }],
    createDelayMs: 150,
    deleteDelayMs: 150,
    enableDelayMs: 150,
    disableDelayMs: 100,
    ...extra,
  });
}

async function cli(s: Simulator, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCli([...args, '--poll-interval=40ms'], {
    UCLOUD_PUBLIC_KEY: PUBLIC,
    UCLOUD_PRIVATE_KEY: PRIVATE,
    UCLOUD_API_BASE_URL: s.url,
    UCLOUD_UK8S_CLUSTER_ID: CLUSTER,
    UCLOUD_REGION: 'cn-bj2',
    ...env,
  });
  outputs.push(r.stdout, r.stderr);
  return r;
}

function withSim(state?: Partial<SimClusterInit>, extra?: Partial<SimulatorOptions>): { s: () => Simulator } {
  let s: Simulator | undefined;
  before(async () => {
    s = await sim(state, extra);
  });
  after(async () => s?.close());
  return { s: () => s as Simulator };
}

describe('status and list', () => {
  const ctx = withSim({ ...READY, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc`, Size: 3 * 1024 ** 3, Layers: 12 }] });

  test('status works with no kubeconfig at all when env gives cluster, region and keys', async () => {
    const r = await cli(ctx.s(), ['status']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Cluster:\s+uk8s-e2etest01/);
    assert.match(r.stdout, /Enabled:\s+yes/);
    assert.match(r.stdout, /Agent:\s+ready/);
    assert.match(r.stdout, /Images:\s+1/);
    assert.match(r.stdout, /uhub.service.ucloud.cn\/team\/app:v1-acc\s+3.0GiB\s+12\s+Ready/);
  });

  test('status -o json and -o yaml are machine-readable and equal', async () => {
    const j = JSON.parse((await cli(ctx.s(), ['status', '-o', 'json'])).stdout) as Record<string, unknown>;
    const y = yaml.load((await cli(ctx.s(), ['get', '-o', 'yaml'])).stdout) as Record<string, unknown>;
    assert.deepEqual(j, y);
    assert.equal(j['kind'], 'AccelerationStatus');
    assert.equal(j['enabled'], true);
    assert.equal(j['imagesKnown'], true);
    assert.deepEqual(j['images'], [{ originalImage: APP, targetImage: `${APP}-acc`, sizeBytes: 3 * 1024 ** 3, layers: 12, status: 'Ready' }]);
  });

  test('list: table, wide, name, json; unknown -o is an error listing formats', async () => {
    const table = await cli(ctx.s(), ['list']);
    assert.match(table.stdout, /^ORIGINAL IMAGE\s+TARGET IMAGE\s+SIZE\s+LAYERS\s+STATUS\n/);
    const wide = await cli(ctx.s(), ['ls', '-o', 'wide']);
    assert.match(wide.stdout, /SIZE \(BYTES\)/);
    assert.match(wide.stdout, new RegExp(String(3 * 1024 ** 3)));
    assert.equal((await cli(ctx.s(), ['list', '-o', 'name'])).stdout, `${APP}\n`);
    const json = JSON.parse((await cli(ctx.s(), ['list', '-o', 'json'])).stdout) as { items: unknown[] };
    assert.equal(json.items.length, 1);
    const bad = await cli(ctx.s(), ['list', '-o', 'xml']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: unable to match a printer suitable for the output format "xml", allowed formats are: json, yaml, wide, name/);
  });

  test('-v explains where each value came from, and -v=2 logs API calls, never secrets', async () => {
    const r = await cli(ctx.s(), ['status', '-v=2']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /cluster ID: uk8s-e2etest01 \(from env UCLOUD_UK8S_CLUSTER_ID\)/);
    assert.match(r.stderr, /private key: \(set\) \(from env UCLOUD_PRIVATE_KEY\)/);
    assert.match(r.stderr, /POST http:\/\/127.0.0.1:\d+ .*Action=GetUK8SImageAccelerate/);
    assert.match(r.stderr, /HTTP 200 in \d+ms request id [0-9a-f-]{36}/);
  });

  test('the built plugin under LANG=zh_CN.UTF-8: Chinese status and list, the same -o json, colour only when forced', async () => {
    const zh = { LANG: 'zh_CN.UTF-8' };
    const status = await cli(ctx.s(), ['status'], zh);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^集群： {6}uk8s-e2etest01\n镜像加速： {2}已开启\nNFS： {7}就绪（10\.9\.0\.10，子网 subnet-abc）\n/);
    assert.match(status.stdout, /^原始镜像\s+目标镜像\s+大小\s+层数\s+状态\n/m);
    const list = await cli(ctx.s(), ['list'], zh);
    assert.match(list.stdout, /^原始镜像\s+目标镜像\s+大小\s+层数\s+状态\n.*3\.0GiB\s+12\s+Ready\n$/);
    assert.ok(!list.stdout.includes('\u001b['), 'a pipe gets no colour');
    assert.ok((await cli(ctx.s(), ['list'], { ...zh, FORCE_COLOR: '1' })).stdout.includes('\u001b[32mReady\u001b[39m'));
    for (const args of [['status', '-o', 'json'], ['list', '-o', 'yaml']]) {
      const chinese = await cli(ctx.s(), args, { LC_ALL: 'zh_CN.UTF-8', FORCE_COLOR: '1' });
      assert.equal(chinese.stdout, (await cli(ctx.s(), args)).stdout, args.join(' '));
    }
  });
});

describe('images are unknown while busy or while the agent starts', () => {
  const ctx = withSim({ ...READY, AgentReady: false, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] });
  test('an empty list is reported as unknown, not as "nothing accelerated"', async () => {
    const r = await cli(ctx.s(), ['list']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /No images listed: the acceleration agent is not ready: starting \(normal for a few minutes after enabling\), or being torn down by a disable/);
    const st = await cli(ctx.s(), ['status']);
    assert.match(st.stdout, /Images:\s+unknown/);
  });
});

describe('create', () => {
  const ctx = withSim();

  test('validates references before any API call', async () => {
    ctx.s().clearRequests();
    for (const [args, message] of [
      [['create', 'Team/App:v1'], /repository name must be lowercase/],
      [['create', 'team/app@sha256:' + 'a'.repeat(64)], /pinned by digest only/],
      [['create', 'team/app:v1=team/app:v1'], /is the original image/],
      [['create', 'team/app:v1', 'team/app:v1'], /is named twice/],
      [['create', 'team/app:v1=team/app:v2=x'], /use ORIGINAL=TARGET/],
      [['create', 'team/app:v1=team/app@sha256:' + 'b'.repeat(64)], /must be a tag, not a digest/],
      [['create', 'team/app:v1', '--timeout', 'soon'], /invalid --timeout/],
    ] as const) {
      const r = await cli(ctx.s(), [...args]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^error: /);
      assert.match(r.stderr, message);
    }
    assert.deepEqual(ctx.s().requests(), []);
  });

  test('creates with the default -acc target and waits until Ready', async () => {
    const r = await cli(ctx.s(), ['create', APP]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /acceleration of uhub.service.ucloud.cn\/team\/app:v1 is Ready: use uhub.service.ucloud.cn\/team\/app:v1-acc \(\d/);
    assert.match(r.stderr, /status Creating/);
    const create = ctx.s().requests().find((q) => q.action === 'CreateUK8SImageAccelerate');
    assert.equal(create?.params['TargetImage'], `${APP}-acc`);
    assert.equal(create?.signatureValid, true);
    assert.equal(ctx.s().cluster(CLUSTER).Images.length, 1);
  });

  test('refuses an image that is already accelerated, by identity not spelling', async () => {
    const r = await cli(ctx.s(), ['create', `${APP}=uhub.service.ucloud.cn/team/app:other`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is already accelerated as uhub.service.ucloud.cn\/team\/app:v1-acc/);
  });

  test('an explicit target, -o name, and a short docker.io name', async () => {
    const r = await cli(ctx.s(), ['create', 'nginx=nginx:fast', '-o', 'name']);
    assert.equal(r.code, 0, r.stderr);
    // The name of an acceleration is its original image, as `list -o name` prints it and `delete` takes it.
    assert.equal(r.stdout, 'nginx\n');
  });

  test('--no-wait returns while Creating; a second create with --no-wait is refused while it runs', async () => {
    // Held in Creating until the test ends: no delay to race against however slow the machine is.
    const slow = await sim(READY);
    slow.addFault({ kind: 'hold-operation', operation: 'create' });
    try {
      const r = await cli(slow, ['create', 'team/other:v3', '--no-wait']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /started \(status Creating\)/);
      const busy = await cli(slow, ['create', 'team/third:v1', '--no-wait']);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /another operation is in progress .*status Creating/);
    } finally {
      await slow.close();
    }
  });

  test('--dry-run=client checks and changes nothing; --dry-run=server is refused', async () => {
    ctx.s().clearRequests();
    const r = await cli(ctx.s(), ['create', 'team/dry:v1', '--dry-run=client']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /would be created \(dry run\)/);
    assert.deepEqual(ctx.s().requests().map((q) => q.action), ['GetUK8SImageAccelerate']);
    const server = await cli(ctx.s(), ['create', 'team/dry:v1', '--dry-run=server']);
    assert.equal(server.code, 1);
    assert.match(server.stderr, /no server-side dry run/);
  });

  test('CreateError ends with exit 1 and the API\'s error text', async () => {
    ctx.s().addFault({ kind: 'fail-operation', operation: 'create', error: 'pull image failed: unauthorized' });
    const r = await cli(ctx.s(), ['create', 'team/broken:v1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: the acceleration of team\/broken:v1 failed: pull image failed: unauthorized/);
    // The error stays visible in status, and the next create proceeds.
    assert.match((await cli(ctx.s(), ['status'])).stdout, /Error:\s+pull image failed: unauthorized/);
  });

  test('--timeout ends with exit 4 and says the operation may still finish', async () => {
    const slow = await sim(READY);
    slow.addFault({ kind: 'hold-operation', operation: 'create' });
    try {
      // --timeout bounds the whole command, so it leaves room for a slow start on a busy machine; the hold does the rest.
      const r = await cli(slow, ['create', 'team/slow:v1', '--timeout', '5s']);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /timed out after \d+s waiting for .*team\/slow:v1.* \(status Creating\)/);
      assert.match(r.stderr, /may still finish/);
    } finally {
      await slow.close();
    }
  });
});

describe('create refuses on a cluster that is not enabled', () => {
  const ctx = withSim({});
  test('not enabled', async () => {
    const r = await cli(ctx.s(), ['create', APP]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /image acceleration is not enabled on cluster uk8s-e2etest01/);
    assert.match(r.stderr, /kubectl uimgacc enable/);
  });
});

describe('enable and disable', () => {
  const ctx = withSim({});

  test('enable needs the NFS address, subnet and UHub account, and says which are missing', async () => {
    const r = await cli(ctx.s(), ['enable']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /enable needs --nfs-addr \(or NFS_ADDR\), --subnet-id \(or SUBNET_ID\), --uhub-username \(or UHUB_USERNAME\), UHUB_PASSWORD/);
  });

  test('enable waits for the agent; the UHub password is sent but never shown', async () => {
    const r = await cli(ctx.s(), ['enable', '--nfs-addr', '10.9.0.10', '--subnet-id', 'subnet-abc', '--uhub-username', 'pusher', '-v=2'], { UHUB_PASSWORD });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /image acceleration is enabled on cluster uk8s-e2etest01: NFS ready, agent ready/);
    assert.match(r.stderr, /agent not ready yet/);
    assert.match(r.stderr, /UHubPassword=<redacted>/);
    const sent = ctx.s().requests().find((q) => q.action === 'EnableUK8SImageAccelerate');
    assert.equal(sent?.params['UHubPassword'], UHUB_PASSWORD);
    assert.equal(ctx.s().cluster(CLUSTER).AgentReady, true);
  });

  test('enable again is a no-op success', async () => {
    const r = await cli(ctx.s(), ['enable']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already enabled/);
  });

  test('disable waits until disabled; disabling again is a no-op success', async () => {
    // No kubeconfig here: which cluster an in-use check would read cannot be told, so only --force goes ahead.
    const refused = await cli(ctx.s(), ['disable']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: refusing to disable image acceleration on cluster uk8s-e2etest01: cannot tell which UK8S cluster this Kubernetes context is \(the cluster was not consulted: no kubeconfig found/);
    assert.equal(ctx.s().requests().filter((q) => q.action === 'DisableUK8SImageAccelerate').length, 0);
    const r = await cli(ctx.s(), ['disable', '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /image acceleration is disabled/);
    assert.equal(ctx.s().cluster(CLUSTER).Enable, false);
    const again = await cli(ctx.s(), ['disable']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already disabled/);
  });
});

describe('delete', () => {
  const ctx = withSim({ ...READY, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }, { OriginalImage: 'team/b:1', TargetImage: 'team/b:1-acc' }] });

  test('an unknown image is a clear error', async () => {
    const r = await cli(ctx.s(), ['delete', 'team/nothing:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no acceleration of team\/nothing:1 on cluster uk8s-e2etest01/);
  });

  test('deleting by the target image sends the original image and waits', async () => {
    const r = await cli(ctx.s(), ['delete', `${APP}-acc`, '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deleted/);
    const sent = ctx.s().requests().find((q) => q.action === 'DeleteUK8SImageAccelerate');
    assert.equal(sent?.params['Image'], APP);
    assert.deepEqual(ctx.s().cluster(CLUSTER).Images.map((i) => i.OriginalImage), ['team/b:1']);
  });

  test('DeleteError ends with exit 1 and the error text', async () => {
    ctx.s().addFault({ kind: 'fail-operation', operation: 'delete', error: 'nfs busy' });
    const r = await cli(ctx.s(), ['delete', 'team/b:1', '--force']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the deletion of team\/b:1 failed: nfs busy/);
  });
});

describe('faults', () => {
  const ctx = withSim({ ...READY, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] });

  test('5xx and 429 on reads are retried', async () => {
    ctx.s().addFault({ kind: 'http', status: 503, action: 'GetUK8SImageAccelerate', times: 2 });
    ctx.s().addFault({ kind: 'http', status: 429, action: 'GetUK8SImageAccelerate' });
    const r = await cli(ctx.s(), ['status']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('a read that keeps failing ends with the HTTP status and request id', async () => {
    ctx.s().addFault({ kind: 'http', status: 502, times: 10 });
    const r = await cli(ctx.s(), ['status']);
    ctx.s().clearFaults();
    assert.equal(r.code, 1);
    // Each retry is announced (a failing endpoint is never silent), then the last failure is the error.
    assert.match(r.stderr, /^Warning: UCloud API GetUK8SImageAccelerate failed: HTTP 502 Bad Gateway \(request id [0-9a-f-]{36}\); retrying \(attempt 2 of 4\)$/m);
    assert.match(r.stderr, /^error: UCloud API GetUK8SImageAccelerate failed: HTTP 502 Bad Gateway \(request id [0-9a-f-]{36}\)/m);
  });

  test('a string RetCode is understood, for success and for errors', async () => {
    ctx.s().addFault({ kind: 'string-retcode', times: 1 });
    assert.equal((await cli(ctx.s(), ['status'])).code, 0);
    ctx.s().addFault({ kind: 'string-retcode', times: 5 });
    const r = await cli(ctx.s(), ['delete', 'team/none:1', '--force']);
    ctx.s().clearFaults();
    assert.equal(r.code, 1);
  });

  test('invalid JSON is a clear error', async () => {
    ctx.s().addFault({ kind: 'invalid-json', times: 10 });
    const r = await cli(ctx.s(), ['status']);
    ctx.s().clearFaults();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the response is not JSON/);
  });

  test('RetCode errors carry code, message, request id and advice', async () => {
    ctx.s().addFault({ kind: 'retcode', code: 299, message: 'Permission denied' });
    const r = await cli(ctx.s(), ['status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /RetCode 299: Permission denied \(request id [0-9a-f-]{36}\)\nhint: the key lacks permission/);
  });

  test('a wrong private key is rejected by the signature check with advice', async () => {
    const r = await cli(ctx.s(), ['status'], { UCLOUD_PRIVATE_KEY: 'not-the-right-key' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /RetCode 171: Signature VerifyAC Error/);
    assert.match(r.stderr, /hint: signature rejected: check that the public and private key belong together/);
  });

  test('an unknown project and an unknown user are reported', async () => {
    assert.match((await cli(ctx.s(), ['status'], { UCLOUD_PROJECT_ID: 'org-nope' })).stderr, /RetCode 292/);
    assert.match((await cli(ctx.s(), ['status'], { UCLOUD_PUBLIC_KEY: 'who' })).stderr, /RetCode 172/);
  });

  test('a hung API times out (retried for reads) and fails clearly', async () => {
    ctx.s().addFault({ kind: 'hang', times: 10 });
    const r = await cli(ctx.s(), ['status'], { UIMGACC_API_TIMEOUT: '200ms' });
    ctx.s().clearFaults();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no answer within 0.2s/);
  });

  test('a slow answer within the timeout succeeds', async () => {
    ctx.s().addFault({ kind: 'slow', ms: 300 });
    assert.equal((await cli(ctx.s(), ['status'])).code, 0);
  });

  test('a mutation that failed in transit is not resent: the status is re-read and shows it was applied', async () => {
    ctx.s().clearRequests();
    ctx.s().addFault({ kind: 'apply-then-fail', status: 504, action: 'CreateUK8SImageAccelerate' });
    const r = await cli(ctx.s(), ['create', 'team/ambiguous:v1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Warning: .*HTTP 504.*the status shows UCloud accepted the request anyway/);
    assert.equal(ctx.s().requests().filter((q) => q.action === 'CreateUK8SImageAccelerate').length, 1);
  });

  test('a mutation that failed in transit and does not show as applied says to check the status before retrying', async () => {
    ctx.s().addFault({ kind: 'http', status: 503, action: 'CreateUK8SImageAccelerate' });
    const r = await cli(ctx.s(), ['create', 'team/unapplied:v1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /HTTP 503.*; it is unknown whether UCloud took the request: the status does not show it yet \(status Ready\)\nhint: check `kubectl uimgacc status` before retrying: UCloud may still apply it/);
    assert.doesNotMatch(r.stderr, /safe to retry/);
  });
});

test('bad signatures are rejected by the simulator itself', async () => {
  const s = await sim();
  try {
    const res = await fetch(s.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Action: 'GetUK8SImageAccelerate', PublicKey: PUBLIC, Region: 'cn-bj2', ClusterId: CLUSTER, Signature: '0'.repeat(40) }) });
    const body = (await res.json()) as { RetCode: number };
    assert.equal(body.RetCode, 171);
    assert.equal(res.headers.get('x-ucloud-request-uuid')?.length, 36);
  } finally {
    await s.close();
  }
});

test('no secret ever reached stdout or stderr in this file', () => {
  assert.ok(outputs.length > 20);
  for (const text of outputs) {
    for (const secret of [PRIVATE, UHUB_PASSWORD]) assert.ok(!text.includes(secret), `secret leaked in: ${text}`);
  }
});
