import type { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { effectiveKubeconfigYaml, impersonationOf, loadKubeconfig, serverOf, type Impersonation, type KubeFlags, type LoadedKubeconfig } from './kubeconfig.ts';
import { parseDuration } from '../duration.ts';
import { invalid } from '../errors.ts';
import { t, tEnglish } from '../i18n/index.ts';

/** kubectl's --request-timeout: a duration, or a bare number of seconds; 0 means no limit. */
export function parseRequestTimeout(value: string | undefined): number {
  if (value === undefined || value === '' || value === '0') return 0;
  try {
    return /^\d+$/.test(value) ? Number(value) * 1000 : parseDuration(value);
  } catch {
    throw invalid(t('cli.kube.invalidRequestTimeout', { value }));
  }
}

export class RequestTimeoutError extends Error {
  // Read by describeKubeError, which words it like kubectl's connection errors, in the language asked for (the
  // message itself stays English: it may reach `-o json` output).
  readonly code = 'UND_ERR_REQUEST_TIMEOUT';
  readonly ms: number;
  constructor(ms: number) {
    super(tEnglish('cli.kube.requestTimeout', { seconds: ms / 1000 }));
    this.ms = ms;
    this.name = 'RequestTimeoutError';
  }
}

/**
 * Lazy access to the cluster: nothing is read or loaded (not even client-node, which is slow to import) until a
 * command actually needs Kubernetes, so `status` with flags/env alone works without a reachable cluster.
 */
export class KubeAccess {
  readonly flags: KubeFlags;
  readonly #env: NodeJS.ProcessEnv;
  #loaded: LoadedKubeconfig | undefined;
  #kc: Promise<KubeConfig> | undefined;

  /** Per request; 0 = none. */
  readonly requestTimeoutMs: number;

  constructor(flags: KubeFlags, env: NodeJS.ProcessEnv) {
    this.flags = flags;
    this.#env = env;
    this.requestTimeoutMs = parseRequestTimeout(flags.requestTimeout);
  }

  /** Applies --request-timeout to one call made through client-node's typed APIs. */
  timed<T>(call: Promise<T>): Promise<T> {
    const ms = this.requestTimeoutMs;
    if (!ms) return call;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestTimeoutError(ms)), ms);
    });
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }

  get loaded(): LoadedKubeconfig {
    this.#loaded ??= loadKubeconfig(this.flags, this.#env);
    return this.#loaded;
  }

  get namespace(): string {
    return this.inCluster() ? (this.flags.namespace ?? 'default') : this.loaded.namespace;
  }

  /** kubectl falls back to the Pod's service account when no kubeconfig exists and it runs inside a cluster. */
  inCluster(): boolean {
    return !this.flags.kubeconfig && !this.flags.server && Boolean(this.#env['KUBERNETES_SERVICE_HOST']) && this.loaded.files.length === 0;
  }

  /** Who every request impersonates (--as, --as-group, --as-uid, or the kubeconfig user's `as…` fields). */
  impersonation(): Impersonation {
    if (this.inCluster()) return { user: this.flags.as, groups: [...(this.flags.asGroups ?? [])], uid: this.flags.asUid };
    return impersonationOf(this.loaded);
  }

  /** The impersonation headers, one line per group as the apiserver expects. */
  impersonationHeaders(): Record<string, string | string[]> {
    const imp = this.impersonation();
    if (!imp.user) return {};
    return { 'Impersonate-User': imp.user, ...(imp.groups.length ? { 'Impersonate-Group': [...imp.groups] } : {}), ...(imp.uid ? { 'Impersonate-Uid': imp.uid } : {}) };
  }

  kubeConfig(): Promise<KubeConfig> {
    this.#kc ??= (async () => {
      // A missing or broken kubeconfig fails here, before paying for client-node's import.
      const yaml = this.inCluster() ? undefined : effectiveKubeconfigYaml(this.loaded);
      const headers = this.impersonationHeaders();
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      if (yaml === undefined) kc.loadFromCluster();
      else kc.loadFromString(yaml);
      if (Object.keys(headers).length) {
        // Every command talks through rawRequest (lib/kube/rawlist.ts), which sends one Impersonate-Group line per
        // group. client-node's typed calls (core(), apps(), batch()) take one value per header name: a comma-joined
        // list would impersonate one wrong group, so they refuse several groups instead of guessing.
        const apply = kc.applySecurityAuthentication.bind(kc);
        kc.applySecurityAuthentication = async (context) => {
          await apply(context);
          for (const [k, v] of Object.entries(headers)) {
            if (Array.isArray(v) && v.length > 1) throw new Error('internal: a typed client-node call cannot impersonate several groups; use rawRequest');
            context.setHeaderParam(k, Array.isArray(v) ? v.join(',') : v);
          }
        };
      }
      return kc;
    })();
    return this.#kc;
  }

  /** The API server URL of the effective context (after --server), for error messages; undefined when unknown. */
  serverUrl(): string | undefined {
    if (this.flags.server) return this.flags.server;
    return this.#loaded ? serverOf(this.#loaded) : undefined;
  }

  async core(): Promise<CoreV1Api> {
    const kc = await this.kubeConfig();
    const k8s = await import('@kubernetes/client-node');
    return kc.makeApiClient(k8s.CoreV1Api);
  }

  async apps(): Promise<AppsV1Api> {
    const kc = await this.kubeConfig();
    const k8s = await import('@kubernetes/client-node');
    return kc.makeApiClient(k8s.AppsV1Api);
  }

  async batch(): Promise<BatchV1Api> {
    const kc = await this.kubeConfig();
    const k8s = await import('@kubernetes/client-node');
    return kc.makeApiClient(k8s.BatchV1Api);
  }

  /** The ConfigMap's data, or undefined when it does not exist. Other errors propagate. */
  async readConfigMap(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    // Raw, like every other read: impersonation headers and connection errors that name the server.
    const { getObject } = await import('./rawlist.ts');
    const cm = await getObject<{ data?: Record<string, string> }>(this, `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`);
    return cm ? { ...(cm.data ?? {}) } : undefined;
  }

  /** The Secret's data, decoded, or undefined when it does not exist. Other errors propagate. */
  async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const { getObject } = await import('./rawlist.ts');
    const secret = await getObject<{ data?: Record<string, string>; stringData?: Record<string, string> }>(this, `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`);
    if (!secret) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
    for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
    return out;
  }
}
