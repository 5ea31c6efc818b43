import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanBytes, parseOutputFormat } from '../../cmd/output.ts';
import { renderTable } from '../../cmd/table.ts';

test('-o: known formats pass, unknown ones list the allowed formats', () => {
  assert.equal(parseOutputFormat(undefined), 'table');
  assert.equal(parseOutputFormat('json'), 'json');
  assert.throws(() => parseOutputFormat('xml'), /unable to match a printer suitable for the output format "xml", allowed formats are: json, yaml, wide, name/);
  assert.throws(() => parseOutputFormat('name', ['table', 'json', 'yaml']), /allowed formats are: json, yaml$/);
});

test('tables look like kubectl: no borders, upper-case headers, no trailing spaces', () => {
  const text = renderTable(['NAME', 'STATUS'], [['a-long-name', 'Ready'], ['b', 'Creating']]);
  assert.equal(text, 'NAME          STATUS\na-long-name   Ready\nb             Creating\n');
});

test('sizes are human-readable in binary units', () => {
  assert.equal(humanBytes(0), '0B');
  assert.equal(humanBytes(512), '512B');
  assert.equal(humanBytes(1536), '1.5KiB');
  assert.equal(humanBytes(5 * 1024 ** 3), '5.0GiB');
  assert.equal(humanBytes(12.3 * 1024 ** 3), '12GiB');
});

test('tables are laid out as cli-table3 laid them out (wide characters, empty cells, ragged widths)', async () => {
  const { default: Table } = await import('cli-table3');
  const head = ['NAMESPACE', 'NAME', 'IMAGE', 'STATUS'];
  const rows = [['web', '前端-1', 'uhub.service.ucloud.cn/demo/app:v1-acc', 'Running'], ['', 'x', '', ''], ['ml-训练', 'trainer-0', 'a', 'Pending (0/1 nodes)']];
  const borderless = Object.fromEntries(['top', 'top-mid', 'top-left', 'top-right', 'bottom', 'bottom-mid', 'bottom-left', 'bottom-right', 'left', 'left-mid', 'mid', 'mid-mid', 'right', 'right-mid', 'middle'].map((k) => [k, '']));
  const table = new Table({ head, chars: borderless, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 3 } });
  for (const row of rows) table.push(row);
  const expected = table.toString().split('\n').map((l) => l.trimEnd()).join('\n') + '\n';
  assert.equal(renderTable(head, rows), expected);
});

test('a styled table lays out as the plain one: colour is added after padding, around escaped text only', async () => {
  const { renderStyledTable } = await import('../../cmd/table.ts');
  const { SafeWritable } = await import('../../cmd/safe-text.ts');
  const head = ['原始镜像', '状态', '大小'];
  const rows = [
    ['uhub.service.ucloud.cn/a/b:v1', { style: 'ok' as const, text: 'Ready' }, '1.0GiB'],
    ['镜像-二', { style: 'fail' as const, text: 'CreateError\u001b[2J' }, ''],
    ['c', { style: undefined, text: 'Unknown' }, '3B'],
  ];
  let written = '';
  const sink = new SafeWritable({ write: (s: string) => ((written += s), true) } as unknown as NodeJS.WritableStream, (style, text) => `<${style}>${text}</${style}>`);
  sink.writeStyled(renderStyledTable(head, rows));
  await new Promise<void>((resolve) => sink.end(resolve));
  assert.equal(written.replace(/<\/?\w+>/g, ''), renderTable(head, rows));
  const lines = written.split('\n');
  // Padding sits outside the colour, the escape is made visible before colouring, an empty last cell leaves no spaces.
  assert.equal(lines[1], 'uhub.service.ucloud.cn/a/b:v1   <ok>Ready</ok>                1.0GiB');
  assert.equal(lines[2], '镜像-二                         <fail>CreateError\\x1b[2J</fail>');
  assert.equal(lines[3], 'c                               Unknown              3B');
  // Columns line up by display width: each CJK character takes two columns.
  const plain = renderTable(head, rows).split('\n');
  const { default: stringWidth } = await import('string-width');
  const statusColumn = plain.map((l) => stringWidth(l.slice(0, l.search(/(Ready|CreateError|Unknown|状态)/))));
  assert.deepEqual(statusColumn.slice(0, 4), [32, 32, 32, 32]);
});
