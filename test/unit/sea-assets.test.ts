// The single executable's choice of a prerendered output (scripts/sea-assets.ts) and the build's check that English
// starts do not deserialize the Chinese catalog (scripts/package.ts); the npm build's `version` template.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Script } from 'node:vm';
import { mayBePrerendered, PRERENDERED, prerenderedOutput, prerenderKey, runtimeTemplate, type PrerenderedTable, type Runtime } from '../../cmd/prerendered.ts';
import { renderJson, renderYaml } from '../../cmd/output.ts';
import { stringsInCodeCache } from '../../scripts/package.ts';
import { asciiOnly } from '../../scripts/esbuild-plugins.ts';
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const table: PrerenderedTable = {
  en: { [prerenderKey(['--help'])]: { stdout: 'help\n', stderr: '', code: 0 } },
  'zh-CN': { [prerenderKey(['--help'])]: { stdout: '帮助\n', stderr: '', code: 0 } },
};
const pipes = (): boolean => false;
const terminal = (which: 1 | 2) => (fd: 1 | 2): boolean => fd === which;

test('a prerendered output is chosen by the exact arguments and the language', () => {
  assert.equal(prerenderedOutput(table, ['--help'], {}, pipes)?.stdout, 'help\n');
  assert.equal(prerenderedOutput(table, ['--help'], { LANG: 'zh_CN.UTF-8' }, pipes)?.stdout, '帮助\n');
  assert.equal(prerenderedOutput(table, ['--help'], { LC_ALL: 'C', LANG: 'zh_CN.UTF-8' }, pipes)?.stdout, 'help\n');
  assert.equal(prerenderedOutput(table, ['--help', '-v'], {}, pipes), undefined);
  assert.equal(prerenderedOutput(table, ['help'], {}, pipes), undefined);
  assert.equal(prerenderedOutput(undefined, ['--help'], {}, pipes), undefined);
  // node:tty is not loaded for a start that has nothing prerendered.
  assert.equal(prerenderedOutput(table, ['status'], {}, () => assert.fail('asked whether a stream is a terminal')), undefined);
});

test('only the arguments the build renders may have a prerendered output: no other start reads the table', () => {
  for (const args of PRERENDERED) assert.ok(mayBePrerendered(args), args.join(' '));
  for (const args of [['status'], ['--help', 'status'], ['version'], ['version', '--client', '-o', 'wide'], ['-h', '-h'], ['']]) assert.equal(mayBePrerendered(args), false, args.join(' '));
});

test('no prerendered output where the real one could differ: stderr a terminal, colour, no wrapping', () => {
  assert.equal(prerenderedOutput(table, ['--help'], {}, terminal(2)), undefined);
  assert.equal(prerenderedOutput(table, ['--help'], {}, terminal(1)), undefined);
  assert.equal(prerenderedOutput(table, ['--help'], { NO_COLOR: '1' }, terminal(1))?.stdout, 'help\n');
  assert.equal(prerenderedOutput(table, ['--help'], { FORCE_COLOR: '1' }, pipes), undefined);
  assert.equal(prerenderedOutput(table, ['--help'], { FORCE_COLOR: '0' }, pipes)?.stdout, 'help\n');
  assert.equal(prerenderedOutput(table, ['--help'], { YARGS_DISABLE_WRAP: '1' }, pipes), undefined);
});

test('an output the same at any terminal is printed at a terminal and in colour too, but not unwrapped', () => {
  const version: PrerenderedTable = { en: { [prerenderKey(['version', '--client'])]: { stdout: 'Plugin Version: 1\n', stderr: '', code: 0, anyTerminal: true } } };
  const terminals = (): boolean => true;
  assert.equal(prerenderedOutput(version, ['version', '--client'], { FORCE_COLOR: '3' }, terminals)?.stdout, 'Plugin Version: 1\n');
  assert.equal(prerenderedOutput(version, ['version', '--client'], { YARGS_DISABLE_WRAP: '1' }, terminals), undefined);
});

test('version as a template: filled in with the names of the Node that runs it, as JSON and YAML write them', () => {
  const built = { version: 'v24.21.0', platform: 'linux', arch: 'x64' };
  const client = (node: Runtime): object => ({ clientVersion: { version: '1.2.3', commit: 'abc', node: node.version, platform: `${node.platform}/${node.arch}` } });
  const outputs = [renderJson, renderYaml].map((render) => (node: Runtime): string => render(client(node)));
  for (const render of [...outputs, (node: Runtime): string => `Node.js: ${node.version} (${node.platform}/${node.arch})\n`]) {
    const key = prerenderKey(['version', '--client']);
    const template: PrerenderedTable = { en: { [key]: runtimeTemplate({ stdout: render(built), stderr: '', code: 0 }, built) } };
    for (const node of [built, { version: 'v25.0.0-nightly20250101abcdef', platform: 'win32', arch: 'ia32' }, { version: 'v22.1.0', platform: 'darwin', arch: 'arm64' }]) {
      assert.deepEqual(prerenderedOutput(template, ['version', '--client'], {}, pipes, node), { stdout: render(node), stderr: '', code: 0 });
    }
    // Names a serializer would quote or escape are not filled in: the command line prints them.
    for (const node of [{ ...built, version: 'v1.0.0: x' }, { ...built, version: '24' }, { ...built, arch: 'x"64' }, { ...built, platform: 'linux #1' }]) {
      assert.equal(prerenderedOutput(template, ['version', '--client'], {}, pipes, node), undefined, JSON.stringify(node));
    }
    // Like the help, only where nothing is coloured and stderr is no terminal.
    assert.equal(prerenderedOutput(template, ['version', '--client'], {}, terminal(2), built), undefined);
    assert.equal(prerenderedOutput(template, ['version', '--client'], { FORCE_COLOR: '1' }, pipes, built), undefined);
  }
  // A build whose output holds a name twice (it could not tell which is the Node's) fails.
  assert.throws(() => runtimeTemplate({ stdout: 'v24.21.0 v24.21.0 linux/x64', stderr: '', code: 0 }, built), /occurs 2 times/);
});

test('a code cache holds the strings of the functions that ran before it was made, not of the others', () => {
  const source = "(function () { return { ran: () => '镜像加速已启用', lazy: () => '目标镜像正在使用' }; })";
  const script = new Script(source);
  const fns = (script.runInThisContext() as () => { ran: () => string })();
  fns.ran();
  const cache = script.createCachedData();
  assert.deepEqual(stringsInCodeCache(cache, ['镜像加速已启用', '目标镜像正在使用']), ['镜像加速已启用']);
});

test('a program that would hold a character outside ASCII fails the build, naming it; escapes pass', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-ascii-'));
  try {
    const bundle = (contents: string) => build({ stdin: { contents, loader: 'ts' }, bundle: true, minify: true, format: 'cjs', outfile: join(dir, 'p.cjs'), logLevel: 'silent', plugins: [asciiOnly] });
    // esbuild escapes a string, but not a regular expression literal.
    await bundle("export const unit = 'µs'; export const fullwidth = '：';");
    await assert.rejects(bundle('export const unit = /^(µs|ms)$/;'), /p\.cjs holds a character outside ASCII, "µ" in ".*\(µs\|ms\).*": write it as a \\u escape/);
    await bundle('export const unit = /^(\\u00b5s|ms)$/;');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
