// The check that an output prerendered for the single executable depends on nothing it does not check (scripts/sea-cli.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { recordProcessReads } from '../../scripts/process-reads.ts';

test('records reads of the environment, the arguments and the standard streams, and puts them back', async () => {
  const env = process.env;
  const argv = process.argv;
  const stdout = Object.getOwnPropertyDescriptor(process, 'stdout');
  const reads = await recordProcessReads(async () => {
    void process.env['UIMGACC_SNAPSHOT_PROBE'];
    void ('LANG' in process.env);
    void process.argv[2];
    void process.stdout.columns;
    void process.env['YARGS_MIN_NODE_VERSION'];
    await Promise.resolve();
  }, new Set(['YARGS_MIN_NODE_VERSION']));
  assert.deepEqual(reads, ['process.env.UIMGACC_SNAPSHOT_PROBE', 'process.env.LANG', 'process.argv[2]', 'process.stdout']);
  assert.equal(process.env, env);
  assert.equal(process.argv, argv);
  assert.deepEqual(Object.getOwnPropertyDescriptor(process, 'stdout'), stdout);
});

test('records nothing for code that only computes, and restores the process when the code throws', async () => {
  assert.deepEqual(await recordProcessReads(async () => void JSON.stringify({ a: 1 })), []);
  const env = process.env;
  await assert.rejects(recordProcessReads(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(process.env, env);
});

test('listing the environment counts as reading it', async () => {
  assert.deepEqual(await recordProcessReads(async () => void Object.keys(process.env)), ['process.env (every name)']);
});

test("Node's module loader reading its own settings while it loads a module is not the module's read", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'uimgacc-reads-'));
  try {
    const file = join(dir, 'probe.mjs');
    writeFileSync(file, "export const probe = process.env['UIMGACC_MODULE_PROBE'];\n");
    const reads = await recordProcessReads(async () => void (await import(pathToFileURL(file).href)));
    assert.deepEqual(reads, ['process.env.UIMGACC_MODULE_PROBE']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
