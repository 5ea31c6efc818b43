import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { computeSignature, flattenParams, signParams, sortedKeys } from '../../lib/ucloud/signature.ts';
import { ucloudSignature } from '../simulator/server.ts';

const PUBLIC = 'ucloudsomeone@example.com1296235120854146120';
const PRIVATE = '46f09bb9fab4f12dfc160dae12273d5332b5debe';

test('official vector: DescribeUHostInstance', () => {
  const signed = signParams(flattenParams({ Action: 'DescribeUHostInstance', Region: 'cn-bj2', Limit: 10 }), PUBLIC, PRIVATE);
  assert.equal(signed['Signature'], 'cba5cf5ec4d4233d206b1b54951e3787350a642f');
  assert.equal(signed['PublicKey'], PUBLIC);
  // The simulator's own implementation, which verifies every request of the tests, is tied to the same vector.
  assert.equal(ucloudSignature({ Action: 'DescribeUHostInstance', Region: 'cn-bj2', Limit: '10', PublicKey: PUBLIC }, PRIVATE), 'cba5cf5ec4d4233d206b1b54951e3787350a642f');
});

test('official vector: CreateUHostInstance', () => {
  const params = {
    Action: 'CreateUHostInstance',
    CPU: 2,
    ChargeType: 'Month',
    DiskSpace: 10,
    ImageId: 'f43736e1-65a5-4bea-ad2e-8a46e18883c2',
    LoginMode: 'Password',
    Memory: 2048,
    Name: 'Host01',
    Password: 'VUNsb3VkLmNu',
    Quantity: 1,
    Region: 'cn-bj2',
    Zone: 'cn-bj2-04',
  };
  assert.equal(signParams(flattenParams(params), PUBLIC, PRIVATE)['Signature'], '4f9ef5df2abab2c6fccd1e9515cb7e2df8c6bb65');
  const asSent = Object.fromEntries([...Object.entries(params).map(([k, v]) => [k, String(v)]), ['PublicKey', PUBLIC]]);
  assert.equal(ucloudSignature(asSent, PRIVATE), '4f9ef5df2abab2c6fccd1e9515cb7e2df8c6bb65');
});

test('the plugin and the simulator sign alike beyond the vectors: arrays past 10, mixed case, non-ASCII values', () => {
  for (let round = 0; round < 200; round++) {
    const params: Record<string, string | string[]> = { Action: `A${round}`, Name: randomBytes(randomInt(0, 12)).toString('latin1') + 'é/&= x' };
    params['Backends'] = Array.from({ length: randomInt(0, 14) }, (_, i) => `b${i}`);
    params[randomBytes(3).toString('hex')] = randomBytes(4).toString('base64');
    const flat = flattenParams(params);
    const signed = signParams(flat, PUBLIC, PRIVATE);
    const { Signature: signature, ...sent } = signed;
    assert.equal(ucloudSignature(sent, PRIVATE), signature, JSON.stringify(sent));
  }
});

test('keys sort in plain byte order, so Backends.10 comes before Backends.2', () => {
  const flat = flattenParams({ Backends: Array.from({ length: 11 }, (_, i) => `b${i}`), action: 'x', Zone: 'z' });
  const keys = sortedKeys(flat);
  assert.ok(keys.indexOf('Backends.10') < keys.indexOf('Backends.2'));
  // Upper-case letters sort before lower-case ones in byte order.
  assert.ok(keys.indexOf('Zone') < keys.indexOf('action'));
});

test('flattening: arrays are 0-based Key.N, objects Key.Field, booleans true/false, integers plain', () => {
  assert.deepEqual(flattenParams({ A: ['x', 'y'], B: { C: 1, D: { E: true } }, F: false, G: 1e21, H: 0 }), {
    'A.0': 'x',
    'A.1': 'y',
    'B.C': '1',
    'B.D.E': 'true',
    F: 'false',
    G: '1000000000000000000000',
    H: '0',
  });
});

test('empty, null and undefined values are not sent (what is signed is what is sent)', () => {
  assert.deepEqual(flattenParams({ A: '', B: undefined, C: null, D: 'd', E: [] }), { D: 'd' });
});

test('the signature does not URL-escape and has no separators', () => {
  const flat = { Action: 'X', Name: 'a b&c=d/é' };
  const expected = computeSignature({ ...flat }, 'k');
  // Same pairs concatenated by hand.
  const { createHash } = process.getBuiltinModule('node:crypto');
  assert.equal(expected, createHash('sha1').update('ActionXNamea b&c=d/ék').digest('hex'));
});

test('signParams replaces a stale Signature instead of signing it', () => {
  const a = signParams({ Action: 'X', Signature: 'old' }, PUBLIC, PRIVATE);
  const b = signParams({ Action: 'X' }, PUBLIC, PRIVATE);
  assert.equal(a['Signature'], b['Signature']);
});
