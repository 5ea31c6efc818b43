// The built plugin's frame under LANG=zh_CN.UTF-8, as kubectl execs it: the bundle cannot read yargs' own locale files,
// so what yargs prints in Chinese is only what cmd/yargs-zh.ts and our catalog give it. Help of every command, usage
// errors in kubectl's words, connection errors, the completion executable; LC_ALL=C still English.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../cmd/commands/index.ts';
import { COMPLETE_CLI, runCli } from '../helpers/cli.ts';

const ZH = { LANG: 'zh_CN.UTF-8' };

describe('the built plugin in Simplified Chinese', () => {
  it('--help: groups, flags, command list and exit codes in Chinese, no yargs header left in English', async () => {
    const r = await runCli(['--help'], ZH);
    assert.equal(r.code, 0, r.stderr);
    for (const text of ['用法：kubectl uimgacc <命令> [选项]', '命令：', 'Kubernetes 选项：', 'UCloud 选项：', '显示帮助信息', '[字符串]', '退出码：0 成功']) {
      assert.ok(r.stdout.includes(text), `${text} in:\n${r.stdout}`);
    }
    for (const english of ['Commands:', 'Options:', 'Kubernetes flags:', 'Exit codes:', 'Show help', '[string]', 'aliases:']) assert.ok(!r.stdout.includes(english), `no "${english}" in:\n${r.stdout}`);
  });

  it("every command's --help has Chinese header words and the global flags in Chinese", async () => {
    const helps = await Promise.all(COMMANDS.map(async (c) => [c.name, await runCli([c.name, '--help'], ZH)] as const));
    for (const [name, r] of helps) {
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.ok(r.stdout.includes('Kubernetes 选项：') && r.stdout.includes('选项：'), `${name}:\n${r.stdout}`);
      const headers = r.stdout.split('\n').filter((l) => /^\S.*[:：]$/.test(l));
      for (const h of headers) assert.doesNotMatch(h, /^(Commands|Options|Positionals|Examples|Kubernetes flags|UCloud flags):$/, `${name}: ${h}`);
    }
  });

  it('usage errors in kubectl\'s words, in Chinese, exit 1, with where to look', async () => {
    const flag = await runCli(['version', '--client', '--no-such-flag'], ZH);
    assert.deepEqual([flag.code, flag.stderr], [1, "错误：未知选项：--no-such-flag\n运行 'kubectl uimgacc version --help' 查看用法。\n"]);
    const command = await runCli(['stauts'], ZH);
    assert.deepEqual([command.code, command.stderr], [1, "错误：“kubectl uimgacc”没有“stauts”这个命令\n您是否想运行 status？\n运行 'kubectl uimgacc --help' 查看用法。\n"]);
    const value = await runCli(['version', '--client', '--context'], ZH);
    assert.equal(value.code, 1);
    assert.match(value.stderr, /^错误：选项缺少取值：--context\n/);
  });

  it('LC_ALL=C beats LANG: English, word for word as before', async () => {
    const r = await runCli(['stauts'], { ...ZH, LC_ALL: 'C' });
    assert.deepEqual([r.code, r.stderr], [1, "error: unknown command \"stauts\" for \"kubectl uimgacc\"\nDid you mean status?\nSee 'kubectl uimgacc --help' for usage.\n"]);
  });

  describe('a cluster that refuses connections', () => {
    let dir: string;
    let server: Server;
    let kubeconfig: string;

    before(async () => {
      // A port that was just free and is closed again: connecting is refused.
      server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      dir = mkdtempSync(join(tmpdir(), 'uimgacc-cli-zh-'));
      kubeconfig = join(dir, 'config');
      writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:${port}', insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('version says in Chinese that the server could not be reached; -o json is the same bytes in both languages', async () => {
      const r = await runCli(['version'], { ...ZH, KUBECONFIG: kubeconfig });
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^插件版本：/);
      assert.match(r.stderr, /^服务器版本：未知（到服务器 127\.0\.0\.1:\d+ 的连接被拒绝：请确认主机和端口是否正确）\n$/);
      const [zh, en] = await Promise.all([runCli(['version', '-o', 'json'], { ...ZH, KUBECONFIG: kubeconfig }), runCli(['version', '-o', 'json'], { LC_ALL: 'C', KUBECONFIG: kubeconfig })]);
      assert.equal(zh.stdout, en.stdout);
    });
  });

  it('the completion executable describes commands in Chinese', async () => {
    const r = await runCli(['pat'], ZH, { entry: COMPLETE_CLI });
    assert.equal(r.stdout, 'patch\t把工作负载切换到目标镜像\n:4\n');
    const en = await runCli(['pat'], { ...ZH, LC_ALL: 'C' }, { entry: COMPLETE_CLI });
    assert.equal(en.stdout, 'patch\tSwitch workloads to their accelerated images\n:4\n');
  });
});
