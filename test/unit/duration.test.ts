import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../lib/duration.ts';

test('parses kubectl durations', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('0s'), 0);
});

test('rejects what Go rejects', () => {
  for (const bad of ['', '10', '-5s', '5 m', '5x', 'm', '1h-3m', '+3s']) {
    assert.throws(() => parseDuration(bad), /invalid duration/, bad);
  }
});

test('formats for humans', () => {
  assert.equal(formatDuration(45_000), '45s');
  assert.equal(formatDuration(125_000), '2m5s');
  assert.equal(formatDuration(3_780_000), '1h3m');
  assert.equal(formatDuration(7_200_000), '2h');
});
