// The UCloud client's HTTP/1.1 transport (lib/ucloud/transport.ts) against real sockets: servers written byte by byte
// here, so that every way a response can be framed, split, cut short or refused is what the transport really reads.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, getCACertificates, setDefaultCACertificates } from 'node:tls';
import { httpTransport, type TransportInit } from '../../lib/ucloud/transport.ts';
import { createCa, createServingCert } from '../../helper/certs.ts';

const BODY = '{"Action":"GetUK8SImageAccelerate"}';
const init = (signal: AbortSignal = AbortSignal.timeout(5000)): TransportInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: BODY, signal });

/**
 * A server that hands each connection, once the whole request has arrived, to `answer`; the request is recorded. It is
 * closed when the test ends (close() earlier frees its port for a refused connection).
 */
async function serve(t: TestContext, answer: (socket: Socket) => void, make: (handler: (s: Socket) => void) => Server = createServer): Promise<{ url: (scheme?: string) => string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = make((socket) => {
    let raw = '';
    socket.on('data', (d: Buffer) => {
      raw += d.toString('utf8');
      if (raw.endsWith(BODY)) {
        requests.push(raw);
        answer(socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  // Resolves whether or not the server still runs: the test's end closes it again.
  const close = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
  t.after(close);
  return { url: (scheme = 'http') => `${scheme}://127.0.0.1:${port}/?Action=x`, requests, close };
}

/** Writes the parts one after the other, each in its own packet. */
async function trickle(socket: Socket, parts: readonly Buffer[]): Promise<void> {
  for (const part of parts) {
    socket.write(part);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test('sends one POST with the body, its length, Host and Connection: close, and reads a response with a length', async (t) => {
  const s = await serve(t, (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-UCloud-Request-UUID: abc\r\nVia: a\r\nVia: b\r\nContent-Length: 13\r\n\r\n{"RetCode":0}'));
  const r = await httpTransport(s.url(), init());
  assert.equal(r.status, 200);
  assert.equal(r.ok, true);
  assert.equal(r.statusText, 'OK');
  assert.equal(await r.text(), '{"RetCode":0}');
  assert.equal(r.headers.get('x-ucloud-request-uuid'), 'abc');
  assert.equal(r.headers.get('Via'), 'a, b');
  assert.equal(r.headers.get('missing'), null);
  const port = new URL(s.url()).port;
  assert.equal(s.requests[0], `POST /?Action=x HTTP/1.1\r\nContent-Type: application/json\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`);
});

test('reads a chunked body split across packets, multi-byte characters cut in two included', async (t) => {
  const text = '{"Message":"镜像加速"}';
  const bytes = Buffer.from(text);
  const s = await serve(t, (socket) => {
    const chunk = (b: Buffer): string => `${b.length.toString(16)}\r\n${b.toString('latin1')}\r\n`;
    const wire = Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(bytes.subarray(0, 13))}${chunk(bytes.subarray(13))}0\r\n\r\n`, 'latin1');
    // Each byte in a packet of its own.
    void trickle(socket, [...wire].map((b) => Buffer.from([b]))).then(() => socket.end());
  });
  const r = await httpTransport(s.url(), init());
  assert.equal(await r.text(), text);
});

test('reads a body that ends with the connection, and an error status with an HTML page', async (t) => {
  const s = await serve(t, (socket) => socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<html>bad gateway</html>'));
  const r = await httpTransport(s.url(), init());
  assert.equal(r.status, 502);
  assert.equal(r.ok, false);
  assert.equal(await r.text(), '<html>bad gateway</html>');
});

test('an interim 100 Continue is skipped for the answer that follows', async (t) => {
  const s = await serve(t, (socket) => socket.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'));
  const r = await httpTransport(s.url(), init());
  assert.equal(r.status, 200);
  assert.equal(await r.text(), '{}');
});

test('a response cut short is a network error the client treats as possibly processed (ECONNRESET), never a short body', async (t) => {
  for (const wire of ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"RetCode"', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"Ret', 'HTTP/1.1 200 OK\r\nContent-', '']) {
    const s = await serve(t, (socket) => socket.end(wire));
    await assert.rejects(httpTransport(s.url(), init()), (err: Error) => {
      assert.equal(err.message, 'fetch failed');
      assert.equal((err.cause as { code?: string }).code, 'ECONNRESET', JSON.stringify(wire));
      return true;
    });
  }
});

test('a connection reset by the server, and an answer that is not HTTP, are network errors', async (t) => {
  const reset = await serve(t, (socket) => socket.resetAndDestroy());
  const garbage = await serve(t, (socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
  await assert.rejects(httpTransport(reset.url(), init()), (err: Error) => err.message === 'fetch failed' && (err.cause as { code?: string }).code === 'ECONNRESET');
  await assert.rejects(httpTransport(garbage.url(), init()), (err: Error) => err.message === 'fetch failed' && err.cause instanceof Error);
});

test('a refused connection carries its code (certainly not sent); a bad URL or header is refused before connecting', async (t) => {
  const s = await serve(t, () => undefined);
  const url = s.url();
  await s.close();
  await assert.rejects(httpTransport(url, init()), (err: Error) => err.message === 'fetch failed' && (err.cause as { code?: string }).code === 'ECONNREFUSED');
  await assert.rejects(httpTransport('ftp://127.0.0.1/', init()), /fetch failed/);
  // A header value cannot smuggle in another header or a second request.
  await assert.rejects(httpTransport(url, { ...init(), headers: { 'X-Evil': 'a\r\nHost: elsewhere' } }), /invalid character in the value of the "X-Evil" header/);
});

test('gives up when the signal aborts: a timeout rejects with its TimeoutError, an abort before sending sends nothing', async (t) => {
  const s = await serve(t, () => undefined);
  await assert.rejects(httpTransport(s.url(), init(AbortSignal.timeout(100))), (err: Error) => err.name === 'TimeoutError');
  const stopped = new AbortController();
  stopped.abort(new Error('interrupted'));
  await assert.rejects(httpTransport(s.url(), init(stopped.signal)), /interrupted/);
  assert.equal(s.requests.length, 1);
});

test('https: the certificate is checked against the CA store and the name; a trusted one carries the request', async (t) => {
  const now = Date.now();
  const ca = createCa(now, 3_600_000);
  const tlsServer = (names: readonly string[]) => {
    const { cert, key } = createServingCert(ca, names, now, 3_600_000);
    return serve(t, (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'), (handler) => createTlsServer({ cert, key }, handler));
  };
  const right = await tlsServer(['127.0.0.1']);
  const wrongName = await tlsServer(['api.uimgacc.invalid']);
  const store = getCACertificates('default');
  t.after(() => setDefaultCACertificates(store));
  const code = (err: Error): string => String((err.cause as { code?: string } | undefined)?.code);
  // Not trusted (yet): refused before anything is sent, with a code the client counts as certainly not sent.
  await assert.rejects(httpTransport(right.url('https'), init()), (err: Error) => /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code(err)));
  setDefaultCACertificates([...store, ca.caCert]);
  const r = await httpTransport(right.url('https'), init());
  assert.equal(await r.text(), '{}');
  await assert.rejects(httpTransport(wrongName.url('https'), init()), (err: Error) => code(err) === 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.equal(right.requests.length, 1);
  assert.equal(wrongName.requests.length, 0);
});
