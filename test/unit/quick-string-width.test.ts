// The help is laid out with quickWidth instead of string-width wherever it can measure (scripts/esbuild-plugins.ts):
// it must measure exactly as each string-width copy in the bundle does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quickWidth } from '../../scripts/quick-string-width.ts';

const copies = ['cliui', 'yargs', 'wrap-ansi'].map((dep) => `../../node_modules/${dep}/node_modules/string-width/index.js`);

test('measures every character it accepts as string-width does, and declines the rest', async () => {
  for (const copy of copies) {
    const { default: stringWidth } = (await import(copy)) as { default: (s: string) => number };
    for (let c = 0; c <= 0xffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCharCode(c);
      const quick = quickWidth(ch);
      if (quick !== undefined) assert.equal(quick, stringWidth(ch), `U+${c.toString(16)} in ${copy}`);
    }
    for (const text of ['kubectl uimgacc: make UCloud UK8S image acceleration', '显示加速状态（集群、镜像）：“目标镜像”。', '－－ｈｅｌｐ　帮助', '']) {
      assert.equal(quickWidth(text), stringWidth(text), text);
    }
  }
  assert.equal(quickWidth('\u001b[1mbold\u001b[22m'), undefined);
  assert.equal(quickWidth('emoji 🚀'), undefined);
  assert.equal(quickWidth('tone mark 〪'), undefined);
  assert.equal(quickWidth('ellipsis …'), undefined);
});
