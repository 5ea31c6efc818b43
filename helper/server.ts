import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { createServer as createPlainServer, type IncomingMessage, type Server as PlainServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { describeLabels } from '../lib/affinity.ts';
import { internalError, review, uidOf, type AdmissionResponse, type ReviewOutcome } from './admission.ts';
import type { AccelerationCache } from './cache.ts';
import type { Log } from './log.ts';

/** The serving certificate and key (PEM); `onChange` is called when a new pair should be served. */
export interface TlsSource {
  current(): { cert: Buffer | string; key: Buffer | string };
  onChange(listener: () => void): void;
  close(): void;
}

/**
 * Certificate and key from files (a mounted Secret: cert-manager, an existing Secret), polled for changes. A key and
 * certificate that do not match (one file written before the other, or a bad rotation) keep the previous pair.
 */
export function fileTlsSource(certFile: string, keyFile: string, pollMs = 5000): TlsSource {
  const listeners: (() => void)[] = [];
  const changed = (): void => listeners.forEach((l) => l());
  watchFile(certFile, { interval: pollMs }, changed);
  watchFile(keyFile, { interval: pollMs }, changed);
  return {
    current: () => ({ cert: readFileSync(certFile), key: readFileSync(keyFile) }),
    onChange: (l) => void listeners.push(l),
    close: () => {
      unwatchFile(certFile);
      unwatchFile(keyFile);
    },
  };
}

export interface ServerOptions {
  readonly port: number;
  readonly host?: string | undefined;
  readonly tls: TlsSource;
  readonly cache: AccelerationCache;
  readonly log: Log;
  /** Before the accelerations list is known, /readyz fails for this long, then reports ready anyway (fail-open). */
  readonly readyGraceMs?: number | undefined;
  readonly metrics: HelperMetrics;
  /** Plain-HTTP port for /metrics (Prometheus conventions); undefined = no metrics server. 0 = any free port. */
  readonly metricsPort?: number | undefined;
  /**
   * On shutdown, how long to keep answering while /readyz fails, so that the endpoint is removed before the port
   * closes: a webhook call that cannot connect admits the Pod without the affinity.
   */
  readonly shutdownDelayMs?: number | undefined;
  /** Requests answered at once; beyond, requests are admitted unchanged without being reviewed (fail-open). */
  readonly maxInFlight?: number | undefined;
  /** Time allowed for the request headers, and for the whole request; the apiserver gives up after timeoutSeconds anyway. */
  readonly headersTimeoutMs?: number | undefined;
  readonly requestTimeoutMs?: number | undefined;
  /** Longer than the apiserver's idle connections (Go's 90 s), so the server never closes one the apiserver reuses. */
  readonly keepAliveTimeoutMs?: number | undefined;
  readonly now?: (() => number) | undefined;
}

/** The apiserver caps requests at 3 MiB; an AdmissionReview wraps one object (and the old one on UPDATE) plus a little. */
export const MAX_BODY = 8 * 1024 * 1024;
export const MUTATE_PATH = '/mutate';
/** Registered by the chart for namespaces labelled uimgacc.ucloud.cn/rewrite=enabled (the apiserver selects them). */
export const MUTATE_REWRITE_PATH = '/mutate/rewrite';

export class HelperMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'uimgacc_admission_requests_total', help: 'AdmissionReview requests by result (mutated, unchanged, skipped, malformed, unexpected, error, overloaded, too large)', labelNames: ['result'] as const, registers: [this.registry] });
  readonly mutations = new Counter({ name: 'uimgacc_mutations_total', help: 'Pods mutated, by kind of mutation (affinity, rewrite)', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly notices = new Counter({ name: 'uimgacc_admission_warnings_total', help: 'Requests answered with a warning, by reason (digest pinned, stale, placement not guaranteed, conflict)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly shed = new Counter({ name: 'uimgacc_admission_shed_total', help: 'Requests beyond the concurrency cap, admitted unchanged without review (fail-open)', registers: [this.registry] });
  readonly latency = new Histogram({ name: 'uimgacc_admission_duration_seconds', help: 'Time to answer an AdmissionReview, from the first byte of the request', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1], registers: [this.registry] });
  readonly apiErrors = new Counter({ name: 'uimgacc_ucloud_api_errors_total', help: 'Failed GetUK8SImageAccelerate reads', registers: [this.registry] });
  readonly cacheAge = new Gauge({ name: 'uimgacc_cache_age_seconds', help: 'Age of the accelerations list: time since the last successful UCloud read (-1 before the first)', registers: [this.registry] });
  readonly ucloudUp = new Gauge({ name: 'uimgacc_ucloud_up', help: '1 if the last UCloud read succeeded, 0 if it failed and the last good list is in use', registers: [this.registry] });
  readonly known = new Gauge({ name: 'uimgacc_accelerations_known', help: '1 once the accelerations list has been seen; 0 while it is unknown', registers: [this.registry] });
  readonly hidden = new Gauge({ name: 'uimgacc_accelerations_hidden', help: '1 while UCloud hides the list (operation running, agent not ready) and the last known list is in use', registers: [this.registry] });
  readonly rewrite = new Gauge({ name: 'uimgacc_rewrite_active', help: '1 while original images may be rewritten to target images', registers: [this.registry] });
  readonly targets = new Gauge({ name: 'uimgacc_ready_targets', help: 'Target images the webhook adds the node affinity for', registers: [this.registry] });
  readonly labelledNodes = new Gauge({ name: 'uimgacc_accelerated_nodes', help: 'Nodes carrying an acceleration label (=true), by label spelling and readiness (last known when none carries one now)', labelNames: ['label', 'ready'] as const, registers: [this.registry] });
  readonly requiredLabel = new Gauge({ name: 'uimgacc_required_node_label', help: '1 for each node label (=true) a Pod using a target image may be placed by (one of them)', labelNames: ['label'] as const, registers: [this.registry] });
  readonly excludedNodes = new Gauge({ name: 'uimgacc_excluded_accelerated_nodes', help: 'Nodes carrying an acceleration spelling that nodeLabel does not admit', registers: [this.registry] });
  readonly kubeRequests = new Gauge({ name: 'uimgacc_node_requests', help: 'Requests the node watch sent to the apiserver since start, by kind (list, watch, relist)', labelNames: ['kind'] as const, registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

/** Body too large: Content-Length said so, or more bytes arrived than allowed. */
class TooLarge extends Error {}

/** The body; rejects with TooLarge as soon as it exceeds MAX_BODY (nothing more is read). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > MAX_BODY) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > MAX_BODY) {
        req.off('data', onData);
        req.pause();
        reject(new TooLarge());
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json', close = false): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...(close ? { Connection: 'close' } : {}) });
  res.end(body);
}

function resultOf(o: ReviewOutcome): string {
  if (o.mutations.length) return 'mutated';
  if (o.skipped === 'opted out' || o.skipped === 'mirror pod') return 'skipped';
  return o.skipped ?? 'unchanged';
}

/** The answer to a request beyond the concurrency cap: admitted unchanged, the user told why. */
function overloaded(body: unknown): AdmissionResponse {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: uidOf(body), allowed: true, warnings: ['uimgacc: the helper is overloaded; the Pod was admitted unchanged (no acceleration node affinity)'] },
  };
}

export interface HelperServer {
  readonly server: Server;
  readonly port: number;
  /** The plain-HTTP metrics server, when one was asked for. */
  readonly metricsServer: PlainServer | undefined;
  readonly metricsPort: number | undefined;
  /** Fails /readyz, keeps answering for shutdownDelayMs, then stops accepting and waits for in-flight requests. */
  close(): Promise<void>;
}

function listen(server: PlainServer | Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * The webhook's HTTPS server (/mutate, /mutate/rewrite, /healthz, /readyz) and, on its own plain-HTTP port, /metrics.
 * Serves the certificate its TlsSource holds, switching when the source says it changed.
 */
export async function startHelperServer(opts: ServerOptions): Promise<HelperServer> {
  const { cache, log, metrics } = opts;
  const now = opts.now ?? Date.now;
  const started = now();
  let draining = false;
  let inFlight = 0;
  const maxInFlight = opts.maxInFlight ?? 64;

  const mutate = async (req: IncomingMessage, res: ServerResponse, namespaceRewrite: boolean): Promise<void> => {
    const t0 = process.hrtime.bigint();
    const shed = inFlight >= maxInFlight;
    inFlight++;
    let outcome: ReviewOutcome | undefined;
    let parsed: unknown;
    try {
      const body = await readBody(req);
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      if (shed) {
        // Fail-open beats queueing: the apiserver's call times out after timeoutSeconds and admits the Pod anyway.
        metrics.shed.inc();
        metrics.requests.inc({ result: 'overloaded' });
        if (!res.destroyed) send(res, 200, JSON.stringify(overloaded(parsed)), 'application/json', draining);
        return;
      }
      outcome = review(parsed, cache.snapshot, { namespaceRewrite, now: now() });
    } catch (err) {
      if (err instanceof TooLarge) {
        // Answered at once and the connection closed: reading (or draining) the rest would let a client hold us.
        metrics.requests.inc({ result: 'too large' });
        log.warn('request body too large; refused', { limit: MAX_BODY, contentLength: req.headers['content-length'] });
        res.writeHead(413, { 'Content-Type': 'text/plain', Connection: 'close' });
        res.end(`request body larger than ${MAX_BODY} bytes\n`, () => req.socket.destroy());
        return;
      }
      // Fail open: whatever went wrong, the Pod is admitted unchanged (with the request's uid when we have it).
      outcome = internalError(parsed, err);
    } finally {
      inFlight--;
    }
    // While draining, kept-alive connections are closed so that the apiserver reconnects to a replica that stays.
    if (!res.destroyed) send(res, 200, JSON.stringify(outcome.response), 'application/json', draining);
    metrics.latency.observe(Number(process.hrtime.bigint() - t0) / 1e9);
    metrics.requests.inc({ result: resultOf(outcome) });
    for (const m of outcome.mutations) metrics.mutations.inc({ kind: m });
    for (const n of outcome.notices ?? []) metrics.notices.inc({ reason: n });
    // Only what changed something or went wrong is logged: one line per admitted Pod would drown the rest.
    const warnings = outcome.response.response.warnings;
    if (outcome.mutations.length) {
      log.info('mutated', { uid: outcome.response.response.uid, namespace: outcome.namespace, pod: outcome.pod, dryRun: outcome.dryRun, mutations: outcome.mutations, rewritten: outcome.rewritten, labels: cache.snapshot.labels, warnings });
    } else if (outcome.skipped === 'malformed' || outcome.skipped === 'unexpected' || outcome.skipped === 'error') {
      log.warn('allowed unchanged', { uid: outcome.response.response.uid, reason: outcome.skipped, error: outcome.error, warnings });
    } else if (outcome.notices?.length) {
      log.info('allowed with a warning', { uid: outcome.response.response.uid, namespace: outcome.namespace, pod: outcome.pod, notices: outcome.notices, warnings });
    }
  };

  const readiness = (verbose: boolean): { ok: boolean; detail: string } => {
    const s = cache.status();
    if (draining) return { ok: false, detail: 'shutting down' };
    const parts: string[] = [];
    if (!s.published) parts.push('no snapshot yet: the first UCloud read has not finished');
    else if (!s.known) parts.push(s.hidden ? `accelerations list unknown: UCloud hides it while ${s.status === 'Creating' || s.status === 'Deleting' ? s.status : 'the agent is not ready'}` : 'no accelerations list yet');
    else parts.push(`${s.targets} Ready target image(s), list ${Math.round(cache.ageSeconds())}s old`);
    if (s.known && s.hidden) parts.push(`UCloud hides the list (${s.status}): using the last known one`);
    if (s.ucloudOk === false) parts.push(`last UCloud read failed, using the last good list: ${s.lastError ?? ''}`);
    parts.push(`rewrite ${s.rewritable ? 'on' : 'off'}`, `node label ${describeLabels(s.labels)} (${s.labelSource})`);
    // Ready only once a snapshot is published; then, after the grace period, the webhook serves (fail-open, maybe
    // with an empty list) rather than keep the Service down while UCloud is unreachable.
    const ok = s.published && (s.known || now() - started >= (opts.readyGraceMs ?? 60_000));
    let detail = `${ok ? 'ok' : 'not ready'}: ${parts.join('; ')}`;
    if (verbose) detail += `\n${nodeDetail(s)}`;
    return { ok, detail };
  };

  const updateGauges = (): void => {
    const s = cache.status();
    metrics.cacheAge.set(cache.ageSeconds());
    metrics.ucloudUp.set(s.ucloudOk === false ? 0 : 1);
    metrics.known.set(s.known ? 1 : 0);
    metrics.hidden.set(s.hidden ? 1 : 0);
    metrics.rewrite.set(s.rewritable ? 1 : 0);
    metrics.targets.set(s.targets);
    metrics.requiredLabel.reset();
    for (const l of s.labels) metrics.requiredLabel.set({ label: l }, 1);
    const d = s.nodes.detection;
    if (d) {
      metrics.labelledNodes.reset();
      for (const c of d.counts) {
        metrics.labelledNodes.set({ label: c.label, ready: 'true' }, c.readyNodes);
        metrics.labelledNodes.set({ label: c.label, ready: 'false' }, c.nodes - c.readyNodes);
      }
      metrics.excludedNodes.set(d.excluded.length);
    }
    const w = cache.nodeWatchStats;
    if (w) {
      metrics.kubeRequests.set({ kind: 'list' }, w.lists);
      metrics.kubeRequests.set({ kind: 'watch' }, w.watches);
      metrics.kubeRequests.set({ kind: 'relist' }, w.relists);
    }
  };

  const pathOf = (req: IncomingMessage): { path: string; query: URLSearchParams } => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    return { path: q < 0 ? url : url.slice(0, q), query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)) };
  };

  const health = (path: string, query: URLSearchParams, res: ServerResponse): boolean => {
    if (path === '/healthz' || path === '/livez') {
      send(res, 200, 'ok\n', 'text/plain');
      return true;
    }
    if (path === '/readyz') {
      const r = readiness(query.has('verbose'));
      send(res, r.ok ? 200 : 503, r.detail + '\n', 'text/plain');
      return true;
    }
    return false;
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const { path, query } = pathOf(req);
    if (path === MUTATE_PATH || path === MUTATE_REWRITE_PATH) {
      if (req.method !== 'POST') return send(res, 405, 'use POST\n', 'text/plain');
      void mutate(req, res, path === MUTATE_REWRITE_PATH);
      return;
    }
    if (health(path, query, res)) return;
    send(res, 404, 'not found\n', 'text/plain');
  };

  const metricsHandler = (req: IncomingMessage, res: ServerResponse): void => {
    const { path, query } = pathOf(req);
    if (path === '/metrics') {
      updateGauges();
      metrics.registry.metrics().then(
        (text) => send(res, 200, text, metrics.registry.contentType),
        (err: unknown) => send(res, 500, `${String(err)}\n`, 'text/plain'),
      );
      return;
    }
    if (health(path, query, res)) return;
    send(res, 404, 'not found\n', 'text/plain');
  };

  const server = createServer(
    {
      ...opts.tls.current(),
      keepAlive: true,
      headersTimeout: opts.headersTimeoutMs ?? 5000,
      requestTimeout: opts.requestTimeoutMs ?? 10_000,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 120_000,
      // How often the header and request timeouts are checked (Node's default, 30 s, would let a slow client hold
      // a connection far longer than requestTimeout).
      connectionsCheckingInterval: 1000,
    },
    handler,
  );
  opts.tls.onChange(() => {
    try {
      // Validates first: a key that does not match the certificate throws here and the previous pair stays.
      const pair = opts.tls.current();
      createSecureContext(pair);
      server.setSecureContext(pair);
      log.info('reloaded serving certificate');
    } catch (err) {
      log.warn('could not load the serving certificate; keeping the previous one', { error: err instanceof Error ? err.message : String(err) });
    }
  });
  // A slow or stalled client is cut off (headers/request timeouts above); an idle TLS handshake too.
  server.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
  const host = opts.host ?? '0.0.0.0';
  const port = await listen(server, opts.port, host);
  let metricsServer: PlainServer | undefined;
  let metricsPort: number | undefined;
  if (opts.metricsPort !== undefined) {
    metricsServer = createPlainServer({ headersTimeout: 5000, requestTimeout: 10_000 }, metricsHandler);
    metricsPort = await listen(metricsServer, opts.metricsPort, host);
  }
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    metricsServer,
    metricsPort,
    close: () =>
      (closing ??= (async () => {
        draining = true;
        opts.tls.close();
        const wait = opts.shutdownDelayMs ?? 5000;
        if (wait > 0) await delay(wait);
        await Promise.all([
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
          new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve())),
        ]);
      })()),
  };
}

/** /readyz?verbose: what the nodes carry and what Pods are required to carry. */
function nodeDetail(s: ReturnType<AccelerationCache['status']>): string {
  const n = s.nodes;
  const lines = [`required node label: ${describeLabels(s.labels)} (${s.labelSource})`];
  if (!n.synced) lines.push(`nodes: not read yet${n.lastError ? ` (${n.lastError})` : ''}`);
  const d = n.detection;
  if (d) {
    for (const c of d.counts) lines.push(`nodes with ${c.label}=true: ${c.nodes} (${c.readyNodes} Ready)${n.lastKnown ? ' [last known: no node carries an acceleration label now]' : ''}`);
    if (d.excluded.length) lines.push(`excluded by nodeLabel: ${d.excluded.length} node(s) carrying another spelling (${d.excluded.slice(0, 10).join(', ')})`);
  }
  if (n.lastError) lines.push(`last node read failed: ${n.lastError}`);
  return lines.join('\n');
}
