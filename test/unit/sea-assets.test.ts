// The single executable's choice of a prerendered output (scripts/sea-assets.ts) and the build's check that English
// starts do not deserialize the Chinese catalog (scripts/package.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Script } from 'node:vm';
import { prerenderedOutput, prerenderKey, type PrerenderedTable } from '../../scripts/sea-assets.ts';
import { stringsInCodeCache } from '../../scripts/package.ts';

const table: PrerenderedTable = {
  en: { [prerenderKey(['--help'])]: { stdout: 'help\n', stderr: '', code: 0 } },
  'zh-CN': { [prerenderKey(['--help'])]: { stdout: '帮助\n', stderr: '', code: 0 } },
};
const pipes = { stdout: false, stderr: false };

test('a prerendered output is chosen by the exact arguments and the language', () => {
  assert.equal(prerenderedOutput(table, ['--help'], {}, pipes)?.stdout, 'help\n');
  assert.equal(prerenderedOutput(table, ['--help'], { LANG: 'zh_CN.UTF-8' }, pipes)?.stdout, '帮助\n');
  assert.equal(prerenderedOutput(table, ['--help'], { LC_ALL: 'C', LANG: 'zh_CN.UTF-8' }, pipes)?.stdout, 'help\n');
  assert.equal(prerenderedOutput(table, ['--help', '-v'], {}, pipes), undefined);
  assert.equal(prerenderedOutput(table, ['help'], {}, pipes), undefined);
  assert.equal(prerenderedOutput(undefined, ['--help'], {}, pipes), undefined);
});

test('no prerendered output where the real one could differ: stderr a terminal, colour, no wrapping', () => {
  assert.equal(prerenderedOutput(table, ['--help'], {}, { stdout: false, stderr: true }), undefined);
  assert.equal(prerenderedOutput(table, ['--help'], {}, { stdout: true, stderr: false }), undefined);
  assert.equal(prerenderedOutput(table, ['--help'], { NO_COLOR: '1' }, { stdout: true, stderr: false })?.stdout, 'help\n');
  assert.equal(prerenderedOutput(table, ['--help'], { FORCE_COLOR: '1' }, pipes), undefined);
  assert.equal(prerenderedOutput(table, ['--help'], { FORCE_COLOR: '0' }, pipes)?.stdout, 'help\n');
  assert.equal(prerenderedOutput(table, ['--help'], { YARGS_DISABLE_WRAP: '1' }, pipes), undefined);
});

test('a code cache holds the strings of the functions that ran before it was made, not of the others', () => {
  const source = "(function () { return { ran: () => '镜像加速已启用', lazy: () => '目标镜像正在使用' }; })";
  const script = new Script(source);
  const fns = (script.runInThisContext() as () => { ran: () => string })();
  fns.ran();
  const cache = script.createCachedData();
  assert.deepEqual(stringsInCodeCache(cache, ['镜像加速已启用', '目标镜像正在使用']), ['镜像加速已启用']);
});
