import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { describeLabels, detectAccelerationLabels } from './affinity.ts';
import type { ConfigResolver, Sourced } from './config/resolve.ts';
import type { KubeAccess } from './kube/access.ts';
import { describeKubeError } from './kube/errors.ts';
import { kubernetesSupport } from './kube/support.ts';
import { getObject, listPages } from './kube/rawlist.ts';
import { listNodes } from './nodes.ts';
import { AGENT_NOT_READY, type AccelerationApi } from './ucloud/acceleration.ts';
import { checkClusterIdentity, describeMismatch, mismatchHints } from './config/identity.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string | undefined;
}

/** The webhooks the chart installs; doctor finds them by these names in any MutatingWebhookConfiguration. */
export const HELPER_WEBHOOK_NAME = 'pods.uimgacc.ucloud.cn';
export const HELPER_REWRITE_WEBHOOK_NAME = 'rewrite.pods.uimgacc.ucloud.cn';
const HELPER_WEBHOOK_NAMES: readonly string[] = [HELPER_WEBHOOK_NAME, HELPER_REWRITE_WEBHOOK_NAME];
/** A serving certificate closer than this to its end is worth a warning. */
const EXPIRY_WARNING_MS = 30 * 24 * 3600 * 1000;

interface Webhook {
  name?: string;
  failurePolicy?: string;
  timeoutSeconds?: number;
  clientConfig?: { caBundle?: string; url?: string; service?: { name?: string; namespace?: string; port?: number } };
}

interface WebhookConfig {
  metadata?: { name?: string };
  webhooks?: Webhook[];
}

interface Listed {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: { conditions?: { type?: string; status?: string }[]; readyReplicas?: number };
  spec?: { replicas?: number };
  data?: Record<string, string>;
  endpoints?: { conditions?: { ready?: boolean } }[];
}

type Add = (name: string, status: CheckStatus, detail: string, fix?: string) => void;

/** An HTTPS GET trusting `ca` (when given): how doctor reaches a helper the webhook names by URL. */
export type HttpsProbe = (url: URL, ca: Buffer | undefined) => Promise<{ status: number; body: string }>;

const PROBE_TIMEOUT_MS = 5000;

export const probeHttps: HttpsProbe = (url, ca) =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ...(ca ? { ca } : {}), agent: false, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c.slice(0, 4096 - body.length)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });

const reason = (err: unknown): string => (err instanceof Error && err.name === 'UserError' ? err.message : describeKubeError(err));
const from = (v: Sourced): string => `${v.value} (from ${v.source})`;

/**
 * Everything that has to be right for image acceleration to work, each with a one-line fix. Runs every check it can;
 * a failed one does not stop the rest.
 */
export async function runDoctor(deps: { kube: KubeAccess; config: ConfigResolver; ucloud: () => Promise<AccelerationApi>; probe?: HttpsProbe }): Promise<Check[]> {
  const checks: Check[] = [];
  const add: Add = (name, status, detail, fix) => void checks.push({ name, status, detail, fix });

  let kubeOk = false;
  try {
    const v = await getObject<{ gitVersion?: string }>(deps.kube, '/version');
    const support = v?.gitVersion ? kubernetesSupport(v.gitVersion) : undefined;
    if (support && !support.supported) add('Kubernetes', 'warn', `reachable, but ${support.detail}`, 'upgrade the cluster (UK8S console: cluster upgrade) before relying on image acceleration');
    else add('Kubernetes', 'ok', `reachable, ${v?.gitVersion ?? 'unknown version'}`);
    kubeOk = true;
  } catch (err) {
    add('Kubernetes', 'fail', reason(err), 'check --kubeconfig / --context (kubectl version should work)');
  }

  let api: AccelerationApi | undefined;
  try {
    api = await deps.ucloud();
    // Resolved once by deps.ucloud(): these calls only read what it found, and say where each value came from.
    const [id, region, endpoint, creds, project] = await Promise.all([
      deps.config.clusterId(),
      deps.config.region(),
      deps.config.baseUrl(),
      deps.config.credentials(),
      deps.config.projectId(),
    ]);
    add(
      'UCloud configuration',
      'ok',
      `cluster ${from(id)}, region ${from(region)}, ${project ? `project ${from(project)}, ` : ''}endpoint ${from(endpoint)}, key pair from ${creds.publicKey.source}`,
    );
    const identity = checkClusterIdentity(id, await deps.config.kubernetesIdentity());
    if (identity.kind === 'different') {
      add('Cluster identity', 'fail', describeMismatch(identity), mismatchHints(identity).map((h) => h.replace(/^hint: /, '')).join('; '));
      // Every further check would mix one cluster's Kubernetes objects with another's UCloud state.
      return checks;
    }
    if (identity.kind === 'same') add('Cluster identity', 'ok', `the context's cluster is ${from(identity.kubernetes)}`);
    else add('Cluster identity', 'warn', `unknown: ${identity.why}`, `kubectl uimgacc configure --cluster-id ${id.value} (delete and disable refuse without it unless --force)`);
  } catch (err) {
    const notes = err instanceof Error && err.name === 'UserError' ? ((err as { details?: readonly string[] }).details ?? []) : [];
    add('UCloud configuration', 'fail', [reason(err), ...notes].join('; '), 'run `kubectl uimgacc configure`, or set UCLOUD_PUBLIC_KEY, UCLOUD_PRIVATE_KEY and --cluster-id');
  }
  if (api) {
    try {
      const s = await api.get();
      add('UCloud API', 'ok', 'reachable, signature accepted');
      if (!s.enabled) add('Image acceleration', 'fail', 'not enabled on this cluster', 'kubectl uimgacc enable --nfs-addr … --subnet-id …');
      else {
        add('Image acceleration', s.nfsReady ? 'ok' : 'fail', `enabled; NFS ${s.nfsReady ? 'ready' : 'not ready'}${s.nfsAddr ? ` (${s.nfsAddr})` : ''}`, s.nfsReady ? undefined : 'check the UFS mount target and the subnet given to `enable`');
        add('Acceleration agent (UCloud)', s.agentReady ? 'ok' : 'warn', s.agentReady ? 'ready' : AGENT_NOT_READY, s.agentReady ? undefined : 'wait, then check kube-system/uimgacc-agent');
        if (s.status === 'CreateError' || s.status === 'DeleteError') add('Last operation', 'warn', `${s.status}: ${s.error ?? 'no details'}`, 'retry the operation; see `kubectl uimgacc status`');
        else add('Last operation', 'ok', s.imagesKnown ? `${s.status}, ${s.images.length} acceleration(s)` : s.status);
      }
    } catch (err) {
      const [message, hint] = (err instanceof Error ? err.message : String(err)).split('\n');
      add('UCloud API', 'fail', message ?? '', hint?.replace(/^hint: /, '') ?? 'check the endpoint (UCLOUD_API_BASE_URL) and the network');
    }
  }
  if (!kubeOk) return checks;

  try {
    const agent = await getObject<Listed>(deps.kube, '/apis/apps/v1/namespaces/kube-system/deployments/uimgacc-agent');
    if (!agent) add('Agent Deployment', 'warn', 'kube-system/uimgacc-agent not found', 'it appears when acceleration is enabled; if enabled for long, contact UCloud support');
    else {
      const ready = agent.status?.readyReplicas ?? 0;
      add('Agent Deployment', ready > 0 ? 'ok' : 'fail', `kube-system/uimgacc-agent ${ready}/${agent.spec?.replicas ?? 1} ready`, ready > 0 ? undefined : 'kubectl -n kube-system describe deployment uimgacc-agent');
    }
  } catch (err) {
    add('Agent Deployment', 'warn', reason(err), 'doctor needs get on deployments in kube-system');
  }

  try {
    const nodes = await listNodes(deps.kube);
    const d = detectAccelerationLabels(nodes);
    const bySpelling = d.counts.filter((c) => c.nodes > 0).map((c) => `${c.readyNodes} Ready with ${c.label}`).join(', ');
    if (d.readyLabelledNodes === 0) add('Accelerated nodes', 'fail', `no Ready node carries ${describeLabels(d.labels)} (${nodes.length} nodes${bySpelling ? `; ${bySpelling}` : ''})`, 'only nodes added after enabling acceleration get the label: add a node to the cluster');
    else add('Accelerated nodes', 'ok', `${d.readyLabelledNodes} of ${nodes.length} nodes are Ready and accelerated (${bySpelling})`);
  } catch (err) {
    add('Accelerated nodes', 'warn', reason(err), 'doctor needs list on nodes');
  }

  await checkHelper(deps.kube, add, deps.probe ?? probeHttps);
  return checks;
}

async function checkHelper(kube: KubeAccess, add: Add, probe: HttpsProbe): Promise<void> {
  let found: { config: string; hooks: Webhook[] } | undefined;
  try {
    for await (const page of listPages<WebhookConfig>(kube, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations')) {
      for (const c of page.items) {
        const hooks = (c.webhooks ?? []).filter((w) => HELPER_WEBHOOK_NAMES.includes(w.name ?? ''));
        if (hooks.length && !found) found = { config: c.metadata?.name ?? '', hooks };
      }
    }
  } catch (err) {
    add('Helper webhook', 'warn', reason(err), 'doctor needs list on mutatingwebhookconfigurations');
    return;
  }
  if (!found) {
    add('Helper webhook', 'warn', 'not installed: Pods using target images need node affinity by hand (`kubectl uimgacc patch`)', 'helm install uimgacc charts/uimgacc');
    return;
  }
  const { hooks, config } = found;
  const hasRewrite = hooks.some((h) => h.name === HELPER_REWRITE_WEBHOOK_NAME);
  add(
    'Helper webhook',
    hasRewrite ? 'ok' : 'warn',
    `MutatingWebhookConfiguration ${config} (${hooks.map((h) => h.name).join(', ')})`,
    hasRewrite ? undefined : `${HELPER_REWRITE_WEBHOOK_NAME} is missing: namespaces labelled uimgacc.ucloud.cn/rewrite=enabled are not rewritten; helm upgrade the chart`,
  );
  const closed = hooks.filter((h) => h.failurePolicy !== 'Ignore');
  add(
    'Webhook failure policy',
    closed.length ? 'fail' : 'ok',
    closed.length ? closed.map((h) => `${h.name}: failurePolicy ${h.failurePolicy ?? 'Fail (default)'}`).join('; ') : 'failurePolicy Ignore',
    closed.length ? 'set webhook.failurePolicy=Ignore: a Fail policy blocks every Pod creation while the helper is down' : undefined,
  );

  const hook = hooks[0] as Webhook;
  const bundles = new Set(hooks.map((h) => h.clientConfig?.caBundle ?? ''));
  let ca: X509Certificate | undefined;
  try {
    if (bundles.size > 1) throw new Error('the webhooks carry different caBundles');
    if (!hook.clientConfig?.caBundle) throw new Error('caBundle is empty');
    ca = new X509Certificate(Buffer.from(hook.clientConfig.caBundle, 'base64'));
    if (Date.parse(ca.validTo) < Date.now()) throw new Error(`the CA expired on ${ca.validTo}`);
  } catch (err) {
    add('Webhook caBundle', 'fail', `not a valid certificate: ${err instanceof Error ? err.message : String(err)}`, 'the helper writes its CA there once it runs (check its Pods and logs); with tls.mode=certManager, check the Certificate and cert-manager\'s CA injector');
    ca = undefined;
  }
  const svc = hook.clientConfig?.service;
  if (!svc?.name || !svc.namespace) {
    if (ca) add('Webhook caBundle', 'ok', `valid CA until ${ca.validTo}`);
    const url = hook.clientConfig?.url;
    if (url) await checkHelperUrl(url, ca, probe, add);
    return;
  }
  const host = `${svc.name}.${svc.namespace}.svc`;
  if (ca) {
    // The chart names the serving certificate's Secret after the Service (cert-manager uses the same name).
    const secretName = `${svc.name}-tls`;
    try {
      const secret = await getObject<Listed>(kube, `/api/v1/namespaces/${encodeURIComponent(svc.namespace)}/secrets/${encodeURIComponent(secretName)}`);
      const pem = secret?.data?.['tls.crt'];
      if (!pem) add('Webhook caBundle', 'warn', `valid CA until ${ca.validTo}; the serving certificate Secret ${svc.namespace}/${secretName} was not found to compare`, `kubectl -n ${svc.namespace} get secret ${secretName}`);
      else {
        const cert = new X509Certificate(Buffer.from(pem, 'base64'));
        const signed = cert.verify(ca.publicKey);
        const names = cert.checkHost(host) !== undefined;
        const left = Date.parse(cert.validTo) - Date.now();
        if (!signed || !names) {
          add('Webhook caBundle', 'fail', `${signed ? '' : 'does not sign the serving certificate; '}${names ? '' : `the serving certificate is not valid for ${host}`}`.replace(/; $/, ''), `the helper replaces a mismatched certificate and caBundle within a minute; if it does not, check its logs (kubectl -n ${svc.namespace} logs deploy/${svc.name})`);
        } else if (left < 0) {
          add('Webhook caBundle', 'fail', `the serving certificate for ${host} expired on ${cert.validTo}`, `the helper renews it before it expires: check that it runs (kubectl -n ${svc.namespace} logs deploy/${svc.name})`);
        } else {
          add('Webhook caBundle', left < EXPIRY_WARNING_MS ? 'warn' : 'ok', `signs the serving certificate for ${host} (valid until ${cert.validTo})`, left < EXPIRY_WARNING_MS ? `the helper (or cert-manager) renews it before it expires: check that it runs (kubectl -n ${svc.namespace} logs deploy/${svc.name})` : undefined);
        }
      }
    } catch (err) {
      add('Webhook caBundle', 'warn', `valid CA until ${ca.validTo}; could not read the serving certificate: ${reason(err)}`, `doctor needs get on secrets in ${svc.namespace}`);
    }
  }
  try {
    let ready = 0;
    let total = 0;
    for await (const page of listPages<Listed>(kube, `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(svc.namespace)}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${svc.name}`)}`)) {
      for (const slice of page.items) {
        total += (slice.endpoints ?? []).length;
        // EndpointSlice: a missing `ready` condition means ready.
        ready += (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
      }
    }
    add(
      'Helper endpoints',
      ready > 0 ? (ready < 2 ? 'warn' : 'ok') : 'fail',
      `${ready} of ${total} endpoint(s) ready behind Service ${svc.namespace}/${svc.name}`,
      ready > 0
        ? ready < 2 ? 'one replica left: while it restarts, Pods are admitted without the affinity (fail-open)' : undefined
        : `kubectl -n ${svc.namespace} get pods,endpointslices -l app.kubernetes.io/name=uimgacc (Pods are admitted unchanged meanwhile: fail-open)`,
    );
  } catch (err) {
    add('Helper endpoints', 'warn', reason(err), `doctor needs list on endpointslices in ${svc.namespace}`);
  }
}

/**
 * A webhook that names its helper by URL (a helper outside the cluster, or reached through a proxy) has no endpoints
 * to count: ask the helper itself, on the URL's origin, whether it is ready.
 */
async function checkHelperUrl(url: string, ca: X509Certificate | undefined, probe: HttpsProbe, add: Add): Promise<void> {
  let readyz: URL;
  try {
    readyz = new URL('/readyz', url);
  } catch {
    add('Helper endpoints', 'fail', `the webhook URL ${url} is not a valid URL`, 'helm upgrade the chart (or fix clientConfig.url)');
    return;
  }
  const failOpen = 'while it is down, Pods are admitted without the affinity and without the rewrite (fail-open)';
  try {
    const r = await probe(readyz, ca ? Buffer.from(ca.toString()) : undefined);
    const first = r.body.split('\n')[0]?.trim() ?? '';
    if (r.status === 200) add('Helper endpoints', 'ok', `the helper at ${readyz.origin} is ready${first ? ` (${first})` : ''}`);
    else add('Helper endpoints', 'fail', `the helper at ${readyz.origin} is not ready: HTTP ${r.status}${first ? ` ${first}` : ''}; ${failOpen}`, `check the helper's log; ${readyz.href} says why it is not ready`);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    add('Helper endpoints', 'fail', `the helper is missing: ${url} does not answer (${why}); ${failOpen}`, `start the helper, or point the webhook at a running one (doctor called it from this machine: if only the apiserver can reach ${readyz.origin}, check from there)`);
  }
}
