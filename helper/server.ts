import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { review, type ReviewOutcome } from './admission.ts';
import type { AccelerationCache } from './cache.ts';
import type { Log } from './log.ts';

export interface ServerOptions {
  readonly port: number;
  readonly host?: string | undefined;
  readonly certFile: string;
  readonly keyFile: string;
  readonly cache: AccelerationCache;
  readonly log: Log;
  /** Before the first successful UCloud read, /readyz fails for this long, then reports ready with an empty cache. */
  readonly readyGraceMs?: number | undefined;
  readonly metrics: HelperMetrics;
  /** How often the certificate files are checked for changes. */
  readonly certPollMs?: number | undefined;
}

const MAX_BODY = 3 * 1024 * 1024;

export class HelperMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'uimgacc_admission_requests_total', help: 'AdmissionReview requests by result', labelNames: ['result'] as const, registers: [this.registry] });
  readonly mutations = new Counter({ name: 'uimgacc_mutations_total', help: 'Pods mutated, by kind of mutation', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly latency = new Histogram({ name: 'uimgacc_admission_duration_seconds', help: 'Time to answer an AdmissionReview', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1], registers: [this.registry] });
  readonly apiErrors = new Counter({ name: 'uimgacc_ucloud_api_errors_total', help: 'Failed GetUK8SImageAccelerate calls', registers: [this.registry] });
  readonly cacheAge = new Gauge({ name: 'uimgacc_cache_age_seconds', help: 'Age of the accelerations list (-1 before the first success)', registers: [this.registry] });
  readonly targets = new Gauge({ name: 'uimgacc_ready_targets', help: 'Target images the webhook adds the node affinity for', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The webhook's HTTPS server: /mutate, /healthz, /readyz, /metrics. Reloads its certificate when the files change. */
export async function startHelperServer(opts: ServerOptions): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const { cache, log, metrics } = opts;
  const started = Date.now();
  const loadTls = (): { cert: Buffer; key: Buffer } => ({ cert: readFileSync(opts.certFile), key: readFileSync(opts.keyFile) });

  const mutate = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const t0 = process.hrtime.bigint();
    let outcome: ReviewOutcome;
    try {
      const body = await readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      outcome = review(parsed, cache.snapshot, (ns) => cache.namespaceLabels(ns));
    } catch (err) {
      // Fail open: whatever went wrong, the Pod is admitted unchanged.
      log.error('admission failed; allowing unchanged', { error: String(err) });
      outcome = review(undefined, cache.snapshot, () => undefined);
    }
    send(res, 200, JSON.stringify(outcome.response));
    metrics.requests.inc({ result: outcome.mutations.length ? 'mutated' : outcome.skipped === 'malformed' ? 'malformed' : 'unchanged' });
    for (const m of outcome.mutations) metrics.mutations.inc({ kind: m });
    metrics.latency.observe(Number(process.hrtime.bigint() - t0) / 1e9);
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/mutate') {
      void mutate(req, res);
      return;
    }
    if (path === '/healthz') return send(res, 200, 'ok', 'text/plain');
    if (path === '/readyz') {
      const fresh = cache.lastSuccess !== undefined;
      const grace = Date.now() - started >= (opts.readyGraceMs ?? 60_000);
      const detail = fresh
        ? `ok: ${cache.snapshot.targets.size} Ready target image(s), list ${Math.round(cache.ageSeconds())}s old${cache.lastError ? `; last UCloud read failed: ${cache.lastError}` : ''}`
        : `no accelerations list yet${cache.lastError ? ` (${cache.lastError})` : ''}`;
      // After the grace period the webhook serves (fail-open with an empty cache) rather than keep the Service down.
      return send(res, fresh || grace ? 200 : 503, detail + '\n', 'text/plain');
    }
    if (path === '/metrics') {
      metrics.cacheAge.set(cache.ageSeconds());
      metrics.targets.set(cache.snapshot.targets.size);
      void metrics.registry.metrics().then((text) => send(res, 200, text, metrics.registry.contentType));
      return;
    }
    send(res, 404, 'not found\n', 'text/plain');
  };

  const server = createServer({ ...loadTls(), keepAlive: true }, handler);
  // Certificates rotate (cert-manager, Helm upgrades): pick up new files without a restart.
  const reload = (): void => {
    try {
      server.setSecureContext(loadTls());
      log.info('reloaded serving certificate', { certFile: opts.certFile });
    } catch (err) {
      log.error('could not reload serving certificate; keeping the old one', { error: String(err) });
    }
  };
  const interval = opts.certPollMs ?? 5000;
  watchFile(opts.certFile, { interval }, reload);
  watchFile(opts.keyFile, { interval }, reload);
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host ?? '0.0.0.0', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        unwatchFile(opts.certFile);
        unwatchFile(opts.keyFile);
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
