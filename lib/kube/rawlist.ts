import type { RequestOptions } from 'node:http';
import { RequestTimeoutError, type KubeAccess } from './access.ts';
import { t } from '../i18n/index.ts';

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

export interface RawRequest {
  readonly method?: 'GET' | 'PATCH' | 'PUT' | 'POST';
  /** Query parameters added to the path's own. */
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly contentType?: string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * One request to the apiserver of the effective context, with its credentials and --request-timeout; the answer as
 * raw JSON text. client-node's typed layer is skipped on purpose: scans read a handful of fields from tens of
 * thousands of objects, and writes must not round-trip objects through models that drop fields they do not know.
 * A non-2xx answer is a KubeApiError; a connection failure reads like fetch's (`fetch failed`, with the cause).
 */
export async function rawRequest(kube: KubeAccess, path: string, init: RawRequest = {}): Promise<string> {
  const kc = await kube.kubeConfig();
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(t('cli.kube.noServer'));
  const url = new URL(server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string | string[]> = { Accept: 'application/json', ...kube.impersonationHeaders() };
  if (init.body !== undefined) {
    headers['Content-Type'] = init.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(init.body));
  }
  const opts: RequestOptions & { headers: Record<string, string | string[]> } = { method: init.method ?? 'GET', headers };
  await kc.applyToHTTPSOptions(opts);
  // Imported on use: commands that never reach the cluster do not load it.
  const { request } = url.protocol === 'http:' ? await import('node:http') : await import('node:https');
  const timeoutMs = kube.requestTimeoutMs;
  return new Promise((resolve, reject) => {
    const req = request(url, { ...opts, signal: init.signal }, (res) => {
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
    // The server travels with the error, so that every message can name it as kubectl does.
    req.on('error', (err) => reject(Object.assign(new TypeError('fetch failed'), { cause: err, server: url.host })));
    req.end(init.body);
  });
}

/** Lists a collection page by page (`limit` + `continue`): only one page is in memory at a time. */
export async function* listPages<T>(kube: KubeAccess, path: string, pageSize = 500, signal?: AbortSignal): AsyncGenerator<ListPage<T>> {
  let token: string | undefined;
  do {
    const query: Record<string, string> = { limit: String(pageSize) };
    if (token) query['continue'] = token;
    const list = JSON.parse(await rawRequest(kube, path, { query, signal })) as { items?: T[]; metadata?: { continue?: string } };
    token = list.metadata?.continue || undefined;
    yield { items: list.items ?? [] };
  } while (token);
}

/** GETs one object as raw JSON; undefined when it does not exist. */
export async function getObject<T>(kube: KubeAccess, path: string, signal?: AbortSignal): Promise<T | undefined> {
  try {
    return JSON.parse(await rawRequest(kube, path, { signal })) as T;
  } catch (err) {
    if (err instanceof KubeApiError && err.code === 404) return undefined;
    throw err;
  }
}
