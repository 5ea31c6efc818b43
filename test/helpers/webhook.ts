import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { helmBinary } from '../controlplane/testbin.ts';

export interface ChartWebhookOptions {
  /** metadata.name of the configuration. */
  readonly name: string;
  /** Where the helper listens, e.g. https://127.0.0.1:8443; each webhook's path (/mutate, /mutate/rewrite) is appended. */
  readonly baseUrl: string;
  /** Base64 PEM of the CA that signed the helper's serving certificate. */
  readonly caBundle: string;
  /** The cluster's version (`/version` gitVersion): the chart renders what that version supports (matchConditions). */
  readonly kubeVersion: string;
  /** Extra `--set-string` values, e.g. `webhook.namespaceSelector.matchLabels.x=y`. */
  readonly setString?: readonly string[];
}

/**
 * The chart's own MutatingWebhookConfiguration (helm template of templates/webhook.yaml, for the given cluster
 * version), with each webhook's Service swapped for a URL: the helper runs as a local process, which no Service can
 * point at (Endpoints refuse loopback addresses).
 */
export async function chartWebhookConfiguration(o: ChartWebhookOptions): Promise<{ metadata: { name: string }; webhooks: Record<string, unknown>[] }> {
  const home = mkdtempSync(join(tmpdir(), 'uimgacc-helm-'));
  try {
    const args = ['template', 'uimgacc', 'charts/uimgacc', '--namespace', 'uimgacc-system', '--kube-version', o.kubeVersion, '--show-only', 'templates/webhook.yaml', '--set', 'credentials.publicKey=a', '--set', 'credentials.privateKey=b'];
    for (const s of o.setString ?? []) args.push('--set-string', s);
    const out = await new Promise<string>((resolve, reject) =>
      execFile(helmBinary(), args, { env: { PATH: process.env['PATH'], HOME: home, HELM_CACHE_HOME: join(home, 'c'), HELM_CONFIG_HOME: join(home, 'f'), HELM_DATA_HOME: join(home, 'd') } }, (err, stdout, stderr) =>
        err ? reject(new Error(`helm template: ${stderr}`)) : resolve(stdout),
      ),
    );
    const config = (yaml.loadAll(out) as ({ kind?: string; metadata: { name: string }; webhooks: { clientConfig: Record<string, unknown> }[] } | null)[]).find((d) => d?.kind === 'MutatingWebhookConfiguration');
    if (!config) throw new Error(`helm template rendered no MutatingWebhookConfiguration:\n${out}`);
    config.metadata.name = o.name;
    for (const hook of config.webhooks) {
      const service = hook.clientConfig['service'] as { path: string };
      hook.clientConfig = { url: `${o.baseUrl}${service.path}`, caBundle: o.caBundle };
    }
    return config;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
