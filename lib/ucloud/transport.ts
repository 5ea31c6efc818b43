// One UCloud API request: HTTP/1.1 over node:net or node:tls, the response read by http-parser-js, answering like
// fetch does for what UCloudClient reads. A command line sends one request at a time, a few per run, and needs none
// of the machinery of Node's own clients: node:http compiles its agent, client, server and message modules at the
// first request of every process — measured, up to a sixth of the single executable's `status`
// (bench/results/startup.md) — and fetch (undici, with its WebAssembly parser and web streams) costs more still.
import { HTTPParser } from 'http-parser-js';

export interface TransportInit {
  readonly method: 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal;
}

/** The part of fetch's Response that UCloudClient reads; fetch itself fits. */
export interface TransportResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export type Transport = (url: string, init: TransportInit) => Promise<TransportResponse>;

/** A network error as fetch reports it: TypeError('fetch failed') whose cause carries the system's code. */
function fetchFailed(cause: Error): TypeError {
  return Object.assign(new TypeError('fetch failed'), { cause });
}

/**
 * Rejects as fetch does: with the signal's reason when it aborts (a DOMException TimeoutError for
 * AbortSignal.timeout), else with TypeError('fetch failed') whose cause is the network error (code ECONNREFUSED…).
 * A connection that ends before the whole response arrived is such an error (ECONNRESET): the request may have been
 * processed, as with any other failure after sending.
 */
export const httpTransport: Transport = async (url, init) => {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw fetchFailed(new Error(`unsupported protocol ${target.protocol}`));
  const secure = target.protocol === 'https:';
  const headers = Object.entries({ ...init.headers, Host: target.host, 'Content-Length': String(Buffer.byteLength(init.body)), Connection: 'close' });
  // As node:http does: a line break in a header would end it and start another.
  const broken = headers.find(([name, value]) => /[\r\n]/.test(name) || /[\r\n]/.test(value));
  if (broken) throw new TypeError(`invalid character in the value of the ${JSON.stringify(broken[0])} header`);
  const { signal } = init;
  if (signal.aborted) throw signal.reason;
  // Loaded here, as node:http was: commands that never call UCloud do not pay for them.
  const net = await import('node:net');
  const tls = secure ? await import('node:tls') : undefined;
  // An IPv6 literal keeps its brackets in the Host header only.
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port || (secure ? 443 : 80));
  return new Promise<TransportResponse>((resolve, reject) => {
    // Certificates are checked against Node's CA store (and NODE_EXTRA_CA_CERTS), the name by SNI, as node:https does.
    const socket = tls ? tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined }) : net.connect({ host, port });
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    let response: { status: number; statusText: string; headers: readonly string[] } | undefined;
    let chunks: Buffer[] = [];
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      return true;
    };
    const fail = (err: Error): void => {
      if (settle()) reject(signal.aborted ? signal.reason : fetchFailed(err));
    };
    function onAbort(): void {
      if (settle()) reject(signal.reason);
    }
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      response = { status: info.statusCode, statusText: info.statusMessage, headers: info.headers };
      chunks = [];
    };
    parser[HTTPParser.kOnBody] = (chunk, offset, length) => void chunks.push(chunk.subarray(offset, offset + length));
    parser[HTTPParser.kOnMessageComplete] = () => {
      // An interim answer (100 Continue, 103 Early Hints) is followed by the real one on the same connection.
      if (!response || (response.status >= 100 && response.status < 200)) return;
      const { status, statusText, headers } = response;
      const text = Buffer.concat(chunks).toString('utf8');
      if (!settle()) return;
      resolve({
        ok: status >= 200 && status < 300,
        status,
        statusText,
        headers: { get: (name) => headerValue(headers, name) },
        text: () => Promise.resolve(text),
      });
    };
    socket.on('data', (data: Buffer) => {
      const result = parser.execute(data);
      if (result instanceof Error) fail(result);
    });
    // The end of a body sent without a length is the end of the connection.
    const cutShort = (): void => fail(Object.assign(new Error('the connection closed before the whole response arrived'), { code: 'ECONNRESET' }));
    socket.on('end', () => {
      if (parser.finish() instanceof Error || !settled) cutShort();
    });
    socket.on('error', fail);
    socket.on('close', cutShort);
    signal.addEventListener('abort', onAbort, { once: true });
    const head = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`${init.method} ${target.pathname}${target.search} HTTP/1.1\r\n${head}\r\n${init.body}`);
  });
};

/** A response header's value (http-parser-js gives [name, value, name, value…]); repeated ones joined as fetch does. */
function headerValue(headers: readonly string[], name: string): string | null {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) if (headers[i]?.toLowerCase() === wanted) values.push(headers[i + 1] ?? '');
  return values.length === 0 ? null : values.join(', ');
}
