import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { NodeInfo } from './affinity.ts';
import { t } from './i18n/index.ts';
import type { KubeAccess } from './kube/access.ts';
import { KubeApiError, listPages, rawRequest } from './kube/rawlist.ts';

interface RawNode {
  metadata?: { name?: string; labels?: Record<string, string>; resourceVersion?: string };
  status?: { conditions?: { type?: string; status?: string }[] };
  spec?: { unschedulable?: boolean };
}

export function nodeInfoOf(node: RawNode): NodeInfo {
  return {
    name: node.metadata?.name ?? '',
    labels: { ...(node.metadata?.labels ?? {}) },
    ready: (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  };
}

/** Every Node with its labels and Ready condition, page by page (clusters can have thousands of nodes). */
export async function listNodes(kube: KubeAccess, signal?: AbortSignal): Promise<NodeInfo[]> {
  const out: NodeInfo[] = [];
  for await (const page of listPages<RawNode>(kube, '/api/v1/nodes', 500, signal)) {
    for (const node of page.items) out.push(nodeInfoOf(node));
  }
  return out;
}

/** What a NodeWatcher reports through its callbacks and `stats`, for logs and metrics. */
export interface NodeWatchStats {
  /** Requests sent to the apiserver, by kind. */
  lists: number;
  watches: number;
  /** Full relists forced by 410 Gone (resourceVersion too old). */
  relists: number;
}

export interface NodeWatchOptions {
  readonly kube: KubeAccess;
  /** Label selectors watched (each `key=true`); a node is known while it matches any of them. */
  readonly selectors: readonly string[];
  /** Called after the first list of every selector, and then on every change. */
  readonly onChange: (nodes: readonly NodeInfo[]) => void;
  readonly onError?: ((selector: string, err: unknown) => void) | undefined;
  /** Each list request (per page) is aborted after this long. */
  readonly requestTimeoutMs?: number | undefined;
  /** The apiserver ends a watch after this long (timeoutSeconds); the watch is then resumed from the last version. */
  readonly watchSeconds?: number | undefined;
  /** Pause after a failed request before the next attempt. */
  readonly retryDelayMs?: number | undefined;
}

interface WatchEvent {
  type?: string;
  object?: RawNode & { code?: number; reason?: string; message?: string };
}

class GoneError extends Error {}

/**
 * Watches Nodes carrying an acceleration label instead of listing every Node each poll: one list per selector, then
 * a watch that resumes from the last resourceVersion (bookmarks keep it fresh) and relists only when the apiserver
 * answers 410 Gone. The cost follows changes to labelled Nodes, not polls × Nodes. A label-selected watch reports a
 * Node whose label was removed as DELETED, so the set stays exact.
 */
export class NodeWatcher {
  readonly stats: NodeWatchStats = { lists: 0, watches: 0, relists: 0 };
  readonly #opts: NodeWatchOptions;
  readonly #bySelector = new Map<string, Map<string, NodeInfo>>();
  readonly #abort = new AbortController();
  #synced = new Set<string>();

  constructor(opts: NodeWatchOptions) {
    this.#opts = opts;
  }

  /** Every selector has been listed once. */
  get synced(): boolean {
    return this.#synced.size === this.#opts.selectors.length;
  }

  nodes(): NodeInfo[] {
    const all = new Map<string, NodeInfo>();
    for (const m of this.#bySelector.values()) for (const [name, n] of m) all.set(name, n);
    return [...all.values()];
  }

  start(): void {
    for (const selector of this.#opts.selectors) void this.#run(selector);
  }

  stop(): void {
    this.#abort.abort();
  }

  #emit(): void {
    if (this.synced) this.#opts.onChange(this.nodes());
  }

  async #run(selector: string): Promise<void> {
    const signal = this.#abort.signal;
    let version: string | undefined;
    let gone = 0;
    const pause = (): Promise<void> =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#opts.retryDelayMs ?? 2000);
        timer.unref();
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    while (!signal.aborted) {
      try {
        if (version === undefined) version = await this.#list(selector);
        version = await this.#watch(selector, version);
        gone = 0;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof GoneError) {
          // Relist at once; if the fresh version is already gone again, back off instead of hammering the apiserver.
          this.stats.relists++;
          version = undefined;
          if (++gone > 1) await pause();
          continue;
        }
        this.#opts.onError?.(selector, err);
        await pause();
      }
    }
  }

  async #list(selector: string): Promise<string> {
    const found = new Map<string, NodeInfo>();
    let token: string | undefined;
    let version = '';
    do {
      const query: Record<string, string> = { labelSelector: selector, limit: '500' };
      if (token) query['continue'] = token;
      this.stats.lists++;
      const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#opts.requestTimeoutMs ?? 10_000)]);
      const list = JSON.parse(await rawRequest(this.#opts.kube, '/api/v1/nodes', { query, signal })) as { items?: RawNode[]; metadata?: { continue?: string; resourceVersion?: string } };
      for (const n of list.items ?? []) {
        const info = nodeInfoOf(n);
        found.set(info.name, info);
      }
      token = list.metadata?.continue || undefined;
      version = list.metadata?.resourceVersion ?? version;
    } while (token);
    this.#bySelector.set(selector, found);
    this.#synced.add(selector);
    this.#emit();
    return version;
  }

  /** One watch request; resolves with the last resourceVersion seen when the apiserver ends it. */
  async #watch(selector: string, since: string): Promise<string> {
    const kc = await this.#opts.kube.kubeConfig();
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error(t('workload.nodes.noServer'));
    const seconds = this.#opts.watchSeconds ?? 300;
    const url = new URL(server.replace(/\/+$/, '') + '/api/v1/nodes');
    url.searchParams.set('watch', '1');
    url.searchParams.set('labelSelector', selector);
    url.searchParams.set('resourceVersion', since);
    url.searchParams.set('allowWatchBookmarks', 'true');
    url.searchParams.set('timeoutSeconds', String(seconds));
    const opts: RequestOptions & { headers: Record<string, string | string[]> } = { method: 'GET', headers: { Accept: 'application/json', ...this.#opts.kube.impersonationHeaders() } };
    await kc.applyToHTTPSOptions(opts);
    this.stats.watches++;
    const nodes = this.#bySelector.get(selector) ?? new Map<string, NodeInfo>();
    let version = since;
    // The apiserver closes the watch after timeoutSeconds; a connection that goes silent for longer is dead.
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout((seconds + 30) * 1000)]);
    const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<string>((resolve, reject) => {
      const req = request(url, { ...opts, signal }, (res) => {
        if ((res.statusCode ?? 0) === 410) {
          res.resume();
          reject(new GoneError());
          return;
        }
        if ((res.statusCode ?? 0) !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => reject(new KubeApiError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (!line.trim()) continue;
            let event: WatchEvent;
            try {
              event = JSON.parse(line) as WatchEvent;
            } catch {
              continue;
            }
            const obj = event.object;
            if (event.type === 'ERROR') {
              req.destroy();
              reject(obj?.code === 410 ? new GoneError() : new KubeApiError(obj?.code ?? 500, JSON.stringify(obj ?? {})));
              return;
            }
            version = obj?.metadata?.resourceVersion ?? version;
            if (event.type === 'BOOKMARK' || !obj) continue;
            const info = nodeInfoOf(obj);
            const before = nodes.get(info.name);
            if (event.type === 'DELETED') nodes.delete(info.name);
            else nodes.set(info.name, info);
            // Status heartbeats change neither labels nor readiness: only real changes are reported.
            if (event.type === 'DELETED' || !before || before.ready !== info.ready || JSON.stringify(before.labels) !== JSON.stringify(info.labels)) this.#emit();
          }
        });
        res.on('end', () => resolve(version));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }
}
