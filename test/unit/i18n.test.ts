// The message catalogs: every key in both languages with the same placeholders, keys in their area, UCloud's terms
// used consistently, and the language chosen from the environment as kubectl chooses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { en as enCatalog } from '../../lib/i18n/en/index.ts';
import { zhCN as zhCatalog } from '../../lib/i18n/zh-CN/index.ts';
import { GLOSSARY } from '../../lib/i18n/glossary.ts';
import { allMessages, currentLanguage, format, languageFromEnv, t, tEnglish, useLanguage } from '../../lib/i18n/index.ts';

const en = allMessages(enCatalog);
const zhCN = allMessages(zhCatalog);

const AREAS = readdirSync(new URL('../../lib/i18n/en/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.slice(0, -3));

/** Placeholder names of a message, as a sorted list ({n|one|other} counts as n). */
function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{(\w+)(?:\|[^|{}]*\|[^|{}]*)?\}/g)].map((m) => m[1] ?? ''))].sort();
}

test('every English key has a Chinese message and no Chinese message is left without an English one', () => {
  assert.deepEqual(Object.keys(zhCN).sort(), Object.keys(en).sort());
  for (const [key, text] of Object.entries(zhCN)) assert.ok(text.trim() !== '', `${key}: empty Chinese message`);
});

test('both languages use the same placeholders in every message', () => {
  const differ: string[] = [];
  for (const [key, text] of Object.entries(en)) {
    const zh = (zhCN as Record<string, string>)[key] ?? '';
    if (placeholders(text).join() !== placeholders(zh).join()) differ.push(`${key}: en {${placeholders(text).join(', ')}} zh {${placeholders(zh).join(', ')}}`);
  }
  assert.deepEqual(differ, []);
});

test('no placeholder is malformed: braces only ever hold {name} or {name|one|other}', () => {
  const bad: string[] = [];
  for (const [lang, catalog] of [['en', en], ['zh-CN', zhCN]] as const) {
    for (const [key, text] of Object.entries(catalog)) {
      const rest = text.replace(/\{\w+(?:\|[^|{}]*\|[^|{}]*)?\}/g, '');
      if (/[{}]/.test(rest)) bad.push(`${lang} ${key}: ${text}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('each area owns its keys: every key starts with its file name, where t() looks it up', async () => {
  // t() finds `area.what` in the catalog's `area` object: each file is that area, in both languages.
  assert.deepEqual(Object.keys(enCatalog).sort(), [...AREAS].sort());
  assert.deepEqual(Object.keys(zhCatalog).sort(), [...AREAS].sort());
  let total = 0;
  for (const area of AREAS) {
    assert.equal(enCatalog[area as keyof typeof enCatalog], (await import(`../../lib/i18n/en/${area}.ts`) as { default: unknown }).default, `en/index.ts: ${area}`);
    assert.equal(zhCatalog[area as keyof typeof zhCatalog], (await import(`../../lib/i18n/zh-CN/${area}.ts`) as { default: unknown }).default, `zh-CN/index.ts: ${area}`);
    const [enArea, zhArea] = await Promise.all([import(`../../lib/i18n/en/${area}.ts`), import(`../../lib/i18n/zh-CN/${area}.ts`)]) as [{ default: Record<string, string> }, { default: Record<string, string> }];
    for (const key of Object.keys(enArea.default)) assert.ok(key.startsWith(`${area}.`), `${key} is in en/${area}.ts`);
    for (const key of Object.keys(zhArea.default)) assert.ok(key.startsWith(`${area}.`), `${key} is in zh-CN/${area}.ts`);
    total += Object.keys(enArea.default).length;
  }
  assert.equal(total, Object.keys(en).length, 'a key defined in two areas');
});

test("UCloud's terms: a Chinese message translating an English one that uses a glossary term uses the glossary's Chinese", () => {
  const missing: string[] = [];
  for (const [key, text] of Object.entries(en)) {
    const zh = (zhCN as Record<string, string>)[key] ?? '';
    // Terms inside code (`…`), flags and placeholders are names, not words to translate.
    const words = text.replace(/`[^`]*`/g, '').replace(/--[\w-]+/g, '').replace(/\{[^}]*\}/g, '');
    for (const term of GLOSSARY) if (term.english.test(words) && !zh.includes(term.chinese)) missing.push(`${key}: "${term.english.source}" → ${term.chinese}: ${zh}`);
  }
  assert.deepEqual(missing, []);
});

test('the language follows LC_ALL, then LC_MESSAGES, then LANG; zh_CN, zh_SG and zh are Simplified Chinese', () => {
  const cases: [Record<string, string | undefined>, string][] = [
    [{}, 'en'],
    [{ LANG: 'C' }, 'en'],
    [{ LC_ALL: 'C', LANG: 'zh_CN.UTF-8' }, 'en'],
    [{ LC_ALL: 'POSIX', LANG: 'zh_CN.UTF-8' }, 'en'],
    [{ LC_ALL: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' }, 'zh-CN'],
    [{ LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' }, 'zh-CN'],
    [{ LC_ALL: 'en_US.UTF-8', LC_MESSAGES: 'zh_CN.UTF-8' }, 'en'],
    [{ LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN.GB18030' }, 'zh-CN'],
    [{ LANG: 'zh_SG.UTF-8' }, 'zh-CN'],
    [{ LANG: 'zh' }, 'zh-CN'],
    [{ LANG: 'zh_CN' }, 'zh-CN'],
    [{ LANG: 'zh_CN.utf8@pinyin' }, 'zh-CN'],
    [{ LANG: 'zh-CN' }, 'zh-CN'],
    // Traditional Chinese is not shipped: English rather than the wrong script.
    [{ LANG: 'zh_TW.UTF-8' }, 'en'],
    [{ LANG: 'zh_HK.UTF-8' }, 'en'],
    [{ LANG: 'ja_JP.UTF-8' }, 'en'],
    [{ LANG: 'C.UTF-8' }, 'en'],
  ];
  for (const [env, want] of cases) assert.equal(languageFromEnv(env), want, JSON.stringify(env));
});

test('placeholders are filled and English plurals choose their word; unknown placeholders stay visible', () => {
  assert.equal(format('{n} {n|Pod uses|Pods use} {image}', { n: 1, image: 'a:v1' }), '1 Pod uses a:v1');
  assert.equal(format('{n} {n|Pod uses|Pods use} {image}', { n: 3, image: 'a:v1' }), '3 Pods use a:v1');
  assert.equal(format('{n} 个 Pod 正在使用 {image}', { n: 3, image: 'a:v1' }), '3 个 Pod 正在使用 a:v1');
  assert.equal(format('{missing}', {}), '{missing}');
  // A value is inserted as it is, never interpreted as another placeholder.
  assert.equal(format('{a} {b}', { a: '{b}', b: 'x' }), '{b} x');
});

test('t() follows the selected language; tEnglish() never does', async () => {
  try {
    await useLanguage('zh-CN');
    assert.equal(currentLanguage(), 'zh-CN');
    assert.equal(t('common.itemNotStarted', { item: 'a:v1' }), 'a:v1：未开始：--timeout 已到');
    assert.equal(tEnglish('common.itemNotStarted', { item: 'a:v1' }), 'a:v1: not started: --timeout ran out');
  } finally {
    await useLanguage('en');
  }
  assert.equal(t('common.itemNotStarted', { item: 'a:v1' }), 'a:v1: not started: --timeout ran out');
});
