import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { RequestTimeoutError, type KubeAccess } from './access.ts';

/** An API error shaped like client-node's ApiException (code + raw Status body), so lib/kube/errors.ts reads it. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly body: string;
  constructor(code: number, body: string) {
    super(`HTTP ${code}`);
    this.name = 'KubeApiError';
    this.code = code;
    this.body = body;
  }
}

export interface ListPage<T> {
  readonly items: readonly T[];
}

/**
 * Lists a collection page by page (`limit` + `continue`) as raw JSON. Scans read a handful of fields from tens of
 * thousands of objects: skipping client-node's typed deserialisation is several times faster, and only one page is
 * in memory at a time.
 */
export async function* listPages<T>(kube: KubeAccess, path: string, pageSize = 500, signal?: AbortSignal): AsyncGenerator<ListPage<T>> {
  const kc = await kube.kubeConfig();
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig context has no cluster server');
  let token: string | undefined;
  do {
    const url = new URL(server.replace(/\/+$/, '') + path);
    url.searchParams.set('limit', String(pageSize));
    if (token) url.searchParams.set('continue', token);
    const opts: RequestOptions & { headers: Record<string, string> } = { method: 'GET', headers: { Accept: 'application/json' } };
    await kc.applyToHTTPSOptions(opts);
    const body = await get(url, opts, signal, kube.requestTimeoutMs);
    const list = JSON.parse(body) as { items?: T[]; metadata?: { continue?: string } };
    token = list.metadata?.continue || undefined;
    yield { items: list.items ?? [] };
  } while (token);
}

function get(url: URL, opts: RequestOptions, signal?: AbortSignal, timeoutMs = 0): Promise<string> {
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { ...opts, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) resolve(body);
        else reject(new KubeApiError(code, body));
      });
      res.on('error', reject);
    });
    if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new RequestTimeoutError(timeoutMs)));
    req.on('error', (err) => reject(Object.assign(new TypeError('fetch failed'), { cause: err })));
    req.end();
  });
}

/** GETs one object as raw JSON; undefined when it does not exist. */
export async function getObject<T>(kube: KubeAccess, path: string, signal?: AbortSignal): Promise<T | undefined> {
  const kc = await kube.kubeConfig();
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig context has no cluster server');
  const opts: RequestOptions & { headers: Record<string, string> } = { method: 'GET', headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  try {
    return JSON.parse(await get(new URL(server.replace(/\/+$/, '') + path), opts, signal, kube.requestTimeoutMs)) as T;
  } catch (err) {
    if (err instanceof KubeApiError && err.code === 404) return undefined;
    throw err;
  }
}
