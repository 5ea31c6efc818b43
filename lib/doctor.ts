import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { describeLabels, detectAccelerationLabels } from './affinity.ts';
import type { KubeAccess } from './kube/access.ts';
import { describeKubeError } from './kube/errors.ts';
import { OLDEST_SUPPORTED_KUBERNETES, kubernetesSupport } from './kube/support.ts';
import { getObject, listPages } from './kube/rawlist.ts';
import { listNodes } from './nodes.ts';
import type { AccelerationApi } from './ucloud/acceleration.ts';
import { checkClusterIdentity, describeMismatch, mismatchAdvice } from './config/identity.ts';
import { describeSource, describeSourced, type ConfigResolver, type Sourced } from './config/resolve.ts';
import { currentLanguage, t, type MessageKey } from './i18n/index.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One check, worded in the current language (`doctor -o json|yaml` runs in English: scripts read it). */
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

/** The checks, by the key of their name. */
type CheckName = Extract<MessageKey, `setup.doctor.check.${string}`>;
type Add = (name: CheckName, status: CheckStatus, detail: string, fix?: string) => void;

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
const from = (v: Sourced): string => describeSourced(v);
const joined = (parts: readonly string[]): string => parts.join(t('setup.doctor.separator'));
/**
 * A certificate's date: as OpenSSL writes it (`Nov 30 21:39:01 2026 GMT`) in English, ISO 8601 in other languages,
 * which needs no English month names.
 */
const when = (validTo: string): string => {
  const date = new Date(validTo);
  return currentLanguage() === 'en' || Number.isNaN(date.getTime()) ? validTo : date.toISOString().replace(/\.000Z$/, 'Z');
};

/**
 * Everything that has to be right for image acceleration to work, each with a one-line fix. Runs every check it can;
 * a failed one does not stop the rest.
 */
export async function runDoctor(deps: { kube: KubeAccess; config: ConfigResolver; ucloud: () => Promise<AccelerationApi>; probe?: HttpsProbe }): Promise<Check[]> {
  const checks: Check[] = [];
  const add: Add = (name, status, detail, fix) => void checks.push({ name: t(name), status, detail, fix });

  let kubeOk = false;
  try {
    const v = await getObject<{ gitVersion?: string }>(deps.kube, '/version');
    const support = v?.gitVersion ? kubernetesSupport(v.gitVersion) : undefined;
    if (support && !support.supported) {
      const oldest = `${OLDEST_SUPPORTED_KUBERNETES.major}.${OLDEST_SUPPORTED_KUBERNETES.minor}`;
      add('setup.doctor.check.kubernetes', 'warn', t('setup.doctor.kubernetes.tooOld', { version: v?.gitVersion ?? '', oldest }), t('setup.doctor.kubernetes.upgrade'));
    } else add('setup.doctor.check.kubernetes', 'ok', v?.gitVersion ? t('setup.doctor.kubernetes.reachable', { version: v.gitVersion }) : t('setup.doctor.kubernetes.reachableUnknown'));
    kubeOk = true;
  } catch (err) {
    add('setup.doctor.check.kubernetes', 'fail', reason(err), t('setup.doctor.kubernetes.fix'));
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
    const configuration = { cluster: from(id), region: from(region), endpoint: from(endpoint), keys: describeSource(creds.publicKey.source) };
    add(
      'setup.doctor.check.configuration',
      'ok',
      project ? t('setup.doctor.configuration.okProject', { ...configuration, project: from(project) }) : t('setup.doctor.configuration.ok', configuration),
    );
    const identity = checkClusterIdentity(id, await deps.config.kubernetesIdentity());
    if (identity.kind === 'different') {
      add('setup.doctor.check.identity', 'fail', describeMismatch(identity), joined(mismatchAdvice(identity)));
      // Every further check would mix one cluster's Kubernetes objects with another's UCloud state.
      return checks;
    }
    if (identity.kind === 'same') add('setup.doctor.check.identity', 'ok', t('setup.doctor.identity.same', { cluster: from(identity.kubernetes) }));
    else add('setup.doctor.check.identity', 'warn', t('setup.doctor.identity.unknown', { why: identity.why }), t('setup.doctor.identity.record', { cluster: id.value }));
  } catch (err) {
    const notes = err instanceof Error && err.name === 'UserError' ? ((err as { details?: readonly string[] }).details ?? []) : [];
    add('setup.doctor.check.configuration', 'fail', joined([reason(err), ...notes]), t('setup.doctor.configuration.fix'));
  }
  if (api) {
    try {
      const s = await api.get();
      add('setup.doctor.check.api', 'ok', t('setup.doctor.api.ok'));
      if (!s.enabled) add('setup.doctor.check.acceleration', 'fail', t('setup.doctor.acceleration.disabled'), t('setup.doctor.acceleration.enable'));
      else {
        const nfs = s.nfsReady
          ? s.nfsAddr ? t('setup.doctor.acceleration.nfsReadyAt', { addr: s.nfsAddr }) : t('setup.doctor.acceleration.nfsReady')
          : s.nfsAddr ? t('setup.doctor.acceleration.nfsNotReadyAt', { addr: s.nfsAddr }) : t('setup.doctor.acceleration.nfsNotReady');
        add('setup.doctor.check.acceleration', s.nfsReady ? 'ok' : 'fail', nfs, s.nfsReady ? undefined : t('setup.doctor.acceleration.nfsFix'));
        if (s.agentReady) add('setup.doctor.check.agent', 'ok', t('setup.doctor.agent.ready'));
        else add('setup.doctor.check.agent', 'warn', t('setup.doctor.agent.notReady'), t('setup.doctor.agent.fix'));
        if (s.status === 'CreateError' || s.status === 'DeleteError') {
          const detail = s.error ? t('setup.doctor.lastOperation.failed', { status: s.status, error: s.error }) : t('setup.doctor.lastOperation.noDetails', { status: s.status });
          add('setup.doctor.check.lastOperation', 'warn', detail, t('setup.doctor.lastOperation.fix'));
        } else add('setup.doctor.check.lastOperation', 'ok', s.imagesKnown ? t('setup.doctor.lastOperation.images', { status: s.status, n: s.images.length }) : s.status);
      }
    } catch (err) {
      // The error's first line says what failed, the next one (its hint, after the prefix and its colon, in Chinese
      // the fullwidth \uff1a) what to do.
      const [message, hint] = (err instanceof Error ? err.message : String(err)).split('\n');
      add('setup.doctor.check.api', 'fail', message ?? '', hint?.replace(/^[^\s:\uff1a]{1,8}(?:: |\uff1a)/, '') ?? t('setup.doctor.api.fix'));
    }
  }
  if (!kubeOk) return checks;

  try {
    const agent = await getObject<Listed>(deps.kube, '/apis/apps/v1/namespaces/kube-system/deployments/uimgacc-agent');
    if (!agent) add('setup.doctor.check.agentDeployment', 'warn', t('setup.doctor.agentDeployment.missing'), t('setup.doctor.agentDeployment.missingFix'));
    else {
      const ready = agent.status?.readyReplicas ?? 0;
      const detail = t('setup.doctor.agentDeployment.ready', { ready, replicas: agent.spec?.replicas ?? 1 });
      add('setup.doctor.check.agentDeployment', ready > 0 ? 'ok' : 'fail', detail, ready > 0 ? undefined : t('setup.doctor.agentDeployment.describe'));
    }
  } catch (err) {
    add('setup.doctor.check.agentDeployment', 'warn', reason(err), t('setup.doctor.agentDeployment.forbidden'));
  }

  try {
    const nodes = await listNodes(deps.kube);
    const d = detectAccelerationLabels(nodes);
    const counts = d.counts
      .filter((c) => c.nodes > 0)
      .map((c) => t('setup.doctor.nodes.bySpelling', { n: c.readyNodes, label: c.label }))
      .join(t('common.listSeparator'));
    if (d.readyLabelledNodes === 0) {
      const labels = describeLabels(d.labels);
      const detail = counts ? t('setup.doctor.nodes.noneBySpelling', { labels, n: nodes.length, counts }) : t('setup.doctor.nodes.none', { labels, n: nodes.length });
      add('setup.doctor.check.nodes', 'fail', detail, t('setup.doctor.nodes.noneFix'));
    } else add('setup.doctor.check.nodes', 'ok', t('setup.doctor.nodes.ok', { ready: d.readyLabelledNodes, n: nodes.length, counts }));
  } catch (err) {
    add('setup.doctor.check.nodes', 'warn', reason(err), t('setup.doctor.nodes.forbidden'));
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
    add('setup.doctor.check.webhook', 'warn', reason(err), t('setup.doctor.webhook.forbidden'));
    return;
  }
  if (!found) {
    add('setup.doctor.check.webhook', 'warn', t('setup.doctor.webhook.missing'), t('setup.doctor.webhook.install'));
    return;
  }
  const { hooks, config } = found;
  const hasRewrite = hooks.some((h) => h.name === HELPER_REWRITE_WEBHOOK_NAME);
  add(
    'setup.doctor.check.webhook',
    hasRewrite ? 'ok' : 'warn',
    t('setup.doctor.webhook.found', { config, webhooks: hooks.map((h) => h.name).join(t('common.listSeparator')) }),
    hasRewrite ? undefined : t('setup.doctor.webhook.noRewrite', { webhook: HELPER_REWRITE_WEBHOOK_NAME }),
  );
  const closed = hooks.filter((h) => h.failurePolicy !== 'Ignore');
  add(
    'setup.doctor.check.failurePolicy',
    closed.length ? 'fail' : 'ok',
    closed.length
      ? joined(closed.map((h) => t('setup.doctor.failurePolicy.hook', { webhook: h.name ?? '', policy: h.failurePolicy ?? t('setup.doctor.failurePolicy.default') })))
      : t('setup.doctor.failurePolicy.ignore'),
    closed.length ? t('setup.doctor.failurePolicy.fix') : undefined,
  );

  const hook = hooks[0] as Webhook;
  const bundles = new Set(hooks.map((h) => h.clientConfig?.caBundle ?? ''));
  let ca: X509Certificate | undefined;
  try {
    if (bundles.size > 1) throw new Error(t('setup.doctor.caBundle.differ'));
    if (!hook.clientConfig?.caBundle) throw new Error(t('setup.doctor.caBundle.empty'));
    ca = new X509Certificate(Buffer.from(hook.clientConfig.caBundle, 'base64'));
    if (Date.parse(ca.validTo) < Date.now()) throw new Error(t('setup.doctor.caBundle.expired', { date: when(ca.validTo) }));
  } catch (err) {
    add('setup.doctor.check.caBundle', 'fail', t('setup.doctor.caBundle.invalid', { why: err instanceof Error ? err.message : String(err) }), t('setup.doctor.caBundle.invalidFix'));
    ca = undefined;
  }
  const svc = hook.clientConfig?.service;
  if (!svc?.name || !svc.namespace) {
    if (ca) add('setup.doctor.check.caBundle', 'ok', t('setup.doctor.caBundle.valid', { date: when(ca.validTo) }));
    const url = hook.clientConfig?.url;
    if (url) await checkHelperUrl(url, ca, probe, add);
    return;
  }
  const host = `${svc.name}.${svc.namespace}.svc`;
  const helper = { namespace: svc.namespace, name: svc.name };
  if (ca) {
    // The chart names the serving certificate's Secret after the Service (cert-manager uses the same name).
    const secretName = `${svc.name}-tls`;
    try {
      const secret = await getObject<Listed>(kube, `/api/v1/namespaces/${encodeURIComponent(svc.namespace)}/secrets/${encodeURIComponent(secretName)}`);
      const pem = secret?.data?.['tls.crt'];
      if (!pem) {
        const detail = t('setup.doctor.caBundle.noSecret', { date: when(ca.validTo), namespace: svc.namespace, secret: secretName });
        add('setup.doctor.check.caBundle', 'warn', detail, t('setup.doctor.caBundle.getSecret', { namespace: svc.namespace, secret: secretName }));
      } else {
        const cert = new X509Certificate(Buffer.from(pem, 'base64'));
        const signed = cert.verify(ca.publicKey);
        const names = cert.checkHost(host) !== undefined;
        const left = Date.parse(cert.validTo) - Date.now();
        if (!signed || !names) {
          const detail = !signed && !names ? t('setup.doctor.caBundle.notSignedWrongHost', { host }) : !signed ? t('setup.doctor.caBundle.notSigned') : t('setup.doctor.caBundle.wrongHost', { host });
          add('setup.doctor.check.caBundle', 'fail', detail, t('setup.doctor.caBundle.mismatchFix', helper));
        } else if (left < 0) {
          add('setup.doctor.check.caBundle', 'fail', t('setup.doctor.caBundle.certExpired', { host, date: when(cert.validTo) }), t('setup.doctor.caBundle.renewFix', helper));
        } else {
          const soon = left < EXPIRY_WARNING_MS;
          add('setup.doctor.check.caBundle', soon ? 'warn' : 'ok', t('setup.doctor.caBundle.signs', { host, date: when(cert.validTo) }), soon ? t('setup.doctor.caBundle.expiresFix', helper) : undefined);
        }
      }
    } catch (err) {
      add('setup.doctor.check.caBundle', 'warn', t('setup.doctor.caBundle.unreadable', { date: when(ca.validTo), error: reason(err) }), t('setup.doctor.caBundle.forbidden', { namespace: svc.namespace }));
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
      'setup.doctor.check.endpoints',
      ready > 0 ? (ready < 2 ? 'warn' : 'ok') : 'fail',
      t('setup.doctor.endpoints.count', { ready, total, ...helper }),
      ready > 0 ? (ready < 2 ? t('setup.doctor.endpoints.oneLeft') : undefined) : t('setup.doctor.endpoints.noneFix', { namespace: svc.namespace }),
    );
  } catch (err) {
    add('setup.doctor.check.endpoints', 'warn', reason(err), t('setup.doctor.endpoints.forbidden', { namespace: svc.namespace }));
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
    add('setup.doctor.check.endpoints', 'fail', t('setup.doctor.endpoints.badUrl', { url }), t('setup.doctor.endpoints.badUrlFix'));
    return;
  }
  const origin = readyz.origin;
  try {
    const r = await probe(readyz, ca ? Buffer.from(ca.toString()) : undefined);
    const says = r.body.split('\n')[0]?.trim() ?? '';
    // The helper speaks English (its words are for logs): a ready helper's summary is quoted in English only; why it
    // is not ready is quoted in every language, as it is the reason for the failure.
    const quote = says !== '' && currentLanguage() === 'en';
    if (r.status === 200) add('setup.doctor.check.endpoints', 'ok', quote ? t('setup.doctor.endpoints.urlReadySays', { origin, says }) : t('setup.doctor.endpoints.urlReady', { origin }));
    else {
      const detail = says ? t('setup.doctor.endpoints.urlNotReadySays', { origin, status: r.status, says }) : t('setup.doctor.endpoints.urlNotReady', { origin, status: r.status });
      add('setup.doctor.check.endpoints', 'fail', detail, t('setup.doctor.endpoints.urlNotReadyFix', { url: readyz.href }));
    }
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    add('setup.doctor.check.endpoints', 'fail', t('setup.doctor.endpoints.urlMissing', { url, error }), t('setup.doctor.endpoints.urlMissingFix', { origin }));
  }
}
