// status and list in Simplified Chinese and in colour: the human view follows the language and the terminal, the
// machine output (-o json|yaml|name) never changes, and the columns of a table with Chinese text still line up.
/* eslint-disable no-control-regex -- colour sequences (ESC [ … m) are what these tests look for */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { Argv } from 'yargs';
import stringWidth from 'string-width';
import { main } from '../../cmd/main.ts';
import { startSimulator, type SimClusterInit, type Simulator } from '../simulator/server.ts';
import { useLanguage } from '../../lib/i18n/index.ts';
import { unseenLines, usesTable, useStatus } from '../../cmd/views.ts';
import type { ImageUse } from '../../lib/inuse/scan.ts';

const CLUSTER = 'uk8s-i18nview01';
const ACCOUNT = { publicKey: 'view-public-key', privateKey: 'view-private-key-0123456789', projects: ['org-view'] };
const APP = 'uhub.service.ucloud.cn/team/app:v1';
const ML = 'uhub.service.ucloud.cn/team/训练:v2';
const READY: Partial<SimClusterInit> = { Enable: true, NfsReady: true, AgentReady: true, NfsAddr: '10.9.0.10', SubnetId: 'subnet-abc' };
const ZH = { LANG: 'zh_CN.UTF-8' };
const SGR = /\u001b\[[0-9;]*m/;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Sink extends Writable {
  text = '';
  readonly isTTY: boolean;
  constructor(tty: boolean) {
    super();
    this.isTTY = tty;
  }
  override _write(chunk: unknown, _enc: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

/** The plugin's main() as kubectl would run it, against the simulator, with no kubeconfig and a clean environment. */
async function run(s: Simulator, args: readonly string[], env: Record<string, string> = {}, tty = false): Promise<Run> {
  const out = new Sink(tty);
  const err = new Sink(tty);
  const code = await main([...args, '--poll-interval=20ms'], { out, err, interactive: false }, {
    HOME: '/nonexistent-uimgacc-home',
    UCLOUD_PUBLIC_KEY: ACCOUNT.publicKey,
    UCLOUD_PRIVATE_KEY: ACCOUNT.privateKey,
    UCLOUD_API_BASE_URL: s.url,
    UCLOUD_UK8S_CLUSTER_ID: CLUSTER,
    UCLOUD_REGION: 'cn-bj2',
    ...env,
  });
  return { code, stdout: out.text, stderr: err.text };
}

function withSim(state: Partial<SimClusterInit>): () => Simulator {
  let s: Simulator | undefined;
  before(async () => {
    s = await startSimulator({ accounts: [ACCOUNT], clusters: [{ clusterId: CLUSTER, region: 'cn-bj2', ...state }] });
  });
  after(async () => {
    await s?.close();
    await useLanguage('en');
  });
  return () => s as Simulator;
}

/** The display column where `word` starts on `line` (CJK characters are two columns). */
function column(line: string, word: string): number {
  const at = line.indexOf(word);
  assert.ok(at >= 0, `${word} not in ${line}`);
  return stringWidth(line.slice(0, at));
}

describe('status and list of a ready cluster', () => {
  const sim = withSim({
    ...READY,
    Images: [
      { OriginalImage: APP, TargetImage: `${APP}-acc`, Size: 3 * 1024 ** 3, Layers: 12 },
      { OriginalImage: ML, TargetImage: `${ML}-acc`, Size: 512, Layers: 3 },
    ],
  });

  test('English stays exactly as it was', async () => {
    const r = await run(sim(), ['status']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        `Cluster:  ${CLUSTER}`,
        'Enabled:  yes',
        'NFS:      ready (10.9.0.10, subnet subnet-abc)',
        'Agent:    ready',
        'Status:   Ready',
        'Images:   2',
        '',
        'ORIGINAL IMAGE                        TARGET IMAGE                              SIZE     LAYERS   STATUS',
        `${APP}    ${APP}-acc    3.0GiB   12       Ready`,
        `${ML}   ${ML}-acc   512B     3        Ready`,
        '',
      ].join('\n'),
    );
  });

  test('under LANG=zh_CN.UTF-8 the summary and the table are Chinese, values aligned by display width', async () => {
    const r = await run(sim(), ['status'], ZH);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 6), [
      `集群：      ${CLUSTER}`,
      '镜像加速：  已开启',
      'NFS：       就绪（10.9.0.10，子网 subnet-abc）',
      'Agent：     就绪',
      '状态：      Ready',
      '镜像：      2',
    ]);
    // Every value starts in the same display column, whatever the label's mix of CJK and Latin characters.
    assert.deepEqual(new Set(lines.slice(0, 6).map((l) => stringWidth(/^\S+\s+/.exec(l)?.[0] ?? ''))), new Set([12]));
    assert.doesNotMatch(r.stdout, /Cluster:|Enabled:|ORIGINAL IMAGE|TARGET IMAGE|STATUS|\byes\b|\bready\b/);
    // Status values are UCloud's and stay as they come.
    assert.match(lines[7] ?? '', /^原始镜像\s+目标镜像\s+大小\s+层数\s+状态$/);
    assert.match(r.stdout, /Ready\n$/);
  });

  test('a table with CJK cells lines up by display width', async () => {
    const r = await run(sim(), ['list', '-o', 'wide'], ZH);
    assert.equal(r.code, 0, r.stderr);
    const [head = '', ...rows] = r.stdout.trimEnd().split('\n');
    assert.match(head, /^原始镜像\s+目标镜像\s+大小\s+层数\s+状态\s+大小（字节）\s+正在使用$/);
    assert.equal(rows.length, 2);
    // Each column starts where its header starts, counted in terminal columns: 训 and 练 are two columns each.
    for (const [header, cells] of [['目标镜像', [`${APP}-acc`, `${ML}-acc`]], ['状态', ['Ready', 'Ready']], ['正在使用', ['?', '?']]] as const) {
      const at = column(head, header);
      rows.forEach((row, i) => assert.equal(column(row, `  ${cells[i] ?? ''}`) + 2, at, `${header} in ${row}`));
    }
  });

  test('-o json, -o yaml and -o name are byte-identical in both languages', async () => {
    for (const args of [['status', '-o', 'json'], ['status', '-o', 'yaml'], ['list', '-o', 'json'], ['list', '-o', 'yaml'], ['list', '-o', 'name']]) {
      const english = await run(sim(), args);
      const chinese = await run(sim(), args, { LC_ALL: 'zh_CN.UTF-8' });
      assert.equal(english.code, 0, english.stderr);
      assert.ok(english.stdout.length > 0);
      assert.equal(chinese.stdout, english.stdout, args.join(' '));
    }
  });

  test('colour with FORCE_COLOR=1 on the status words only; never with NO_COLOR, never in -o output', async () => {
    const coloured = await run(sim(), ['status'], { ...ZH, FORCE_COLOR: '1' });
    assert.match(coloured.stdout, /\u001b\[32mReady\u001b\[39m/);
    assert.match(coloured.stdout, /镜像加速： {2}\u001b\[32m已开启\u001b\[39m/);
    assert.match(coloured.stdout, /NFS： {7}\u001b\[32m就绪\u001b\[39m（10\.9\.0\.10，子网 subnet-abc）/);
    // Without the colour the text is exactly what a pipe gets.
    assert.equal(coloured.stdout.replace(/\u001b\[[0-9;]*m/g, ''), (await run(sim(), ['status'], ZH)).stdout);
    const list = await run(sim(), ['list'], { FORCE_COLOR: '1' });
    assert.match(list.stdout, /12 {7}\u001b\[32mReady\u001b\[39m\n/);
    // A terminal colours by itself; NO_COLOR turns it off; -o json is never coloured, even when forced.
    assert.match((await run(sim(), ['list'], {}, true)).stdout, SGR);
    assert.doesNotMatch((await run(sim(), ['list'], { NO_COLOR: '1' }, true)).stdout, SGR);
    assert.doesNotMatch((await run(sim(), ['status'], { NO_COLOR: '1' }, true)).stdout, SGR);
    assert.doesNotMatch((await run(sim(), ['list'])).stdout, SGR);
    for (const args of [['status', '-o', 'json'], ['list', '-o', 'yaml'], ['list', '-o', 'name']]) {
      const forced = await run(sim(), args, { FORCE_COLOR: '1' });
      assert.doesNotMatch(forced.stdout, SGR, args.join(' '));
      assert.equal(forced.stdout, (await run(sim(), args)).stdout);
    }
  });

});

describe('while the agent starts', () => {
  const sim = withSim({ ...READY, AgentReady: false, Images: [{ OriginalImage: APP, TargetImage: `${APP}-acc` }] });

  test('status and list say in Chinese why no image is listed; -o json stays English', async () => {
    const status = await run(sim(), ['status'], ZH);
    assert.match(status.stdout, /^Agent： {5}未就绪：正在启动（开启镜像加速后几分钟内属正常），或正在被关闭镜像加速的操作移除$/m);
    assert.match(status.stdout, /^镜像： {6}未知：镜像加速 agent 未就绪：/m);
    const list = await run(sim(), ['list'], ZH);
    assert.equal(list.stdout, '');
    assert.match(list.stderr, /^未列出镜像：镜像加速 agent 未就绪：正在启动（开启镜像加速后几分钟内属正常），或正在被关闭镜像加速的操作移除；在此期间 UCloud 不列出镜像。\n$/);
    const json = await run(sim(), ['list', '-o', 'json'], ZH);
    assert.equal(json.stdout, (await run(sim(), ['list', '-o', 'json'])).stdout);
    assert.match(json.stderr, /^警告：列表可能不完整：/);
    // The agent's state is a warning in colour, and the word is there without it.
    assert.match((await run(sim(), ['status'], { FORCE_COLOR: '1' })).stdout, /Agent: {4}\u001b\[33mnot ready: starting/);
  });
});

describe('not enabled', () => {
  const sim = withSim({ Enable: false });
  test('Chinese status and the empty list', async () => {
    const status = await run(sim(), ['status'], ZH);
    assert.match(status.stdout, /^镜像加速： {2}未开启$/m);
    assert.doesNotMatch(status.stdout, /NFS|Agent/);
    const list = await run(sim(), ['list'], ZH);
    assert.match(list.stderr, /^未列出镜像：未开启镜像加速。\n$/);
  });
});

test('who uses a target image: Chinese headers, statuses and what the scan could not see', async () => {
  const use: ImageUse = { namespace: 'web', kind: 'Deployment', name: '前端', container: 'app', containerType: 'container', image: `${APP}-acc`, target: `${APP}-acc`, certain: false, replicas: 2 };
  try {
    await useLanguage('zh-CN');
    const table = usesTable([use]).split('\n');
    assert.match(table[0] ?? '', /^命名空间\s+类型\s+名称\s+容器\s+镜像\s+状态$/);
    assert.equal(useStatus(use), 'replicas=2、可能（无法按标签与摘要确认）');
    assert.equal(column(table[1] ?? '', 'Deployment'), column(table[0] ?? '', '类型'));
    assert.deepEqual(unseenLines([{ kind: 'Pod', scope: 'all namespaces', reason: 'forbidden' }, { kind: 'CronJob', scope: 'a', reason: 'x' }, { kind: 'CronJob', scope: 'b', reason: 'y' }]), [
      '  所有命名空间的 Pod：forbidden',
      '  2 个命名空间（a、b）中的 CronJob：x',
    ]);
  } finally {
    await useLanguage('en');
  }
});

/** What a command's builder gives yargs for --help: every describe and example text, recorded by a stand-in Argv. */
function helpTexts(builder: (y: Argv) => Argv): string[] {
  const seen: string[] = [];
  const fake: Argv = new Proxy({} as Argv, {
    get: (_t, prop) => (...args: unknown[]) => {
      if (prop === 'example') seen.push(String(args[1]));
      if (prop === 'option') seen.push(String((args[1] as { describe?: string }).describe));
      return fake;
    },
  });
  builder(fake);
  return seen;
}

test('--help of status and list is Chinese under zh_CN, English otherwise', async () => {
  const modules = [await import('../../cmd/commands/status.ts'), await import('../../cmd/commands/list.ts')];
  try {
    await useLanguage('zh-CN');
    const chinese = modules.flatMap((m) => helpTexts((y) => m.builder(y)));
    assert.ok(chinese.length >= 7);
    assert.ok(chinese.includes('持续查询，状态变化时打印（按 Ctrl-C 停止）'));
    for (const text of chinese) assert.match(text, /[\u4e00-\u9fff]/, text);
  } finally {
    await useLanguage('en');
  }
  assert.ok(modules.flatMap((m) => helpTexts((y) => m.builder(y))).includes('Original images, one per line'));
});

test('the NFS line keeps an address with control characters whole, escaped, and the state word styled', async () => {
  const { renderStatus } = await import('../../cmd/commands/status.ts');
  const { parseAccelerationState } = await import('../../lib/ucloud/acceleration.ts');
  const state = parseAccelerationState(CLUSTER, { RetCode: 0, Enable: true, NfsReady: false, AgentReady: true, Status: 'Ready', NfsAddr: '10.0.0.1\u0000x\n', SubnetId: 'subnet-\u001b[2J' });
  const parts = renderStatus(state, false);
  const text = parts.map((p) => (typeof p === 'string' ? p : `<${p.style}>${p.text}</>`)).join('');
  assert.match(text, /^NFS: {6}<fail>not ready<\/> \(10\.0\.0\.1\\x00x\\n, subnet subnet-\\x1b\[2J\)$/m);
});
