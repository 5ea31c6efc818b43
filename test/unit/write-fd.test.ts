import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFd, type FdIo } from '../../cmd/write-fd.ts';

function recorder(script: (n: number) => number | 'EAGAIN'): { io: FdIo; written: string[]; streamed: string[] } {
  const written: string[] = [];
  const streamed: string[] = [];
  let call = 0;
  const io: FdIo = {
    writeSync(_fd, data, offset) {
      const n = script(call++);
      if (n === 'EAGAIN') throw Object.assign(new Error('EAGAIN: resource temporarily unavailable'), { code: 'EAGAIN' });
      const end = Math.min(data.length, offset + n);
      written.push(Buffer.from(data.subarray(offset, end)).toString());
      return end - offset;
    },
    stream: () => ({ write: (data, done) => (streamed.push(Buffer.from(data).toString()), done()) }),
  };
  return { io, written, streamed };
}

test('writes everything, however little each write takes', () => {
  const r = recorder(() => 3);
  let done = 0;
  writeFd(1, 'completion\n:4\n', () => done++, r.io);
  assert.equal(r.written.join(''), 'completion\n:4\n');
  assert.equal(done, 1);
});

test('a descriptor that refuses more (non-blocking, full) gets the rest through its stream', () => {
  const r = recorder((n) => (n === 0 ? 5 : 'EAGAIN'));
  let done = 0;
  writeFd(2, 'abcdefghij', () => done++, r.io);
  assert.deepEqual([r.written.join(''), r.streamed.join('')], ['abcde', 'fghij']);
  assert.equal(done, 1);
});

test('other write errors are not swallowed', () => {
  const io: FdIo = { writeSync: () => { throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' }); }, stream: () => assert.fail('no fallback') };
  assert.throws(() => writeFd(1, 'x', () => undefined, io), /EPIPE/);
});
