// The plugin's frame in Simplified Chinese: --help (yargs' words, our flags, groups, epilog, command list), usage
// errors, completion descriptions; the locale order (LC_ALL, LC_MESSAGES, LANG); machine output that never changes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../cmd/main.ts';
import { complete } from '../../cmd/completion.ts';
import { t } from '../../lib/i18n/index.ts';
import { inChinese } from '../helpers/language.ts';
import { describeKubeError } from '../../lib/kube/errors.ts';
import { parseDuration } from '../../lib/duration.ts';
import { startProgress } from '../../cmd/progress.ts';
import { SafeWritable } from '../../cmd/safe-text.ts';
import { painterFor } from '../../cmd/colour.ts';
import type { AccelerationState } from '../../lib/ucloud/acceleration.ts';

const ZH = { LANG: 'zh_CN.UTF-8' };

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** main() in this process; yargs writes help through console.log, which is collected too. */
async function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const out = sink();
  const err = sink();
  const log = console.log;
  const error = console.error;
  let printed = '';
  console.log = (...args: unknown[]) => void (printed += `${args.join(' ')}\n`);
  console.error = (...args: unknown[]) => void (printed += `${args.join(' ')}\n`);
  try {
    const code = await main(argv, { out: out.stream, err: err.stream, interactive: false }, { ...env, KUBECONFIG: '/nonexistent/kubeconfig', HOME: '/nonexistent' });
    return { code, out: out.text() + printed, err: err.text() };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('--help in Simplified Chinese', () => {
  it('top level: usage, command list, flag groups, flag descriptions, yargs words and the exit codes', async () => {
    const r = await run(['--help'], ZH);
    assert.equal(r.code, 0);
    for (const text of ['用法：kubectl uimgacc <命令> [选项]', '命令：', 'Kubernetes 选项：', 'UCloud 选项：', '选项：', '显示帮助信息', '[字符串]',
      'kubeconfig 文件的路径', 'UCloud 地域，例如 cn-bj2', '退出码：0 成功', '查看镜像加速是否已开启']) {
      assert.ok(r.out.includes(text), `${text} in:\n${r.out}`);
    }
    assert.match(r.out, /\[别名[:：] ?get\]/);
    for (const english of ['Kubernetes flags:', 'UCloud flags:', 'Exit codes:', 'Show help', 'Path to the kubeconfig file', 'Show whether image acceleration']) {
      assert.ok(!r.out.includes(english), `no "${english}" in:\n${r.out}`);
    }
  });

  it('a bare invocation shows the same help', async () => {
    assert.equal((await run([], ZH)).out, (await run(['--help'], ZH)).out);
  });

  it("a command's --help: its description and the global flags", async () => {
    const r = await run(['version', '--help'], ZH);
    assert.equal(r.code, 0);
    for (const text of ['显示插件版本、提交和 Node.js 版本', '只显示客户端版本（不访问集群）', '输出格式：json|yaml', 'Kubernetes 选项：', 'UCloud 选项：', '显示帮助信息']) {
      assert.ok(r.out.includes(text), `${text} in:\n${r.out}`);
    }
  });
});

describe('usage errors in Simplified Chinese, exit 1, with the way forward', () => {
  it('unknown flag', async () => {
    const r = await run(['version', '--client', '--bogus'], ZH);
    assert.equal(r.code, 1);
    assert.equal(r.err, "错误：未知选项：--bogus\n运行 'kubectl uimgacc version --help' 查看用法。\n");
  });

  it('unknown command with a suggestion', async () => {
    const r = await run(['statu'], ZH);
    assert.equal(r.code, 1);
    assert.equal(r.err, "错误：“kubectl uimgacc”没有“statu”这个命令\n您是否想运行 status？\n运行 'kubectl uimgacc --help' 查看用法。\n");
  });

  it('a flag without its value', async () => {
    const r = await run(['version', '--client', '--kubeconfig'], ZH);
    assert.equal(r.code, 1);
    assert.match(r.err, /^错误：选项缺少取值：--kubeconfig\n/);
  });

  it('an unexpected argument, and no command at all', async () => {
    const extra = await run(['version', 'extra'], ZH);
    assert.equal(extra.code, 1);
    assert.match(extra.err, /^错误：多余的参数“extra”\n运行 'kubectl uimgacc version --help' 查看用法。\n$/);
    const none = await run(['--kubeconfig', 'x'], ZH);
    assert.equal(none.code, 1);
    assert.match(none.err, /^错误：请指定一个命令\n/);
  });

  it('a bad -v level and an unknown -o format', async () => {
    const v = await run(['version', '--client', '-v=x'], ZH);
    assert.equal(v.code, 1);
    assert.equal(v.err, '错误：无效的 -v 级别“x”：请使用数字，例如 -v=2\n');
    const o = await run(['version', '--client', '-o', 'xml'], ZH);
    assert.equal(o.code, 1);
    assert.equal(o.err, '错误：不支持输出格式“xml”，可用的格式：json、yaml\n');
  });
});

describe('the language follows LC_ALL, LC_MESSAGES, LANG', () => {
  it('LC_ALL=C gives English', async () => {
    const r = await run(['statu'], { ...ZH, LC_ALL: 'C' });
    assert.equal(r.err, "error: unknown command \"statu\" for \"kubectl uimgacc\"\nDid you mean status?\nSee 'kubectl uimgacc --help' for usage.\n");
    const help = await run(['--help'], { LC_ALL: 'C' });
    assert.ok(help.out.includes('Kubernetes flags:') && help.out.includes('Exit codes: 0 ok'), help.out);
  });

  it('LC_ALL beats LANG, either way', async () => {
    assert.match((await run(['version', '--bogus'], { LANG: 'zh_CN.UTF-8', LC_ALL: 'en_US.UTF-8' })).err, /^error: unknown flag: --bogus\n/);
    assert.match((await run(['version', '--bogus'], { LANG: 'C', LC_ALL: 'zh_CN.UTF-8' })).err, /^错误：未知选项：--bogus\n/);
  });

  it('no locale at all is English', async () => {
    assert.match((await run(['version', '--bogus'], {})).err, /^error: unknown flag: --bogus\n/);
  });
});

describe('machine output does not change with the language', () => {
  it('version --client -o json and -o yaml are byte-identical; the human view is translated', async () => {
    for (const o of ['json', 'yaml']) {
      const en = await run(['version', '--client', '-o', o], { LC_ALL: 'C' });
      const zh = await run(['version', '--client', '-o', o], ZH);
      assert.equal(zh.code, 0);
      assert.equal(zh.out, en.out);
      assert.equal(zh.err, '');
    }
    const human = await run(['version', '--client'], ZH);
    assert.match(human.out, /^插件版本：.*\n提交：.*\nNode\.js：v\d+.*（.*）\n$/);
  });

  it('Kubernetes errors are English unless a human view asks for the language (they also land in -o json)', async () => {
    const forbidden = Object.assign(new Error('HTTP 403'), { code: 403, body: JSON.stringify({ reason: 'Forbidden', message: 'pods is forbidden' }) });
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    await inChinese(() => {
      assert.equal(describeKubeError(forbidden), 'Error from server (Forbidden): pods is forbidden');
      assert.equal(describeKubeError(refused, 'https://10.0.0.1:6443'), 'The connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?');
      assert.equal(describeKubeError(forbidden, undefined, t), '服务器返回错误（Forbidden）：pods is forbidden');
      assert.equal(describeKubeError(refused, 'https://10.0.0.1:6443', t), '到服务器 10.0.0.1:6443 的连接被拒绝：请确认主机和端口是否正确');
    });
  });

  it('lib errors follow the language (durations)', async () => {
    await inChinese(() => assert.throws(() => parseDuration('5x'), { message: '无效的时长“5x”：请使用带单位（ns、us、ms、s、m、h）的数字，例如 90s、10m 或 1h30m' }));
    assert.throws(() => parseDuration('5x'), { message: 'invalid duration "5x": use a number with a unit (ns, us, ms, s, m, h), e.g. 90s, 10m or 1h30m' });
  });
});

describe('completion in Simplified Chinese', () => {
  it('command candidates carry Chinese descriptions', async () => {
    assert.deepEqual((await inChinese(() => complete(['st']))).candidates, ['status\t查看镜像加速是否开启，以及哪些镜像已加速']);
    assert.deepEqual((await complete(['st'])).candidates, ['status\tShow whether acceleration is enabled and which images are accelerated']);
  });

  it('the completion executable picks the language from its environment, as main does', async () => {
    const entry = fileURLToPath(new URL('../../cmd/complete-entry.ts', import.meta.url));
    const complete = (env: NodeJS.ProcessEnv): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [entry, 'unp'], { env: { PATH: process.env['PATH'], HOME: '/nonexistent', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.on('error', reject);
        child.on('close', () => resolve(out));
      });
    assert.equal(await complete(ZH), 'unpatch\t撤销 patch：恢复原始镜像\n:4\n');
    assert.equal(await complete({ LANG: 'zh_CN.UTF-8', LC_ALL: 'C' }), 'unpatch\tUndo patch: back to the original images\n:4\n');
  });
});

describe('progress while waiting', () => {
  const state: AccelerationState = {
    clusterId: 'uk8s-abc', enabled: true, nfsReady: true, agentReady: false, status: 'Creating', error: undefined, images: [], imagesKnown: false, subnetId: undefined, nfsAddr: undefined,
  };

  it('the plain lines are Chinese, the status value stays as UCloud says it', async () => {
    const err = sink();
    await inChinese(async () => {
      const progress = await startProgress({ out: sink().stream, err: err.stream, interactive: false }, '正在创建目标镜像');
      progress.onProgress({ state, elapsedMs: 5000 });
      progress.onProgress({ state, elapsedMs: 8000, readError: 'connect ETIMEDOUT\nmore' });
    });
    assert.equal(err.text(), '正在创建目标镜像\n  状态 Creating，NFS 已就绪，agent 尚未就绪（5s）\n  状态 Creating，NFS 已就绪，agent 尚未就绪，读取状态失败，正在重试：connect ETIMEDOUT（8s）\n');
  });

  it('the title is coloured only on a coloured stream, and the words are the same', async () => {
    const raw = sink();
    const coloured = new SafeWritable(raw.stream, await painterFor(raw.stream, { FORCE_COLOR: '1' }));
    const progress = await startProgress({ out: sink().stream, err: coloured, interactive: false }, 'Creating');
    progress.onProgress({ state, elapsedMs: 1000 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(raw.text().startsWith('\u001b[36mCreating\u001b[39m\n'), JSON.stringify(raw.text()));
    // eslint-disable-next-line no-control-regex -- removing the colour sequences to compare the words
    assert.equal(raw.text().replace(/\u001b\[\d+m/g, ''), 'Creating\n  status Creating, NFS ready, agent not ready yet (1s)\n');
  });
});
