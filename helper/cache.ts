import type { AcceleratedImage, AccelerationApi, AccelerationState, AccelerationStatus } from '../lib/ucloud/acceleration.ts';
import { chooseAccelerationLabel, ACCELERATION_LABEL } from '../lib/affinity.ts';
import type { KubeAccess } from '../lib/kube/access.ts';
import { listNodes } from '../lib/nodes.ts';
import { describeKubeError } from '../lib/kube/errors.ts';
import { snapshotOf, type AccelerationSnapshot } from './admission.ts';
import type { Log } from './log.ts';

export interface CacheOptions {
  readonly api: Pick<AccelerationApi, 'get'>;
  /** Nodes are listed to detect which acceleration label the cluster uses; without it the label is the override or the default. */
  readonly kube?: KubeAccess | undefined;
  readonly intervalMs: number;
  /** Used instead of intervalMs while an operation runs or the agent starts, so its end is seen soon. */
  readonly busyIntervalMs?: number | undefined;
  /**
   * Rewriting stops when the last successful read is older than this: a delete may have started meanwhile. The
   * affinity keeps being added from the last good list (harmless if it is stale).
   */
  readonly maxRewriteStalenessMs?: number | undefined;
  readonly labelOverride?: string | undefined;
  readonly log: Log;
  readonly onApiError?: (() => void) | undefined;
  readonly now?: (() => number) | undefined;
}

/** Why the cache holds what it holds: for /readyz, metrics and logs. */
export interface CacheStatus {
  /** The list has been seen at least once (or acceleration is off, which makes "none" certain). */
  readonly known: boolean;
  /** UCloud hides the list right now (operation running, agent not ready): the last known list is in use. */
  readonly hidden: boolean;
  /** Original images may be rewritten to their targets right now. */
  readonly rewritable: boolean;
  /** Result of the last GetUK8SImageAccelerate; undefined before the first attempt ended. */
  readonly ucloudOk: boolean | undefined;
  readonly lastError: string | undefined;
  readonly status: AccelerationStatus | undefined;
  readonly enabled: boolean | undefined;
  readonly targets: number;
  readonly label: string;
  readonly labelSource: 'flag' | 'detected' | 'default';
}

/**
 * Everything the webhook needs, refreshed in the background so that the request path never waits on UCloud or the
 * kube API. When UCloud fails, the last good list stays in use; when UCloud hides the list (an operation running,
 * agent not ready), the previous list is "unknown", not "none", so Pods keep getting the affinity.
 */
export class AccelerationCache {
  /** One immutable object swapped in whole: a request sees either the old snapshot or the new one, never a mix. */
  snapshot: AccelerationSnapshot;
  lastSuccess: number | undefined;
  readonly #opts: CacheOptions;
  readonly #now: () => number;
  #images: readonly AcceleratedImage[] = [];
  #known = false;
  #hidden = false;
  #rewritable = false;
  #state: AccelerationState | undefined;
  #ucloudOk: boolean | undefined;
  #lastError: string | undefined;
  #label: string;
  #labelSource: CacheStatus['labelSource'];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #summary = '';

  constructor(opts: CacheOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#label = opts.labelOverride || ACCELERATION_LABEL;
    this.#labelSource = opts.labelOverride ? 'flag' : 'default';
    this.snapshot = snapshotOf([], false, this.#label);
  }

  /** Age of the accelerations list in seconds, or -1 before the first success. */
  ageSeconds(now = this.#now()): number {
    return this.lastSuccess === undefined ? -1 : (now - this.lastSuccess) / 1000;
  }

  status(): CacheStatus {
    return {
      known: this.#known,
      hidden: this.#hidden,
      rewritable: this.snapshot.rewrites.size > 0,
      ucloudOk: this.#ucloudOk,
      lastError: this.#lastError,
      status: this.#state?.status,
      enabled: this.#state?.enabled,
      targets: this.snapshot.targets.size,
      label: this.#label,
      labelSource: this.#labelSource,
    };
  }

  async refresh(): Promise<void> {
    await Promise.all([this.#refreshAccelerations(), this.#refreshNodes()]);
    this.#publish();
  }

  async #refreshAccelerations(): Promise<void> {
    let state: AccelerationState;
    try {
      state = await this.#opts.api.get();
    } catch (err) {
      this.#ucloudOk = false;
      this.#lastError = err instanceof Error ? err.message.split('\n')[0] : String(err);
      this.#opts.onApiError?.();
      this.#opts.log.warn('UCloud API failed; keeping the last good list', { error: this.#lastError, ageSeconds: this.ageSeconds() });
      return;
    }
    this.#state = state;
    this.#ucloudOk = true;
    this.#lastError = undefined;
    this.lastSuccess = this.#now();
    if (!state.enabled) {
      // Acceleration off: no target image can run anywhere, and that is certain.
      this.#images = [];
      this.#known = true;
      this.#hidden = false;
      this.#rewritable = false;
    } else if (state.imagesKnown) {
      this.#images = state.images;
      this.#known = true;
      this.#hidden = false;
      this.#rewritable = true;
    } else {
      // The list is hidden, not empty: keep the last one for the affinity. A create in progress leaves the Ready
      // accelerations usable (the new one is not in our list until it is Ready); once a delete has started, the
      // target being deleted must not gain users, and UCloud does not say which one it is, so rewriting stops.
      this.#hidden = true;
      this.#rewritable = state.status === 'Creating' && state.agentReady;
    }
  }

  async #refreshNodes(): Promise<void> {
    const kube = this.#opts.kube;
    if (!kube) return;
    try {
      const nodes = await listNodes(kube);
      const choice = chooseAccelerationLabel(nodes, this.#opts.labelOverride || undefined);
      if (choice.label !== this.#label) this.#opts.log.info('acceleration node label', { label: choice.label, source: choice.source, readyNodes: choice.readyNodes });
      this.#label = choice.label;
      this.#labelSource = choice.source;
    } catch (err) {
      this.#opts.log.warn('could not list nodes; keeping the acceleration label', { label: this.#label, error: describeKubeError(err) });
    }
  }

  #publish(): void {
    const maxStale = this.#opts.maxRewriteStalenessMs ?? 5 * 60_000;
    const fresh = this.lastSuccess !== undefined && this.#now() - this.lastSuccess <= maxStale;
    this.snapshot = snapshotOf(this.#images, this.#rewritable && fresh, this.#label);
    const s = this.status();
    const summary = `${s.enabled}/${s.status}/${s.known}/${s.hidden}/${s.rewritable}/${s.targets}/${s.label}`;
    if (summary !== this.#summary) {
      this.#summary = summary;
      this.#opts.log.info('accelerations', { enabled: s.enabled, status: s.status, known: s.known, hidden: s.hidden, rewrite: s.rewritable, readyTargets: s.targets, label: s.label });
    }
  }

  #nextDelay(): number {
    const s = this.#state;
    const busy = s !== undefined && s.enabled && (s.status === 'Creating' || s.status === 'Deleting' || !s.agentReady);
    return busy ? Math.min(this.#opts.intervalMs, this.#opts.busyIntervalMs ?? 5000) : this.#opts.intervalMs;
  }

  start(): void {
    const tick = (): void => {
      this.refresh()
        .catch((err: unknown) => this.#opts.log.error('refresh failed', { error: String(err) }))
        .finally(() => {
          if (this.#stopped) return;
          this.#timer = setTimeout(tick, this.#nextDelay());
          this.#timer.unref();
        });
    };
    tick();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }
}
