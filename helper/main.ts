// The in-cluster helper: a fail-open mutating admission webhook that places Pods using Ready target images on
// accelerated nodes and, for Pods or namespaces that opt in, rewrites original images to target images.
import { parseArgs } from 'node:util';
import { KubeAccess } from '../lib/kube/access.ts';
import { ConfigResolver } from '../lib/config/resolve.ts';
import { UK8S_CONFIGMAP_KEYS } from '../lib/config/secret.ts';
import { INTERNAL_API_BASE_URL, UCloudClient } from '../lib/ucloud/client.ts';
import { AccelerationApi } from '../lib/ucloud/acceleration.ts';
import { parseDuration } from '../lib/duration.ts';
import { PLUGIN_VERSION } from '../lib/version.ts';
import { AccelerationCache } from './cache.ts';
import { jsonLog } from './log.ts';
import { fileTlsSource, HelperMetrics, startHelperServer, type TlsSource } from './server.ts';
import { ManagedCertificates } from './certs.ts';
import { checkClusterIdentity, describeMismatch } from '../lib/config/identity.ts';

const USAGE = `uimgacc-helper: fail-open admission webhook for UCloud UK8S image acceleration

Options (each also read from the environment variable in brackets):
  --port N                    HTTPS port for admission and health (8443) [UIMGACC_PORT]
  --metrics-port N            plain-HTTP port for /metrics (9090; 0 = any free port, -1 = none) [UIMGACC_METRICS_PORT]
  --tls-secret NAME           manage the certificate: keep a CA and a serving certificate in this Secret of --namespace,
                              renew the serving certificate before it expires (same CA) and write the CA into
                              --webhook-config's caBundle [UIMGACC_TLS_SECRET]
  --namespace NS              the helper's namespace [POD_NAMESPACE]
  --service NAME              the Service the certificate names [UIMGACC_SERVICE]
  --webhook-config NAME       this helper's MutatingWebhookConfiguration [UIMGACC_WEBHOOK_CONFIG]
  --cert-extra-names LIST     more DNS names or IPs for the managed certificate, comma-separated (a webhook called by URL)
                              [UIMGACC_CERT_EXTRA_NAMES]
  --cert-validity D           validity of each managed serving certificate (8760h) [UIMGACC_CERT_VALIDITY]
  --cert-renew-before D       renew when less than this is left (a third of --cert-validity) [UIMGACC_CERT_RENEW_BEFORE]
  --cert-check-interval D     how often the Secret and caBundle are checked (1m) [UIMGACC_CERT_CHECK_INTERVAL]
  --cert-file, --key-file     without --tls-secret: serving certificate and key files (cert-manager, an existing
                              Secret), reloaded when they change (/etc/uimgacc/tls/tls.{crt,key})
                              [UIMGACC_TLS_CERT, UIMGACC_TLS_KEY]
  --poll-interval D           how often GetUK8SImageAccelerate is read (30s) [UIMGACC_POLL_INTERVAL]
  --node-label L              require only this node label (=true); empty = either spelling,
                              node.uk8s.ucloud.cn/image_accel or node.uk8s.ucloud.cn/uimgacc [UIMGACC_NODE_LABEL]
  --node-watch BOOL           watch labelled Nodes (true) or list every Node on every poll (false) [UIMGACC_NODE_WATCH]
  --max-in-flight N           requests reviewed at once; beyond, admitted unchanged (64) [UIMGACC_MAX_IN_FLIGHT]
  --max-rewrite-staleness D   stop rewriting when UCloud has not answered for this long (5m)
                              [UIMGACC_MAX_REWRITE_STALENESS]
  --ready-grace D             /readyz waits this long for the accelerations list, then serves anyway (60s); never
                              before the first UCloud read has finished [UIMGACC_READY_GRACE]
  --shutdown-delay D          on SIGTERM, keep answering this long while /readyz fails (5s) [UIMGACC_SHUTDOWN_DELAY]
  --cert-reload-interval D    how often the certificate files are checked (5s) [UIMGACC_CERT_RELOAD_INTERVAL]
  --kubeconfig FILE           outside a cluster only [UIMGACC_KUBECONFIG]
UCloud: UCLOUD_PUBLIC_KEY, UCLOUD_PRIVATE_KEY, UCLOUD_UK8S_CLUSTER_ID, UCLOUD_REGION, UCLOUD_PROJECT_ID,
UCLOUD_API_BASE_URL (cluster, region, project and endpoint default to ConfigMap kube-system/uk8sconfig).
`;

const env = process.env;
const log = jsonLog();
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: env['UIMGACC_PORT'] ?? '8443' },
      'metrics-port': { type: 'string', default: env['UIMGACC_METRICS_PORT'] ?? '9090' },
      'node-watch': { type: 'string', default: env['UIMGACC_NODE_WATCH'] ?? 'true' },
      'max-in-flight': { type: 'string', default: env['UIMGACC_MAX_IN_FLIGHT'] ?? '64' },
      'tls-secret': { type: 'string', default: env['UIMGACC_TLS_SECRET'] ?? '' },
      namespace: { type: 'string', default: env['POD_NAMESPACE'] ?? '' },
      service: { type: 'string', default: env['UIMGACC_SERVICE'] ?? '' },
      'webhook-config': { type: 'string', default: env['UIMGACC_WEBHOOK_CONFIG'] ?? '' },
      'cert-validity': { type: 'string', default: env['UIMGACC_CERT_VALIDITY'] ?? '8760h' },
      'cert-extra-names': { type: 'string', default: env['UIMGACC_CERT_EXTRA_NAMES'] ?? '' },
      'cert-renew-before': { type: 'string', default: env['UIMGACC_CERT_RENEW_BEFORE'] ?? '' },
      'cert-check-interval': { type: 'string', default: env['UIMGACC_CERT_CHECK_INTERVAL'] ?? '1m' },
      'cert-file': { type: 'string', default: env['UIMGACC_TLS_CERT'] ?? '/etc/uimgacc/tls/tls.crt' },
      'key-file': { type: 'string', default: env['UIMGACC_TLS_KEY'] ?? '/etc/uimgacc/tls/tls.key' },
      'poll-interval': { type: 'string', default: env['UIMGACC_POLL_INTERVAL'] ?? '30s' },
      'node-label': { type: 'string', default: env['UIMGACC_NODE_LABEL'] ?? '' },
      'max-rewrite-staleness': { type: 'string', default: env['UIMGACC_MAX_REWRITE_STALENESS'] ?? '5m' },
      kubeconfig: { type: 'string', default: env['UIMGACC_KUBECONFIG'] },
      'ready-grace': { type: 'string', default: env['UIMGACC_READY_GRACE'] ?? '60s' },
      'shutdown-delay': { type: 'string', default: env['UIMGACC_SHUTDOWN_DELAY'] ?? '5s' },
      'cert-reload-interval': { type: 'string', default: env['UIMGACC_CERT_RELOAD_INTERVAL'] ?? '5s' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (values.version) {
  process.stdout.write(`uimgacc-helper ${PLUGIN_VERSION}\n`);
  process.exit(0);
}

function portOf(name: string, value: string, allowNone = false): number | undefined {
  const n = Number(value);
  if (allowNone && n === -1) return undefined;
  if (!/^-?\d+$/.test(value) || n < 0 || n > 65535) throw new Error(`invalid --${name} "${value}"`);
  return n;
}

try {
  const port = portOf('port', values.port) ?? 0;
  const metricsPort = portOf('metrics-port', values['metrics-port'], true);
  const intervalMs = parseDuration(values['poll-interval']);
  if (intervalMs < 1) throw new Error(`invalid --poll-interval "${values['poll-interval']}"`);
  const shutdownDelayMs = parseDuration(values['shutdown-delay']);
  const maxInFlight = Number(values['max-in-flight']);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new Error(`invalid --max-in-flight "${values['max-in-flight']}"`);
  if (!['true', 'false'].includes(values['node-watch'])) throw new Error(`invalid --node-watch "${values['node-watch']}": use true or false`);
  // Every Kubernetes call of the helper gives up after 10 s: a hung apiserver cannot freeze start-up or the cache.
  const kube = new KubeAccess({ kubeconfig: values.kubeconfig, requestTimeout: '10s' }, env);
  const resolver = new ConfigResolver({ flags: {}, env, cluster: kube });
  const clusterId = await resolver.clusterId();
  const region = await resolver.region();
  const projectId = await resolver.projectId();
  const credentials = await resolver.credentials();
  const uk8sconfig = await resolver.configMap();
  // The helper reads UCloud for the configured cluster and places Pods of the cluster it runs in: when they differ,
  // every answer would be about another cluster's accelerations.
  const identity = checkClusterIdentity(clusterId, await resolver.kubernetesIdentity());
  if (identity.kind === 'different') {
    log.error('cannot start: wrong cluster', {
      error: `${describeMismatch(identity)}: the helper would place and rewrite Pods by another cluster's accelerations`,
      fix: 'set UCLOUD_UK8S_CLUSTER_ID in the credentials Secret (chart: credentials.clusterId) to this cluster, or remove it so that uk8sconfig\'s is used',
    });
    process.exit(1);
  }
  // In the cluster the VPC-internal endpoint is the right default, and uk8sconfig names it.
  const configMapEndpoint = uk8sconfig?.[UK8S_CONFIGMAP_KEYS.apiEndpoint];
  const baseUrl = env['UCLOUD_API_BASE_URL'] || configMapEndpoint || INTERNAL_API_BASE_URL;
  log.info('starting', {
    version: PLUGIN_VERSION,
    clusterId: clusterId.value,
    clusterIdFrom: clusterId.source,
    region: region.value,
    regionFrom: region.source,
    projectId: projectId?.value,
    credentialsFrom: credentials.publicKey.source,
    baseUrl,
    notes: resolver.notes.length ? resolver.notes : undefined,
  });
  const client = new UCloudClient({
    baseUrl,
    region: region.value,
    projectId: projectId?.value,
    credentials: { publicKey: credentials.publicKey.value, privateKey: credentials.privateKey.value },
    userAgent: `uimgacc-helper/${PLUGIN_VERSION}`,
    timeoutMs: 10_000,
    maxRetries: 2,
  });
  const tlsSecret = values['tls-secret'];
  let tls: TlsSource;
  if (tlsSecret) {
    for (const name of ['namespace', 'service', 'webhook-config'] as const) {
      if (!values[name]) throw new Error(`--tls-secret needs --${name}`);
    }
    const certValidityMs = parseDuration(values['cert-validity']);
    if (certValidityMs < 60_000) throw new Error(`invalid --cert-validity "${values['cert-validity']}": at least 1m`);
    const managed = new ManagedCertificates({
      kube,
      namespace: values.namespace,
      secretName: tlsSecret,
      serviceName: values.service,
      webhookConfigName: values['webhook-config'],
      extraNames: values['cert-extra-names'].split(',').map((n) => n.trim()).filter(Boolean),
      certValidityMs,
      renewBeforeMs: values['cert-renew-before'] ? parseDuration(values['cert-renew-before']) : undefined,
      checkIntervalMs: parseDuration(values['cert-check-interval']) || 60_000,
      kubeTimeoutMs: 10_000,
      log,
    });
    await managed.start();
    tls = managed;
  } else {
    tls = fileTlsSource(values['cert-file'], values['key-file'], parseDuration(values['cert-reload-interval']));
  }
  const metrics = new HelperMetrics();
  const cache = new AccelerationCache({
    api: new AccelerationApi(client, clusterId.value),
    kube,
    intervalMs,
    maxRewriteStalenessMs: parseDuration(values['max-rewrite-staleness']),
    labelOverride: values['node-label'] || undefined,
    nodeWatch: values['node-watch'] === 'true',
    kubeTimeoutMs: 10_000,
    // Retries included (3 attempts of 10 s plus backoff): past this, the poll counts as failed.
    ucloudTimeoutMs: 45_000,
    log,
    onApiError: () => metrics.apiErrors.inc(),
  });
  cache.start();
  const server = await startHelperServer({
    port,
    metricsPort,
    tls,
    maxInFlight,
    cache,
    log,
    metrics,
    readyGraceMs: parseDuration(values['ready-grace']),
    shutdownDelayMs,
  });
  log.info('listening', { port: server.port, metricsPort: server.metricsPort });
  const shutdown = (signal: string): void => {
    log.info('shutting down', { signal });
    cache.stop();
    // Requests still in flight are answered; if one hangs, exit anyway: the apiserver admits the Pod (fail-open).
    setTimeout(() => process.exit(0), shutdownDelayMs + 5000).unref();
    void server.close().then(() => {
      log.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (err) {
  const details = err instanceof Error ? (err as { details?: unknown }).details : undefined;
  log.error('cannot start', { error: err instanceof Error ? err.message : String(err), details });
  process.exit(1);
}
