import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

test('npm run sandbox: ready marker, a working `kubectl uimgacc status`, and cleanup on Ctrl-C', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'uimgacc-sbx-')), 'sandbox');
  const child = spawn(process.execPath, ['test/sandbox/main.ts'], { env: { ...process.env, UIMGACC_SANDBOX_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    for (let i = 0; !existsSync(join(dir, 'ready')); i++) {
      if (i > 600 || child.exitCode !== null) assert.fail(`sandbox not ready: ${output}`);
      await delay(100);
    }
    const env = readFileSync(join(dir, 'env'), 'utf8');
    assert.match(env, /export KUBECONFIG=/);
    // What a newcomer types in the second terminal.
    const status = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const sh = spawn('bash', ['-c', `source '${join(dir, 'env')}' && kubectl uimgacc status && kubectl uimgacc list -o name && kubectl __complete uimgacc delete ""`], { env: { PATH: process.env['PATH'] ?? '', HOME: dir } });
      let out = '';
      sh.stdout.on('data', (c: Buffer) => (out += c.toString()));
      sh.stderr.on('data', (c: Buffer) => (out += c.toString()));
      sh.on('close', (code) => resolve({ code, out }));
    });
    assert.equal(status.code, 0, status.out);
    assert.match(status.out, /Cluster:\s+uk8s-sandbox01/);
    assert.match(status.out, /uhub.service.ucloud.cn\/demo\/app:v1\n/);
    // kubectl's own plugin completion finds kubectl_complete-uimgacc on PATH and offers the accelerated images.
    assert.match(status.out, /\nuhub.service.ucloud.cn\/demo\/app:v1-acc\n[^]*:4\n/);
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0, output);
  assert.equal(existsSync(dir), false, 'the sandbox directory is removed on exit');
});
