import type { AccelerationApi, AccelerationState } from '../lib/ucloud/acceleration.ts';
import { chooseAccelerationLabel, ACCELERATION_LABEL, type NodeInfo } from '../lib/affinity.ts';
import type { KubeAccess } from '../lib/kube/access.ts';
import { listPages } from '../lib/kube/rawlist.ts';
import { describeKubeError } from '../lib/kube/errors.ts';
import { snapshotOf, type AccelerationSnapshot } from './admission.ts';
import type { Log } from './log.ts';

export interface CacheOptions {
  readonly api: AccelerationApi;
  readonly kube?: KubeAccess | undefined;
  readonly intervalMs: number;
  readonly labelOverride?: string | undefined;
  readonly log: Log;
  readonly onApiError?: (() => void) | undefined;
}

interface Listed {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: { conditions?: { type?: string; status?: string }[] };
}

/**
 * Everything the webhook needs, refreshed in the background so that the request path never waits on UCloud or the
 * kube API. When UCloud fails, the last good list stays in use; when UCloud hides the list (an operation running,
 * agent not ready), the previous list is "unknown", not "none", so Pods keep getting the affinity.
 */
export class AccelerationCache {
  snapshot: AccelerationSnapshot = snapshotOf([], false, ACCELERATION_LABEL);
  lastSuccess: number | undefined;
  lastError: string | undefined;
  lastState: AccelerationState | undefined;
  readonly #opts: CacheOptions;
  #images: AccelerationState['images'] = [];
  #rewritable = false;
  #namespaces = new Map<string, Readonly<Record<string, string>>>();
  #label: string;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: CacheOptions) {
    this.#opts = opts;
    this.#label = opts.labelOverride ?? ACCELERATION_LABEL;
  }

  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined {
    return this.#namespaces.get(namespace);
  }

  /** Age of the accelerations list in seconds, or -1 before the first success. */
  ageSeconds(now = Date.now()): number {
    return this.lastSuccess === undefined ? -1 : (now - this.lastSuccess) / 1000;
  }

  async refresh(): Promise<void> {
    await Promise.all([this.#refreshAccelerations(), this.#refreshCluster()]);
  }

  async #refreshAccelerations(): Promise<void> {
    let state: AccelerationState;
    try {
      state = await this.#opts.api.get();
    } catch (err) {
      this.lastError = (err as Error).message;
      this.#opts.onApiError?.();
      this.#opts.log.warn('UCloud API failed; keeping the last good list', { error: this.lastError, ageSeconds: this.ageSeconds() });
      return;
    }
    this.lastState = state;
    this.lastError = undefined;
    this.lastSuccess = Date.now();
    let rewritable: boolean;
    if (!state.enabled) {
      this.#images = [];
      rewritable = false;
    } else if (state.imagesKnown) {
      this.#images = state.images;
      rewritable = true;
    } else {
      // The list is hidden, not empty. Keep it for the affinity; rewrite only while another create runs, and never
      // once a delete has started: the target being deleted must not gain new users.
      rewritable = state.status === 'Creating' && state.agentReady;
    }
    this.#rewritable = rewritable;
    this.#publish();
  }

  async #refreshCluster(): Promise<void> {
    const kube = this.#opts.kube;
    if (!kube) return;
    try {
      const nodes: NodeInfo[] = [];
      for await (const page of listPages<Listed>(kube, '/api/v1/nodes')) {
        for (const n of page.items) {
          nodes.push({ name: n.metadata?.name ?? '', labels: n.metadata?.labels ?? {}, ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') });
        }
      }
      this.#label = chooseAccelerationLabel(nodes, this.#opts.labelOverride).label;
      const namespaces = new Map<string, Readonly<Record<string, string>>>();
      for await (const page of listPages<Listed>(kube, '/api/v1/namespaces')) {
        for (const ns of page.items) if (ns.metadata?.name) namespaces.set(ns.metadata.name, ns.metadata.labels ?? {});
      }
      this.#namespaces = namespaces;
    } catch (err) {
      this.#opts.log.warn('could not list nodes or namespaces; keeping the previous ones', { error: describeKubeError(err) });
    }
    this.#publish();
  }

  #publish(): void {
    // One immutable object swapped in whole: requests see either the old snapshot or the new one, never a mix.
    this.snapshot = snapshotOf(this.#images, this.#rewritable, this.#label);
  }

  start(): void {
    const tick = (): void => {
      this.refresh()
        .catch((err: unknown) => this.#opts.log.error('refresh failed', { error: String(err) }))
        .finally(() => {
          this.#timer = setTimeout(tick, this.#opts.intervalMs);
          this.#timer.unref();
        });
    };
    tick();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
  }
}
