// Colour as a terminal user sees it: the built plugin under a real pseudo-terminal (util-linux `script`), against
// pipes, NO_COLOR, FORCE_COLOR and TERM=dumb. A colour sequence may only ever come from the plugin's own styling:
// text being printed (a flag name here) still has its control characters escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI } from '../helpers/cli.ts';
import { collectOutput } from '../helpers/process.ts';

const RED = '\u001b[31m';
const ESC = '\u001b';

/** Runs the plugin with `args` through `script`, so its stdout and stderr are a terminal unless `pipe` adds `| cat`. */
async function onTerminal(args: readonly string[], env: Record<string, string>, pipe = false): Promise<string> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', `${quoted} 2>&1${pipe ? ' | cat' : ''}`, '/dev/null'], {
    env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent-uimgacc-home', TERM: 'xterm', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = await collectOutput(child, 1);
  return r.stdout;
}

test('on a terminal the error prefix is red; the flag name in the message is still escaped, not obeyed', async () => {
  const out = await onTerminal(['status', '--x\u001b]0;owned\u0007'], {});
  assert.ok(out.includes(`${RED}error: `), JSON.stringify(out));
  assert.ok(!out.includes(`${ESC}]0;owned`), 'an OSC sequence from the arguments reached the terminal');
  assert.match(out, /\\x1b\]0;owned\\x07/);
});

test('no colour in a pipe, with NO_COLOR, or with TERM=dumb; FORCE_COLOR colours even a pipe, FORCE_COLOR=0 never', async () => {
  for (const [env, pipe] of [[{}, true], [{ NO_COLOR: '1' }, false], [{ TERM: 'dumb' }, false], [{ FORCE_COLOR: '0' }, false]] as const) {
    const out = await onTerminal(['status', '--no-such-flag'], env, pipe);
    assert.match(out, /error: unknown flag: --no-such-flag/, JSON.stringify(env));
    assert.ok(!out.includes(ESC), `${JSON.stringify(env)} pipe=${pipe}: ${JSON.stringify(out)}`);
  }
  const forced = await onTerminal(['status', '--no-such-flag'], { FORCE_COLOR: '1', NO_COLOR: '1' }, true);
  assert.ok(forced.includes(`${RED}error: `), JSON.stringify(forced));
});

test('machine output on a terminal carries no colour and is the same bytes as in a pipe', async () => {
  const args = ['version', '--client', '-o', 'json'];
  const [terminal, piped] = await Promise.all([onTerminal(args, { FORCE_COLOR: '3' }), onTerminal(args, {}, true)]);
  assert.ok(!terminal.includes(ESC), JSON.stringify(terminal));
  // The terminal turns \n into \r\n; the bytes are otherwise the same.
  assert.equal(terminal.replace(/\r\n/g, '\n'), piped.replace(/\r\n/g, '\n'));
  assert.ok(JSON.parse(piped.replace(/\r\n/g, '\n')));
});
