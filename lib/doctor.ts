import { X509Certificate } from 'node:crypto';
import { chooseAccelerationLabel, type NodeInfo } from './affinity.ts';
import type { ConfigResolver } from './config/resolve.ts';
import type { KubeAccess } from './kube/access.ts';
import { describeKubeError } from './kube/errors.ts';
import { getObject, listPages } from './kube/rawlist.ts';
import type { AccelerationApi } from './ucloud/acceleration.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string | undefined;
}

/** The webhook the chart installs; doctor finds it by this name in any MutatingWebhookConfiguration. */
export const HELPER_WEBHOOK_NAME = 'pods.uimgacc.ucloud.cn';

interface WebhookConfig {
  metadata?: { name?: string };
  webhooks?: {
    name?: string;
    failurePolicy?: string;
    clientConfig?: { caBundle?: string; url?: string; service?: { name?: string; namespace?: string } };
  }[];
}

interface Listed {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: { conditions?: { type?: string; status?: string }[]; readyReplicas?: number };
  spec?: { replicas?: number };
  data?: Record<string, string>;
  endpoints?: { conditions?: { ready?: boolean } }[];
}

const reason = (err: unknown): string => (err instanceof Error && err.name === 'UserError' ? err.message : describeKubeError(err));

/**
 * Everything that has to be right for image acceleration to work, each with a one-line fix. Runs every check it can;
 * a failed one does not stop the rest.
 */
export async function runDoctor(deps: { kube: KubeAccess; config: ConfigResolver; ucloud: () => Promise<AccelerationApi> }): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, status: CheckStatus, detail: string, fix?: string): void => void checks.push({ name, status, detail, fix });

  let kubeOk = false;
  try {
    const v = await getObject<{ gitVersion?: string }>(deps.kube, '/version');
    add('Kubernetes', 'ok', `reachable, ${v?.gitVersion ?? 'unknown version'}`);
    kubeOk = true;
  } catch (err) {
    add('Kubernetes', 'fail', reason(err), 'check --kubeconfig / --context (kubectl version should work)');
  }

  let api: AccelerationApi | undefined;
  try {
    api = await deps.ucloud();
    const id = await deps.config.clusterId();
    const creds = await deps.config.credentials();
    add('UCloud configuration', 'ok', `cluster ${id.value} (from ${id.source}), key pair from ${creds.publicKey.source}`);
  } catch (err) {
    add('UCloud configuration', 'fail', reason(err), 'run `kubectl uimgacc configure`, or set UCLOUD_PUBLIC_KEY, UCLOUD_PRIVATE_KEY and --cluster-id');
  }
  if (api) {
    try {
      const s = await api.get();
      add('UCloud API', 'ok', 'reachable, signature accepted');
      if (!s.enabled) add('Image acceleration', 'fail', 'not enabled on this cluster', 'kubectl uimgacc enable --nfs-addr … --subnet-id …');
      else {
        add('Image acceleration', s.nfsReady ? 'ok' : 'fail', `enabled; NFS ${s.nfsReady ? 'ready' : 'not ready'}${s.nfsAddr ? ` (${s.nfsAddr})` : ''}`, s.nfsReady ? undefined : 'check the UFS mount target and the subnet given to `enable`');
        add('Acceleration agent (UCloud)', s.agentReady ? 'ok' : 'warn', s.agentReady ? 'ready' : 'not ready yet (normal for a few minutes after enabling)', s.agentReady ? undefined : 'wait, then check kube-system/uimgacc-agent');
        if (s.status === 'CreateError' || s.status === 'DeleteError') add('Last operation', 'warn', `${s.status}: ${s.error ?? 'no details'}`, 'retry the operation; see `kubectl uimgacc status`');
        else add('Last operation', 'ok', s.status);
      }
    } catch (err) {
      add('UCloud API', 'fail', (err as Error).message.split('\n')[0] ?? '', (err as Error).message.split('\n')[1]?.replace(/^hint: /, ''));
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
    add('Agent Deployment', 'warn', reason(err));
  }

  try {
    const nodes: NodeInfo[] = [];
    for await (const page of listPages<Listed>(deps.kube, '/api/v1/nodes')) {
      for (const n of page.items) nodes.push({ name: n.metadata?.name ?? '', labels: n.metadata?.labels ?? {}, ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') });
    }
    const choice = chooseAccelerationLabel(nodes);
    if (choice.readyNodes === 0) add('Accelerated nodes', 'fail', `no Ready node carries ${choice.label}=true (${nodes.length} nodes)`, 'only nodes added after enabling acceleration get the label: add a node to the cluster');
    else add('Accelerated nodes', choice.otherSpellingOnly ? 'warn' : 'ok', `${choice.readyNodes} of ${nodes.length} nodes carry ${choice.label}=true${choice.otherSpellingOnly ? `; ${choice.otherSpellingOnly} carry only the other spelling` : ''}`, choice.otherSpellingOnly ? 'pass --node-label to patch, or relabel nodes consistently' : undefined);
  } catch (err) {
    add('Accelerated nodes', 'warn', reason(err));
  }

  await checkHelper(deps.kube, add);
  return checks;
}

async function checkHelper(kube: KubeAccess, add: (name: string, status: CheckStatus, detail: string, fix?: string) => void): Promise<void> {
  let found: { config: string; hook: NonNullable<WebhookConfig['webhooks']>[number] } | undefined;
  try {
    for await (const page of listPages<WebhookConfig>(kube, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations')) {
      for (const c of page.items) {
        const hook = c.webhooks?.find((w) => w.name === HELPER_WEBHOOK_NAME);
        if (hook && !found) found = { config: c.metadata?.name ?? '', hook };
      }
    }
  } catch (err) {
    add('Helper webhook', 'warn', reason(err));
    return;
  }
  if (!found) {
    add('Helper webhook', 'warn', 'not installed: Pods using target images need node affinity by hand (`kubectl uimgacc patch`)', 'helm install uimgacc charts/uimgacc');
    return;
  }
  const { hook, config } = found;
  add('Helper webhook', 'ok', `MutatingWebhookConfiguration ${config}`);
  add('Webhook failure policy', hook.failurePolicy === 'Ignore' ? 'ok' : 'fail', `failurePolicy ${hook.failurePolicy ?? 'Fail (default)'}`, hook.failurePolicy === 'Ignore' ? undefined : 'set webhook.failurePolicy=Ignore: a Fail policy blocks every Pod creation while the helper is down');

  const svc = hook.clientConfig?.service;
  let ca: X509Certificate | undefined;
  try {
    ca = new X509Certificate(Buffer.from(hook.clientConfig?.caBundle ?? '', 'base64'));
    if (new Date(ca.validTo).getTime() < Date.now()) throw new Error(`expired on ${ca.validTo}`);
  } catch (err) {
    add('Webhook caBundle', 'fail', `not a valid certificate: ${(err as Error).message}`, 'helm upgrade the chart (or let cert-manager inject the CA)');
    ca = undefined;
  }
  if (ca && svc?.name && svc.namespace) {
    const host = `${svc.name}.${svc.namespace}.svc`;
    try {
      const secret = await getObject<Listed>(kube, `/api/v1/namespaces/${encodeURIComponent(svc.namespace)}/secrets/${encodeURIComponent(`${svc.name}-tls`)}`);
      const pem = secret?.data?.['tls.crt'];
      if (!pem) add('Webhook caBundle', 'warn', `valid CA (until ${ca.validTo}); serving certificate Secret ${svc.namespace}/${svc.name}-tls not found to compare`);
      else {
        const cert = new X509Certificate(Buffer.from(pem, 'base64'));
        const signed = cert.verify(ca.publicKey);
        const names = cert.checkHost(host) !== undefined;
        add('Webhook caBundle', signed && names ? 'ok' : 'fail', signed && names ? `signs the serving certificate for ${host}` : `${signed ? '' : 'does not sign the serving certificate; '}${names ? '' : `certificate is not valid for ${host}`}`, signed && names ? undefined : 'helm upgrade the chart to regenerate matching certificates');
      }
    } catch (err) {
      add('Webhook caBundle', 'warn', `valid CA; could not read the serving certificate: ${reason(err)}`);
    }
    try {
      let ready = 0;
      for await (const page of listPages<Listed>(kube, `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(svc.namespace)}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${svc.name}`)}`)) {
        for (const slice of page.items) ready += (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
      }
      add('Helper endpoints', ready > 0 ? 'ok' : 'fail', `${ready} ready endpoint(s) behind Service ${svc.namespace}/${svc.name}`, ready > 0 ? undefined : `kubectl -n ${svc.namespace} get pods,endpointslices -l app.kubernetes.io/name=uimgacc (Pods are admitted unchanged meanwhile: fail-open)`);
    } catch (err) {
      add('Helper endpoints', 'warn', reason(err));
    }
  }
}
