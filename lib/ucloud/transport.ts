// One UCloud API request over node:http/https, answering like fetch does for what UCloudClient reads. Node's fetch is
// undici, which is loaded and compiled (with its WebAssembly HTTP parser and web streams) on the first call of every
// process: `--cpu-prof` of `status` shows it as the largest part of the command after start-up. A CLI sends one or two
// requests per run, so the plain HTTP client is both enough and much cheaper.
import type { IncomingMessage } from 'node:http';

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

/**
 * Rejects as fetch does: with the signal's reason when it aborts (a DOMException TimeoutError for
 * AbortSignal.timeout), else with TypeError('fetch failed') whose cause is the network error (code ECONNREFUSED…).
 */
export const httpTransport: Transport = async (url, init) => {
  const { request } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise<TransportResponse>((resolve, reject) => {
    const signal = init.signal;
    if (signal.aborted) return reject(signal.reason);
    const req = request(url, { method: init.method, headers: { ...init.headers, 'Content-Length': String(Buffer.byteLength(init.body)) } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        signal.removeEventListener('abort', onAbort);
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          ok: status >= 200 && status < 300,
          status,
          statusText: res.statusMessage ?? '',
          headers: { get: (name) => { const v = res.headers[name.toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v; } },
          text: () => Promise.resolve(text),
        });
      });
    });
    function fail(err: Error): void {
      signal.removeEventListener('abort', onAbort);
      reject(signal.aborted ? signal.reason : Object.assign(new TypeError('fetch failed'), { cause: err }));
    }
    function onAbort(): void {
      req.destroy();
      reject(signal.reason);
    }
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.end(init.body);
  });
};
