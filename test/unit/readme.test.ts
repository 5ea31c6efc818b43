// README.md and README.zh-CN.md describe the same plugin: a change to one that the other does not follow fails here.
// What can be compared without reading Chinese is compared: the outline (heading levels in order), every command in a
// code block (comments are the only thing translated there), the inline `code` of each section (flags, commands,
// fields, file names), each table's shape and numbers, the exit codes, and the links between the two files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allMessages, format, type MessageKey } from '../../lib/i18n/index.ts';
import { en as english } from '../../lib/i18n/en/index.ts';
import { zhCN } from '../../lib/i18n/zh-CN/index.ts';

const EN = 'README.md';
const ZH = 'README.zh-CN.md';
const FIX = `change ${ZH} with ${EN} (translate what changed), or the other way round`;

type Message = (key: MessageKey, params?: Readonly<Record<string, string | number>>) => string;

/**
 * The plugin's output that the READMEs quote (inline code): README.md in English, README.zh-CN.md as the Chinese plugin
 * prints it, both rendered here from the message catalog, so a reworded message shows up as a README to change.
 */
const SAMPLES: readonly ((m: Message) => string)[] = [
  (m) => m('common.warning').trimEnd(),
  (m) => `${m('common.warning')}${m('ucloud.retrying', { error: '…', attempt: 2, attempts: 4 })}`,
  (m) => `${m('common.error')}…`,
  (m) => m('cli.kube.fromServer', { reason: 'Forbidden', message: '…' }),
  // The reason is the scan's, the same English as in `-o json` (lib/inuse/scan.ts); the line around it is translated.
  (m) => m('view.unseen.allNamespaces', { kind: 'Pod', reason: 'Error from server (Forbidden): …' }).trim(),
  (m) => m('cli.unknownFlag', { flag: '--foo' }),
  (m) => m('cli.flagNeedsArgument', { flag: 'region' }),
  (m) => m('cli.kube.refused', { host: '127.0.0.1:6443' }),
];

function catalog(messages: Readonly<Record<string, string>>): Message {
  return (key, params) => format(messages[key] ?? '', params);
}

const samples = SAMPLES.map((sample) => ({ en: sample(catalog(allMessages(english))), zh: sample(catalog(allMessages(zhCN))) }));

interface Section {
  readonly heading: string;
  readonly level: number;
  readonly text: string[];
  readonly code: string[][];
}

function read(name: string): string {
  return readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');
}

/** The sections of a Markdown file: each heading (outside code blocks) with its prose lines and its code blocks. */
function sections(markdown: string): Section[] {
  const out: { heading: string; level: number; text: string[]; code: string[][] }[] = [];
  let current = { heading: '', level: 0, text: [] as string[], code: [] as string[][] };
  out.push(current);
  let block: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      if (block === undefined) {
        block = [];
      } else {
        current.code.push(block);
        block = undefined;
      }
      continue;
    }
    if (block !== undefined) {
      block.push(line);
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h !== null) {
      current = { heading: h[2] ?? '', level: (h[1] ?? '').length, text: [], code: [] };
      out.push(current);
    } else {
      current.text.push(line);
    }
  }
  return out;
}

/** A code block without its comments (the translated part): what is run or written stays byte for byte. */
function withoutComments(block: readonly string[]): string[] {
  return block.map((l) => l.replace(/(^|\s)#(?!!).*$/, '').trimEnd()).filter((l) => l !== '');
}

/** Inline code spans, in order (a span may wrap onto the next line, which Markdown reads as a space). */
function codeSpans(lines: readonly string[]): string[] {
  return [...lines.join('\n').matchAll(/`([^`]+)`/g)].map((m) => (m[1] ?? '').replace(/\s+/g, ' '));
}

/** The Markdown tables of some prose lines, each as rows of cells (separator rows left out). */
function tables(lines: readonly string[]): string[][][] {
  const out: string[][][] = [];
  let rows: string[][] | undefined;
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith('|')) {
      rows = undefined;
      continue;
    }
    if (rows === undefined) out.push((rows = []));
    if (/^\|[\s:|-]+\|$/.test(t)) continue;
    // A cell may hold an escaped pipe (`-o json\|yaml`): split only on the others.
    rows.push(t.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return out;
}

/** The numbers a table row holds (1,000 and 1000 are the same number), sorted: translation may reorder a cell's words. */
function numbers(cells: readonly string[]): string[] {
  return cells
    .flatMap((c) => [...c.matchAll(/\d+(?:,\d{3})*(?:\.\d+)?/g)].map((m) => (m[0] ?? '').replace(/,/g, '')))
    .sort();
}

function multisetDiff(a: readonly string[], b: readonly string[]): string[] {
  const left = [...b];
  const missing: string[] = [];
  for (const x of a) {
    const i = left.indexOf(x);
    if (i === -1) missing.push(x);
    else left.splice(i, 1);
  }
  return missing;
}

const en = sections(read(EN));
const zh = sections(read(ZH));

test('both READMEs have the same outline: as many sections, with the same heading levels in the same order', () => {
  const outline = (s: readonly Section[]): string => s.map((x) => '#'.repeat(x.level)).join(' ');
  assert.equal(outline(zh), outline(en), `the outlines differ:\n${en.map((s) => `${'#'.repeat(s.level)} ${s.heading}`).join('\n')}\n---\n${zh.map((s) => `${'#'.repeat(s.level)} ${s.heading}`).join('\n')}\n${FIX}`);
});

test('every code block is the same in both READMEs, comments aside', () => {
  assert.equal(zh.length, en.length);
  let blocks = 0;
  en.forEach((s, i) => {
    const z = zh[i];
    assert.ok(z !== undefined);
    assert.equal(z.code.length, s.code.length, `"${s.heading}" / "${z.heading}": number of code blocks; ${FIX}`);
    s.code.forEach((block, j) => {
      blocks++;
      assert.deepEqual(withoutComments(z.code[j] ?? []), withoutComments(block), `"${s.heading}" / "${z.heading}", code block ${j + 1}; ${FIX}`);
    });
  });
  assert.ok(blocks >= 10, 'the READMEs do have code blocks');
});

test('each section names the same commands, flags, fields and files (inline code) in both READMEs', () => {
  const differences = en.flatMap((s, i) => {
    const a = codeSpans(s.text);
    // A quoted Chinese message stands for the English one it translates.
    const b = codeSpans(zh[i]?.text ?? []).map((span) => samples.find((x) => x.zh === span)?.en ?? span);
    const onlyEn = multisetDiff(a, b);
    const onlyZh = multisetDiff(b, a);
    return onlyEn.length + onlyZh.length === 0 ? [] : [{ section: s.heading, onlyEn, onlyZh }];
  });
  assert.deepEqual(differences, [], `inline code differs; ${FIX}`);
});

test('each table has the same shape and the same numbers in both READMEs (benchmarks, versions, exit codes)', () => {
  let rows = 0;
  en.forEach((s, i) => {
    const z = zh[i];
    assert.ok(z !== undefined);
    const a = tables(s.text);
    const b = tables(z.text);
    assert.equal(b.length, a.length, `"${s.heading}": number of tables; ${FIX}`);
    a.forEach((table, j) => {
      const other = b[j] ?? [];
      assert.equal(other.length, table.length, `"${s.heading}", table ${j + 1}: rows; ${FIX}`);
      table.forEach((row, r) => {
        rows++;
        const o = other[r] ?? [];
        assert.equal(o.length, row.length, `"${s.heading}", table ${j + 1}, row ${r + 1}: columns; ${FIX}`);
        assert.deepEqual(numbers(o), numbers(row), `"${s.heading}", table ${j + 1}, row ${r + 1} (${row[0] ?? ''}): numbers; ${FIX}`);
      });
    });
  });
  assert.ok(rows >= 50, 'the READMEs do have tables');
});

test('the prose of each section gives the same numbers in both READMEs (measurements, limits, versions)', () => {
  const prose = (lines: readonly string[]): string[] => [
    lines
      .filter((l) => !l.trim().startsWith('|'))
      .join('\n')
      .replace(/`[^`]+`/g, ' ')
      .replace(/\]\([^)]*\)/g, ']'),
  ];
  const differences = en.flatMap((s, i) => {
    const a = numbers(prose(s.text));
    const b = numbers(prose(zh[i]?.text ?? []));
    const onlyEn = multisetDiff(a, b);
    const onlyZh = multisetDiff(b, a);
    return onlyEn.length + onlyZh.length === 0 ? [] : [{ section: s.heading, onlyEn, onlyZh }];
  });
  assert.deepEqual(differences, [], `numbers differ; ${FIX}`);
});

test('the output the READMEs quote is what the plugin prints: English in README.md, Chinese in README.zh-CN.md', () => {
  const spans = (s: readonly Section[]): string[] => s.flatMap((x) => codeSpans(x.text));
  const english = spans(en);
  const chinese = spans(zh);
  for (const sample of samples) {
    assert.ok(english.includes(sample.en), `${EN} quotes \`${sample.en}\` (as the catalog has it now)`);
    assert.ok(chinese.includes(sample.zh), `${ZH} quotes \`${sample.zh}\` (as the catalog has it now)`);
    assert.ok(!chinese.includes(sample.en) || sample.en === sample.zh, `${ZH} quotes the English \`${sample.en}\`: show the Chinese \`${sample.zh}\``);
  }
});

test('the exit code tables list the same codes', () => {
  const codes = (s: readonly Section[], heading: string): string[] => {
    const section = s.find((x) => x.heading === heading);
    assert.ok(section !== undefined, `no section "${heading}"`);
    const table = tables(section.text)[0] ?? [];
    return table.slice(1).map((row) => row[0] ?? '');
  };
  const english = codes(en, 'Exit codes');
  assert.deepEqual(english, ['0', '1', '3', '4', '5', '130 / 143']);
  assert.deepEqual(codes(zh, '退出码'), english);
});

/** GitHub's anchor for a heading: lower case, punctuation dropped (full-width too), spaces to hyphens. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\p{M} _-]/gu, '').replace(/ /g, '-');
}

test('links to a section of either README (from both READMEs and the chart\'s) name a heading that exists', () => {
  const anchors = new Map([EN, ZH].map((name) => [name, new Set(sections(read(name)).map((s) => anchor(s.heading)))]));
  let links = 0;
  for (const [file, base] of [[EN, ''], [ZH, ''], ['charts/uimgacc/README.md', '../../']] as const) {
    for (const m of read(file).matchAll(/\]\(([^)#\s]*)#([^)\s]+)\)/g)) {
      const target = m[1] === '' ? file : (m[1] ?? '').replace(base, '');
      const known = anchors.get(target);
      if (known === undefined) continue;
      links++;
      assert.ok(known.has(decodeURIComponent(m[2] ?? '')), `${file}: the link ${m[0]} names no heading of ${target}`);
    }
  }
  assert.ok(links >= 3, 'the READMEs do link to their sections');
});

test('each README links to the other at its top', () => {
  const top = (name: string): string => read(name).split('\n').slice(0, 5).join('\n');
  assert.match(top(EN), /简体中文: \[README\.zh-CN\.md\]\(README\.zh-CN\.md\)/);
  assert.match(top(ZH), /English: \[README\.md\]\(README\.md\)/);
});

test('the Chinese README uses UCloud\'s terms, never a competing translation', () => {
  const text = zh.flatMap((s) => s.text).join('\n');
  for (const term of ['镜像加速', '原始镜像', '目标镜像', '集群', '节点', '地域', '项目', '子网', '公钥', '私钥']) assert.ok(text.includes(term), term);
  // Other common renderings of the same words in Chinese technical writing that UCloud's documentation does not use.
  for (const other of ['源镜像', '区域', '公匙', '私匙', '加速镜像功能', '结点']) assert.ok(!text.includes(other), `"${other}": use the term in lib/i18n/GLOSSARY.md`);
});
