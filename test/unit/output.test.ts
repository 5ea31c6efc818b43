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
