import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { internalError, review, type ReviewOutcome } from './admission.ts';
import type { AccelerationCache } from './cache.ts';
import type { Log } from './log.ts';

export interface ServerOptions {
  readonly port: number;
  readonly host?: string | undefined;
  readonly certFile: string;
  readonly keyFile: string;
  readonly cache: AccelerationCache;
  readonly log: Log;
  /** Before the accelerations list is known, /readyz fails for this long, then reports ready anyway (fail-open). */
  readonly readyGraceMs?: number | undefined;
  readonly metrics: HelperMetrics;
  /** How often the certificate files are checked for changes. */
  readonly certPollMs?: number | undefined;
  /**
   * On shutdown, how long to keep answering while /readyz fails, so that the endpoint is removed before the port
   * closes: a webhook call that cannot connect admits the Pod without the affinity.
   */
  readonly shutdownDelayMs?: number | undefined;
}

/** The apiserver caps requests at 3 MiB; an AdmissionReview wraps one object plus a little. */
const MAX_BODY = 8 * 1024 * 1024;
export const MUTATE_PATH = '/mutate';
/** Registered by the chart for namespaces labelled uimgacc.ucloud.cn/rewrite=enabled (the apiserver selects them). */
export const MUTATE_REWRITE_PATH = '/mutate/rewrite';

export class HelperMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'uimgacc_admission_requests_total', help: 'AdmissionReview requests by result (mutated, unchanged, skipped, malformed, unexpected, error)', labelNames: ['result'] as const, registers: [this.registry] });
  readonly mutations = new Counter({ name: 'uimgacc_mutations_total', help: 'Pods mutated, by kind of mutation (affinity, rewrite)', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly latency = new Histogram({ name: 'uimgacc_admission_duration_seconds', help: 'Time to answer an AdmissionReview, from the first byte of the request', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1], registers: [this.registry] });
  readonly apiErrors = new Counter({ name: 'uimgacc_ucloud_api_errors_total', help: 'Failed GetUK8SImageAccelerate reads', registers: [this.registry] });
  readonly cacheAge = new Gauge({ name: 'uimgacc_cache_age_seconds', help: 'Age of the accelerations list: time since the last successful UCloud read (-1 before the first)', registers: [this.registry] });
  readonly ucloudUp = new Gauge({ name: 'uimgacc_ucloud_up', help: '1 if the last UCloud read succeeded, 0 if it failed and the last good list is in use', registers: [this.registry] });
  readonly known = new Gauge({ name: 'uimgacc_accelerations_known', help: '1 once the accelerations list has been seen; 0 while it is unknown', registers: [this.registry] });
  readonly hidden = new Gauge({ name: 'uimgacc_accelerations_hidden', help: '1 while UCloud hides the list (operation running, agent not ready) and the last known list is in use', registers: [this.registry] });
  readonly rewrite = new Gauge({ name: 'uimgacc_rewrite_active', help: '1 while original images may be rewritten to target images', registers: [this.registry] });
  readonly targets = new Gauge({ name: 'uimgacc_ready_targets', help: 'Target images the webhook adds the node affinity for', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

/** The body, or undefined when it is too large (the rest is drained so the connection stays usable). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size <= MAX_BODY ? Buffer.concat(chunks).toString('utf8') : undefined));
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

export interface HelperServer {
  readonly server: Server;
  readonly port: number;
  /** Fails /readyz, keeps answering for shutdownDelayMs, then stops accepting and waits for in-flight requests. */
  close(): Promise<void>;
}

/** The webhook's HTTPS server: /mutate, /healthz, /readyz, /metrics. Reloads its certificate when the files change. */
export async function startHelperServer(opts: ServerOptions): Promise<HelperServer> {
  const { cache, log, metrics } = opts;
  const started = Date.now();
  let draining = false;
  const loadTls = (): { cert: Buffer; key: Buffer } => ({ cert: readFileSync(opts.certFile), key: readFileSync(opts.keyFile) });

  const mutate = async (req: IncomingMessage, res: ServerResponse, namespaceRewrite: boolean): Promise<void> => {
    const t0 = process.hrtime.bigint();
    let outcome: ReviewOutcome;
    let parsed: unknown;
    try {
      const body = await readBody(req);
      if (body === undefined) throw new Error(`request body larger than ${MAX_BODY} bytes`);
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      outcome = review(parsed, cache.snapshot, { namespaceRewrite });
    } catch (err) {
      // Fail open: whatever went wrong, the Pod is admitted unchanged (with the request's uid when we have it).
      outcome = internalError(parsed, err);
    }
    // While draining, kept-alive connections are closed so that the apiserver reconnects to a replica that stays.
    if (!res.destroyed) send(res, 200, JSON.stringify(outcome.response), 'application/json', draining);
    metrics.latency.observe(Number(process.hrtime.bigint() - t0) / 1e9);
    metrics.requests.inc({ result: resultOf(outcome) });
    for (const m of outcome.mutations) metrics.mutations.inc({ kind: m });
    // Only what changed something or went wrong is logged: one line per admitted Pod would drown the rest.
    if (outcome.mutations.length) {
      log.info('mutated', { uid: outcome.response.response.uid, namespace: outcome.namespace, pod: outcome.pod, dryRun: outcome.dryRun, mutations: outcome.mutations, rewritten: outcome.rewritten, label: cache.snapshot.label, warnings: outcome.response.response.warnings });
    } else if (outcome.skipped === 'malformed' || outcome.skipped === 'unexpected' || outcome.skipped === 'error') {
      log.warn('allowed unchanged', { uid: outcome.response.response.uid, reason: outcome.skipped, error: outcome.error, warnings: outcome.response.response.warnings });
    }
  };

  const readiness = (): { ok: boolean; detail: string } => {
    const s = cache.status();
    if (draining) return { ok: false, detail: 'shutting down' };
    const parts: string[] = [];
    if (!s.known) parts.push(s.hidden ? `accelerations list unknown: UCloud hides it while ${s.status === 'Creating' || s.status === 'Deleting' ? s.status : 'the agent is not ready'}` : 'no accelerations list yet');
    else parts.push(`${s.targets} Ready target image(s), list ${Math.round(cache.ageSeconds())}s old`);
    if (s.known && s.hidden) parts.push(`UCloud hides the list (${s.status}): using the last known one`);
    if (s.ucloudOk === false) parts.push(`last UCloud read failed, using the last good list: ${s.lastError ?? ''}`);
    parts.push(`rewrite ${s.rewritable ? 'on' : 'off'}`, `node label ${s.label} (${s.labelSource})`);
    // After the grace period the webhook serves (fail-open, maybe with an empty list) rather than keep the Service down.
    const ok = s.known || Date.now() - started >= (opts.readyGraceMs ?? 60_000);
    return { ok, detail: `${ok ? 'ok' : 'not ready'}: ${parts.join('; ')}` };
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === MUTATE_PATH || path === MUTATE_REWRITE_PATH) {
      if (req.method !== 'POST') return send(res, 405, 'use POST\n', 'text/plain');
      void mutate(req, res, path === MUTATE_REWRITE_PATH);
      return;
    }
    if (path === '/healthz') return send(res, 200, 'ok\n', 'text/plain');
    if (path === '/readyz') {
      const r = readiness();
      return send(res, r.ok ? 200 : 503, r.detail + '\n', 'text/plain');
    }
    if (path === '/metrics') {
      const s = cache.status();
      metrics.cacheAge.set(cache.ageSeconds());
      metrics.ucloudUp.set(s.ucloudOk === false ? 0 : 1);
      metrics.known.set(s.known ? 1 : 0);
      metrics.hidden.set(s.hidden ? 1 : 0);
      metrics.rewrite.set(s.rewritable ? 1 : 0);
      metrics.targets.set(s.targets);
      metrics.registry.metrics().then(
        (text) => send(res, 200, text, metrics.registry.contentType),
        (err: unknown) => send(res, 500, `${String(err)}\n`, 'text/plain'),
      );
      return;
    }
    send(res, 404, 'not found\n', 'text/plain');
  };

  const server = createServer({ ...loadTls(), keepAlive: true }, handler);
  // Certificates rotate (cert-manager, Helm upgrades, kubelet updating the Secret volume): pick up new files without
  // a restart. A key and certificate that do not match yet (one file written before the other) keep the old pair.
  const reload = (): void => {
    try {
      server.setSecureContext(loadTls());
      log.info('reloaded serving certificate', { certFile: opts.certFile });
    } catch (err) {
      log.warn('could not load the serving certificate; keeping the previous one', { error: err instanceof Error ? err.message : String(err) });
    }
  };
  const interval = opts.certPollMs ?? 5000;
  watchFile(opts.certFile, { interval }, reload);
  watchFile(opts.keyFile, { interval }, reload);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    close: () =>
      (closing ??= (async () => {
        draining = true;
        unwatchFile(opts.certFile);
        unwatchFile(opts.keyFile);
        const wait = opts.shutdownDelayMs ?? 5000;
        if (wait > 0) await delay(wait);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
      })()),
  };
}
