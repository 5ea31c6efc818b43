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
import { HelperMetrics, startHelperServer } from './server.ts';

const env = process.env;
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: env['UIMGACC_PORT'] ?? '8443' },
    'cert-file': { type: 'string', default: env['UIMGACC_TLS_CERT'] ?? '/etc/uimgacc/tls/tls.crt' },
    'key-file': { type: 'string', default: env['UIMGACC_TLS_KEY'] ?? '/etc/uimgacc/tls/tls.key' },
    'poll-interval': { type: 'string', default: env['UIMGACC_POLL_INTERVAL'] ?? '30s' },
    'node-label': { type: 'string', default: env['UIMGACC_NODE_LABEL'] },
    kubeconfig: { type: 'string', default: env['UIMGACC_KUBECONFIG'] },
    'ready-grace': { type: 'string', default: env['UIMGACC_READY_GRACE'] ?? '60s' },
    'cert-reload-interval': { type: 'string', default: env['UIMGACC_CERT_RELOAD_INTERVAL'] ?? '5s' },
  },
});

const log = jsonLog();
try {
  const kube = new KubeAccess({ kubeconfig: values.kubeconfig }, env);
  const resolver = new ConfigResolver({ flags: {}, env, cluster: kube });
  const clusterId = await resolver.clusterId();
  const region = await resolver.region();
  const projectId = await resolver.projectId();
  const credentials = await resolver.credentials();
  // In the cluster the VPC-internal endpoint is the right default, and uk8sconfig names it.
  const baseUrl = env['UCLOUD_API_BASE_URL'] ?? (await resolver.configMap())?.[UK8S_CONFIGMAP_KEYS.apiEndpoint] ?? INTERNAL_API_BASE_URL;
  log.info('starting', { version: PLUGIN_VERSION, clusterId: clusterId.value, region: region.value, clusterIdFrom: clusterId.source, credentialsFrom: credentials.publicKey.source, baseUrl });
  const client = new UCloudClient({
    baseUrl,
    region: region.value,
    projectId: projectId?.value,
    credentials: { publicKey: credentials.publicKey.value, privateKey: credentials.privateKey.value },
    userAgent: `uimgacc-helper/${PLUGIN_VERSION}`,
    timeoutMs: 10_000,
  });
  const metrics = new HelperMetrics();
  const cache = new AccelerationCache({
    api: new AccelerationApi(client, clusterId.value),
    kube,
    intervalMs: parseDuration(values['poll-interval']),
    labelOverride: values['node-label'],
    log,
    onApiError: () => metrics.apiErrors.inc(),
  });
  cache.start();
  const server = await startHelperServer({
    port: Number(values.port),
    certFile: values['cert-file'],
    keyFile: values['key-file'],
    cache,
    log,
    metrics,
    readyGraceMs: parseDuration(values['ready-grace']),
    certPollMs: parseDuration(values['cert-reload-interval']),
  });
  log.info('listening', { port: server.port });
  const shutdown = (signal: string): void => {
    log.info('shutting down', { signal });
    cache.stop();
    // Finish in-flight reviews; the apiserver retries nothing, but the Pod is admitted anyway (fail-open).
    void server.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (err) {
  log.error('cannot start', { error: err instanceof Error ? err.message : String(err), details: (err as { details?: unknown }).details });
  process.exit(1);
}
