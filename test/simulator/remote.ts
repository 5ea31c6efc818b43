// Drives a simulator running in another process (`npm run simulator`, the sandbox) through its /_sim/ admin API, with
// the same operations as the in-process Simulator object, only asynchronous.
import { ADMIN_PREFIX, type Fault, type LoggedRequest, type SimClusterPatch, type SimClusterState } from './server.ts';

export interface RemoteSimulator {
  readonly url: string;
  addFault(fault: Fault | readonly Fault[]): Promise<void>;
  clearFaults(): Promise<void>;
  pendingFaults(): Promise<Fault[]>;
  requests(): Promise<LoggedRequest[]>;
  clearRequests(): Promise<void>;
  cluster(clusterId: string): Promise<SimClusterState>;
  clusters(): Promise<Record<string, SimClusterState>>;
  setCluster(clusterId: string, patch: SimClusterPatch): Promise<SimClusterState>;
  reset(): Promise<void>;
}

/** `url` is the simulator's base URL, as printed by test/simulator/main.ts. */
export function remoteSimulator(url: string): RemoteSimulator {
  const base = url.replace(/\/+$/, '');
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${ADMIN_PREFIX}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`simulator admin ${method} ${path}: HTTP ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    url: base,
    addFault: async (fault) => {
      await call('POST', '/faults', fault);
    },
    clearFaults: async () => {
      await call('DELETE', '/faults');
    },
    pendingFaults: () => call('GET', '/faults'),
    requests: () => call('GET', '/requests'),
    clearRequests: async () => {
      await call('DELETE', '/requests');
    },
    cluster: (id) => call('GET', `/clusters/${encodeURIComponent(id)}`),
    clusters: () => call('GET', '/clusters'),
    setCluster: (id, patch) => call('POST', `/clusters/${encodeURIComponent(id)}`, patch),
    reset: async () => {
      await call('POST', '/reset');
    },
  };
}
