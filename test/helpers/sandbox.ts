// Drives `npm run sandbox` as a newcomer does: start it, wait until it is ready, and type commands in a second shell
// after `source .sandbox/env`. Shared by the English and the Chinese walk-through tests.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface ShellResult {
  readonly code: number | null;
  /** stdout and stderr as a terminal shows them, interleaved. */
  readonly out: string;
  readonly stdout: string;
}

export interface Sandbox {
  readonly dir: string;
  /** Runs a bash script in the sandbox's environment; `env` adds variables (a locale, say). */
  sh(script: string, env?: Record<string, string>): Promise<ShellResult>;
  /** Waits until `ok` holds, failing after about two minutes. */
  until(what: string, ok: () => Promise<boolean>): Promise<void>;
  /** Everything the sandbox printed so far. */
  output(): string;
  /** Ctrl-C, then the sandbox's exit code. */
  stop(): Promise<number | null>;
}

export async function startSandbox(): Promise<Sandbox> {
  const dir = join(mkdtempSync(join(tmpdir(), 'uimgacc-sbx-')), 'sandbox');
  const child = spawn(process.execPath, ['test/sandbox/main.ts'], { env: { ...process.env, UIMGACC_SANDBOX_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const sandbox: Sandbox = {
    dir,
    sh: (script, env = {}) =>
      new Promise((resolve) => {
        // The completion test is about the plumbing (kubectl finds kubectl_complete-uimgacc), not its 1 s deadline on a busy machine.
        const s = spawn('bash', ['-c', `source '${join(dir, 'env')}' && ${script}`], { env: { PATH: process.env['PATH'] ?? '', HOME: dir, UIMGACC_COMPLETION_TIMEOUT_MS: '30000', ...env } });
        let out = '';
        let stdout = '';
        s.stdout.on('data', (c: Buffer) => ((out += c.toString()), (stdout += c.toString())));
        s.stderr.on('data', (c: Buffer) => (out += c.toString()));
        s.on('close', (code) => resolve({ code, out, stdout }));
      }),
    until: async (what, ok) => {
      for (let i = 0; !(await ok()); i++) {
        if (i > 600) assert.fail(`timed out waiting for ${what}`);
        await delay(200);
      }
    },
    output: () => output,
    stop: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
  for (let i = 0; !existsSync(join(dir, 'ready')); i++) {
    if (i > 1800 || child.exitCode !== null) {
      child.kill('SIGINT');
      assert.fail(`sandbox not ready: ${output}`);
    }
    await delay(100);
  }
  return sandbox;
}
