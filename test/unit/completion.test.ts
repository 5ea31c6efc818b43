import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import {
  CACHE_TTL_MS, COMMAND_SPECS, GLOBAL_FLAGS, NO_FILE_COMP, cacheDir, cacheKey, cachedImages, complete, formatCompletion, parseWords, type CompletionSources,
} from '../../cmd/completion.ts';
import { COMMANDS } from '../../cmd/commands/index.ts';

interface Recorded {
  flags: Record<string, 'value' | 'bool'>;
  short: Record<string, string>;
}

/** Runs a command's yargs builder against a recorder, so the static completion table can be checked against it. */
function record(builder: (y: Argv) => Argv): Recorded {
  const rec: Recorded = { flags: {}, short: {} };
  const proxy: unknown = new Proxy(
    {},
    {
      get(_t, prop) {
        return (name: unknown, opts: unknown) => {
          if (prop === 'option' && typeof name === 'string') {
            const o = (opts ?? {}) as { type?: string; alias?: string };
            rec.flags[name] = o.type === 'boolean' ? 'bool' : 'value';
            if (o.alias) rec.short[o.alias] = name;
          }
          return proxy;
        };
      },
    },
  );
  builder(proxy as Argv);
  return rec;
}

const words = async (args: string[], sources?: CompletionSources): Promise<readonly string[]> => (await complete(args, sources)).candidates;

describe('completion table', () => {
  it('has every command with the flags and aliases its yargs builder defines', async () => {
    assert.equal(COMMAND_SPECS.length, COMMANDS.length);
    for (const e of COMMANDS) {
      const spec = COMMAND_SPECS.find((s) => s.name === e.name);
      assert.ok(spec, `no completion entry for ${e.name}`);
      assert.deepEqual([...spec.aliases].sort(), [...e.aliases].sort(), e.name);
      const m = await e.load();
      const rec = record((y) => m.builder(y));
      assert.deepEqual(spec.flags, rec.flags, `flags of ${e.name}`);
      assert.deepEqual(spec.short, rec.short, `short flags of ${e.name}`);
    }
  });
});

describe('complete', () => {
  it('offers the commands (with descriptions) and always ends with :4', async () => {
    const c = await complete(['']);
    assert.equal(c.directive, NO_FILE_COMP);
    assert.ok(c.candidates.some((l) => l.startsWith('patch\t')));
    assert.deepEqual(await words(['who']), ['who-uses\tList what uses an accelerated image']);
    assert.match(formatCompletion(c), /\n:4\n$/);
    assert.equal(formatCompletion({ candidates: [], directive: 4 }), ':4\n');
  });

  it('offers flags of the command and the global ones, not those already given', async () => {
    const flags = await words(['delete', '--f']);
    assert.deepEqual(flags, ['--force']);
    const all = await words(['version', '--client', '--']);
    assert.ok(all.includes('--output') && all.includes('--kubeconfig') && !all.includes('--client'));
    assert.ok((await words(['--n'])).includes('--namespace'));
  });

  it('offers the values of -o and --dry-run', async () => {
    assert.deepEqual(await words(['list', '-o', '']), ['json', 'yaml', 'wide', 'name']);
    assert.deepEqual(await words(['patch', '--dry-run=s']), ['--dry-run=server']);
    assert.deepEqual(await words(['delete', '--output', 'y']), ['yaml']);
  });

  it('reads flags before and after the command the way yargs does', () => {
    const p = parseWords(['-n', 'shop', '--context=prod', 'patch', 'deploy/web', '-l', 'app=x', '--diff']);
    assert.equal(p.spec?.name, 'patch');
    assert.deepEqual(p.flags, { namespace: 'shop', context: 'prod', selector: 'app=x', diff: 'true' });
    assert.deepEqual(p.positionals, ['deploy/web']);
    assert.equal(parseWords(['rm', '-o']).valueOf, 'output');
  });

  it('offers workloads as TYPE/NAME, in the namespace given', async () => {
    const seen: unknown[] = [];
    const sources: CompletionSources = {
      workloads: async (type, flags) => (seen.push([type, flags['namespace']]), ['web', 'worker', 'db']),
      allWorkloads: async () => ['deployment/web', 'statefulset/db'],
    };
    assert.deepEqual(await words(['patch', '-n', 'shop', 'deploy/w'], sources), ['deploy/web', 'deploy/worker']);
    assert.deepEqual(seen, [['deploy', 'shop']]);
    assert.deepEqual(await words(['unpatch', ''], sources), ['deployment/web', 'statefulset/db']);
    // TYPE NAME form: names of that type, minus those already typed.
    assert.deepEqual(await words(['patch', 'deploy', 'web', ''], sources), ['worker', 'db']);
    // Without a cluster: at least the types.
    assert.ok((await words(['patch', 'st'], {})).includes('statefulset'));
  });

  it('offers accelerated images for delete and who-uses, and nothing when the source fails', async () => {
    const sources: CompletionSources = { images: async () => ['uhub.service.ucloud.cn/team/app:v1', 'uhub.service.ucloud.cn/team/app:v1-acc'] };
    assert.equal((await words(['delete', 'uhub'], sources)).length, 2);
    assert.deepEqual(await words(['usage', 'x'], sources), []);
    assert.deepEqual(await words(['delete', 'a', ''], sources), []);
    assert.deepEqual(await words(['rm', ''], { images: () => Promise.reject(new Error('no credentials')) }), []);
  });
});

describe('image cache', () => {
  const dir = (): string => mkdtempSync(join(tmpdir(), 'uimgacc-complete-'));

  it('uses a fresh cache without calling UCloud, refreshes a stale one', async () => {
    const d = dir();
    let calls = 0;
    const fetch = async (): Promise<string[]> => (calls++, [`img${calls}`]);
    let t = 1_000_000;
    const o = { dir: d, key: 'k', timeoutMs: 1000, now: () => t };
    assert.deepEqual(await cachedImages(fetch, o), ['img1']);
    t += CACHE_TTL_MS - 1;
    assert.deepEqual(await cachedImages(fetch, o), ['img1']);
    assert.equal(calls, 1);
    t += 2;
    assert.deepEqual(await cachedImages(fetch, o), ['img2']);
    assert.deepEqual(readdirSync(d), ['images-k.json']);
  });

  it('gives up after the timeout and returns the stale list', async () => {
    const d = dir();
    writeFileSync(join(d, 'images-k.json'), JSON.stringify({ fetchedAt: 0, images: ['stale'] }));
    // A look-up that never answers: without the timeout this never returns and the runner's timeout fails the test.
    const images = await cachedImages(() => new Promise(() => {}), { dir: d, key: 'k', timeoutMs: 200 });
    assert.deepEqual(images, ['stale']);
    assert.deepEqual(await cachedImages(() => Promise.reject(new Error('x')), { dir: d, key: 'k', timeoutMs: 200 }), ['stale']);
    assert.deepEqual(JSON.parse(readFileSync(join(d, 'images-k.json'), 'utf8')).images, ['stale']);
  });

  it('keys the cache by the cluster and account selection', () => {
    assert.notEqual(cacheKey({ context: 'a' }, {}), cacheKey({ context: 'b' }, {}));
    assert.notEqual(cacheKey({}, { KUBECONFIG: '/x' }), cacheKey({}, {}));
    assert.equal(cacheKey({ namespace: 'x' }, {}), cacheKey({}, {}));
    // `kubectl config use-context` changes no flag and no variable, only the current context.
    assert.notEqual(cacheKey({}, {}, 'cluster-a'), cacheKey({}, {}, 'cluster-b'));
    assert.equal(cacheDir({ XDG_CACHE_HOME: '/c' }), '/c/kubectl-uimgacc');
    assert.equal(cacheDir({}, '/home/u'), '/home/u/.cache/kubectl-uimgacc');
  });

  it('lists every global flag', () => {
    for (const f of ['kubeconfig', 'context', 'namespace', 'cluster-id', 'credentials-secret']) assert.ok(f in GLOBAL_FLAGS);
  });
});
