// Help text and README examples name images the way UK8S users write them: UHub references
// (uhub.service.ucloud.cn/...), never Docker Hub short names that would resolve to docker.io.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { COMMANDS } from '../../cmd/commands/index.ts';

/** Words that are image references with a tag or digest (the other words of an example are commands and flags). */
function imageWords(line: string): string[] {
  return line
    .split(/[\s=,'"`()]+/)
    .filter((w) => /^[a-z0-9][a-z0-9._/-]*[:@][A-Za-z0-9._:-]+$/.test(w) && !/^https?:/.test(w) && !w.startsWith('uk8s-'));
}

/** The examples a command's yargs builder declares, read by a stand-in Argv that records every `.example()` call. */
function examplesOf(builder: (y: Argv) => Argv): string[] {
  const seen: string[] = [];
  const fake: Argv = new Proxy({} as Argv, {
    get: (_t, prop) => (...args: unknown[]) => {
      if (prop === 'example') seen.push(args.map(String).join(' '));
      return fake;
    },
  });
  builder(fake);
  return seen;
}

test('every example in every command\'s --help names UHub images', async () => {
  let images = 0;
  for (const c of COMMANDS) {
    const m = await c.load();
    for (const example of examplesOf((y) => m.builder(y))) {
      for (const w of imageWords(example)) {
        images++;
        assert.match(w, /^uhub\.service\.ucloud\.cn\//, `${c.name}: ${example}`);
      }
    }
  }
  assert.ok(images >= 5, 'the examples do name images');
});

test('the README\'s command examples name UHub images', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const lines = readme.split('\n').filter((l) => l.startsWith('kubectl uimgacc '));
  assert.ok(lines.length > 10);
  for (const line of lines) for (const w of imageWords(line.split('#')[0] ?? '')) assert.match(w, /^uhub\.service\.ucloud\.cn\//, line);
});
