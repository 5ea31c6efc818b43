import type { AcceleratedImage, AccelerationApi, AccelerationState, AccelerationStatus } from '../lib/ucloud/acceleration.ts';
import { ACCELERATION_LABELS, detectAccelerationLabels, type LabelDetection, type NodeInfo } from '../lib/affinity.ts';
import type { KubeAccess } from '../lib/kube/access.ts';
import { listNodes, NodeWatcher, type NodeWatchStats } from '../lib/nodes.ts';
import { describeKubeError } from '../lib/kube/errors.ts';
import { snapshotOf, type AccelerationSnapshot } from './admission.ts';
import type { Log } from './log.ts';

export interface CacheOptions {
  readonly api: Pick<AccelerationApi, 'get'>;
  /** Nodes are watched to report which acceleration labels the cluster's nodes carry; without it nothing is reported. */
  readonly kube?: KubeAccess | undefined;
  /** Watch labelled Nodes (default) instead of listing every Node on every poll. */
  readonly nodeWatch?: boolean | undefined;
  readonly intervalMs: number;
  /** Used instead of intervalMs while an operation runs or the agent starts, so its end is seen soon. */
  readonly busyIntervalMs?: number | undefined;
  /**
   * Rewriting stops when the last successful read is older than this: a delete may have started meanwhile. The
   * affinity keeps being added from the last good list (harmless if it is stale). Enforced per request.
   */
  readonly maxRewriteStalenessMs?: number | undefined;
  /** One GetUK8SImageAccelerate (retries included) is given up after this long: a hung call cannot freeze the cache. */
  readonly ucloudTimeoutMs?: number | undefined;
  /** Each Kubernetes request of the cache is aborted after this long. */
  readonly kubeTimeoutMs?: number | undefined;
  readonly labelOverride?: string | undefined;
  readonly log: Log;
  readonly onApiError?: (() => void) | undefined;
  readonly now?: (() => number) | undefined;
}

/** What the nodes carry, as last seen; kept when no node carries a label any more (pool scaled to zero). */
export interface NodeLabelStatus {
  /** The nodes have been read at least once. */
  readonly synced: boolean;
  readonly detection: LabelDetection | undefined;
  /** No node carries an acceleration label right now: `detection` is the last answer that found some. */
  readonly lastKnown: boolean;
  readonly lastError: string | undefined;
}

/** Why the cache holds what it holds: for /readyz, metrics and logs. */
export interface CacheStatus {
  /** The list has been seen at least once (or acceleration is off, which makes "none" certain). */
  readonly known: boolean;
  /** A snapshot was built from a finished UCloud read attempt (successful or not). */
  readonly published: boolean;
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
  /** Pods using a target image must land on a node with one of these labels (=true). */
  readonly labels: readonly string[];
  readonly labelSource: 'flag' | 'both spellings';
  readonly nodes: NodeLabelStatus;
}

class TimeoutError extends Error {}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no answer within ${ms / 1000}s`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
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
  readonly #labels: readonly string[];
  #images: readonly AcceleratedImage[] = [];
  #known = false;
  #published = false;
  #hidden = false;
  #rewritable = false;
  #state: AccelerationState | undefined;
  #ucloudOk: boolean | undefined;
  #lastError: string | undefined;
  #nodes: { synced: boolean; detection: LabelDetection | undefined; lastKnown: boolean; lastError: string | undefined } = { synced: false, detection: undefined, lastKnown: false, lastError: undefined };
  #nodeSummary = '';
  #watcher: NodeWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #summary = '';

  constructor(opts: CacheOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    // Both spellings unless one is forced: a Pod may land on any accelerated node, and never on another.
    this.#labels = opts.labelOverride ? [opts.labelOverride] : ACCELERATION_LABELS;
    this.snapshot = snapshotOf([], { rewritable: false, labels: this.#labels });
  }

  /** Age of the accelerations list in seconds, or -1 before the first success. */
  ageSeconds(now = this.#now()): number {
    return this.lastSuccess === undefined ? -1 : (now - this.lastSuccess) / 1000;
  }

  /** Requests the node watch (or the polls) sent to the apiserver. */
  get nodeWatchStats(): NodeWatchStats | undefined {
    return this.#watcher?.stats;
  }

  status(): CacheStatus {
    const s = this.snapshot;
    return {
      known: this.#known,
      published: this.#published,
      hidden: this.#hidden,
      rewritable: s.rewrites.size > 0 && (s.rewriteUntil === undefined || this.#now() <= s.rewriteUntil),
      ucloudOk: this.#ucloudOk,
      lastError: this.#lastError,
      status: this.#state?.status,
      enabled: this.#state?.enabled,
      targets: s.targets.size,
      labels: this.#labels,
      labelSource: this.#opts.labelOverride ? 'flag' : 'both spellings',
      nodes: { ...this.#nodes },
    };
  }

  async refresh(): Promise<void> {
    const polls = this.#opts.kube && this.#opts.nodeWatch === false ? this.#pollNodes() : Promise.resolve();
    await Promise.all([this.#refreshAccelerations(), polls]);
    this.#publish();
  }

  async #refreshAccelerations(): Promise<void> {
    let state: AccelerationState;
    try {
      state = await within(this.#opts.api.get(), this.#opts.ucloudTimeoutMs ?? 45_000, 'UCloud API GetUK8SImageAccelerate');
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

  /** Without the watch: every Node, every poll (the old way, kept for comparison and for clusters without watch). */
  async #pollNodes(): Promise<void> {
    const kube = this.#opts.kube;
    if (!kube) return;
    try {
      this.nodesSeen(await listNodes(kube, AbortSignal.timeout(this.#opts.kubeTimeoutMs ?? 10_000)));
    } catch (err) {
      this.#nodeError(err);
    }
  }

  #nodeError(err: unknown): void {
    const error = describeKubeError(err);
    if (error !== this.#nodes.lastError) this.#opts.log.warn('could not read the nodes; keeping what was known', { error });
    this.#nodes = { ...this.#nodes, lastError: error };
  }

  /** Records what the nodes carry. Public for the node watch (and tests); detection never changes the labels required. */
  nodesSeen(nodes: readonly NodeInfo[]): void {
    const d = detectAccelerationLabels(nodes, this.#opts.labelOverride || undefined);
    const previous = this.#nodes.detection;
    // A pool scaled to zero or being replaced says nothing about the spelling: keep the last answer that found nodes.
    const lastKnown = d.labelledNodes === 0 && previous !== undefined && previous.labelledNodes > 0;
    this.#nodes = { synced: true, detection: lastKnown ? previous : d, lastKnown, lastError: undefined };
    const summary = JSON.stringify([d.counts, d.excluded.length, lastKnown]);
    if (summary === this.#nodeSummary) return;
    this.#nodeSummary = summary;
    const fields = {
      required: d.labels,
      source: d.labels.length > 1 ? 'both spellings' : 'flag',
      nodes: Object.fromEntries(d.counts.map((c) => [c.label, { nodes: c.nodes, ready: c.readyNodes }])),
      ...(d.excluded.length ? { excluded: d.excluded.length, excludedNodes: d.excluded.slice(0, 10) } : {}),
      ...(lastKnown ? { lastKnown: Object.fromEntries(previous.counts.map((c) => [c.label, c.nodes])) } : {}),
    };
    if (d.excluded.length) this.#opts.log.warn('acceleration node labels: some accelerated nodes are excluded by nodeLabel', fields);
    else if (d.labelledNodes === 0) this.#opts.log.warn('acceleration node labels: no node carries one now', fields);
    else this.#opts.log.info('acceleration node labels', fields);
  }

  #publish(): void {
    const maxStale = this.#opts.maxRewriteStalenessMs ?? 5 * 60_000;
    // The deadline travels with the snapshot and is checked per request: a poll that hangs cannot extend it.
    const rewriteUntil = this.lastSuccess === undefined ? undefined : this.lastSuccess + maxStale;
    const rewritable = this.#rewritable && rewriteUntil !== undefined && this.#now() <= rewriteUntil;
    this.snapshot = snapshotOf(this.#images, { rewritable, labels: this.#labels, rewriteUntil });
    this.#published = true;
    const s = this.status();
    const summary = `${s.enabled}/${s.status}/${s.known}/${s.hidden}/${s.rewritable}/${s.targets}`;
    if (summary !== this.#summary) {
      this.#summary = summary;
      this.#opts.log.info('accelerations', { enabled: s.enabled, status: s.status, known: s.known, hidden: s.hidden, rewrite: s.rewritable, readyTargets: s.targets, labels: s.labels });
    }
  }

  #nextDelay(): number {
    const s = this.#state;
    const busy = s !== undefined && s.enabled && (s.status === 'Creating' || s.status === 'Deleting' || !s.agentReady);
    return busy ? Math.min(this.#opts.intervalMs, this.#opts.busyIntervalMs ?? 5000) : this.#opts.intervalMs;
  }

  start(): void {
    const kube = this.#opts.kube;
    if (kube && this.#opts.nodeWatch !== false) {
      const selectors = [...new Set([...ACCELERATION_LABELS, ...this.#labels])].map((l) => `${l}=true`);
      this.#watcher = new NodeWatcher({
        kube,
        selectors,
        requestTimeoutMs: this.#opts.kubeTimeoutMs,
        onChange: (nodes) => this.nodesSeen(nodes),
        onError: (_selector, err) => this.#nodeError(err),
      });
      this.#watcher.start();
    }
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
    this.#watcher?.stop();
    if (this.#timer) clearTimeout(this.#timer);
  }
}
