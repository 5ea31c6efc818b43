// The real helper (dist/helper.mjs, the bundle the image ships) as a local process, registered with a real apiserver
// through the chart's own MutatingWebhookConfiguration, with the Service swapped for a loopback URL (no kube-proxy
// here to reach a Service). Used by the placement e2e tests, the sandbox and the benchmarks.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import * as yaml from 'js-yaml';
import { kubectl } from '../controlplane/controlplane.ts';
import { helmBinary, kubernetesVersion } from '../controlplane/testbin.ts';
import { makeServingCert } from './tls.ts';

export interface HelperOptions {
  /** Kubeconfig the helper reads Nodes with (outside a cluster). */
  readonly kubeconfig: string;
  /** UCloud API (the simulator) and the account and cluster the helper reads accelerations of. */
  readonly ucloudUrl: string;
  readonly publicKey: string;
  readonly privateKey: string;
  readonly clusterId: string;
  readonly region?: string;
  readonly pollInterval?: string;
  readonly extraArgs?: readonly string[];
}

export interface RunningHelper {
  readonly port: number;
  /** The plain-HTTP port of /metrics. */
  readonly metricsPort: number;
  readonly caFile: string;
  readonly caBundle: string;
  readonly pid: number;
  /** Everything the helper logged so far (JSON lines). */
  log(): string;
  /** GET on the helper's HTTPS port (health); /metrics goes to the metrics port. */
  get(path: string): Promise<{ status: number; body: string }>;
  /** Sends `signal` and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const ROOT = join(import.meta.dirname, '..', '..');

/** Starts the helper and waits until /readyz says it has read UCloud once. */
export async function startHelper(o: HelperOptions): Promise<RunningHelper> {
  const tls = makeServingCert();
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'dist', 'helper.mjs'), '--port', '0', '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--metrics-port', '0', '--poll-interval', o.pollInterval ?? '1s', '--ready-grace', '60s', '--shutdown-delay', '0s', '--kubeconfig', o.kubeconfig, ...(o.extraArgs ?? [])],
    {
      env: { PATH: process.env['PATH'], HOME: tls.dir, UCLOUD_PUBLIC_KEY: o.publicKey, UCLOUD_PRIVATE_KEY: o.privateKey, UCLOUD_UK8S_CLUSTER_ID: o.clusterId, UCLOUD_REGION: o.region ?? 'cn-bj2', UCLOUD_API_BASE_URL: o.ucloudUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  process.once('exit', () => child.kill('SIGKILL'));
  const ca = readFileSync(tls.caFile);
  let port = 0;
  let metricsPort = 0;
  const get = (path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const opts = { host: '127.0.0.1', path, agent: false, timeout: 5000 };
      const onResponse = (res: IncomingMessage): void => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      };
      const req = path.startsWith('/metrics') ? httpGet({ ...opts, port: metricsPort }, onResponse) : request({ ...opts, port, ca }, onResponse);
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
      req.on('error', reject);
      req.end();
    });
  for (;;) {
    const m = /"msg":"listening","port":(\d+),"metricsPort":(\d+)/.exec(log);
    if (m) {
      [port, metricsPort] = [Number(m[1]), Number(m[2])];
      break;
    }
    if (child.exitCode !== null) throw new Error(`the helper exited with ${child.exitCode}: ${log}`);
    await delay(50);
  }
  // Ready means the first UCloud list was read (not the grace period running out): /readyz says "ok: N Ready …".
  for (;;) {
    const r = await get('/readyz').catch(() => undefined);
    if (r?.status === 200 && /^ok/.test(r.body)) break;
    if (child.exitCode !== null) throw new Error(`the helper exited with ${child.exitCode}: ${log}`);
    await delay(100);
  }
  return {
    port,
    metricsPort,
    caFile: tls.caFile,
    caBundle: tls.caBundle,
    pid: child.pid as number,
    log: () => log,
    get,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * The chart's MutatingWebhookConfiguration (rendered by helm template for this run's Kubernetes version, so that it
 * holds what that version supports), named `name`, calling `helper` on loopback.
 */
export async function chartWebhookConfiguration(helper: Pick<RunningHelper, 'port' | 'caBundle'>, name: string, helmArgs: readonly string[] = []): Promise<object> {
  const home = mkdtempSync(join(tmpdir(), 'uimgacc-helm-'));
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      helmBinary(),
      // The release namespace is excluded from the webhook, as the chart's own: not `default`, where tests create Pods.
      ['template', 'uimgacc', join(ROOT, 'charts', 'uimgacc'), '--namespace', 'uimgacc', '--kube-version', kubernetesVersion(), '--show-only', 'templates/webhook.yaml', '--set', 'credentials.publicKey=a', '--set', 'credentials.privateKey=b', ...helmArgs],
      { env: { PATH: process.env['PATH'], HOME: home, HELM_CACHE_HOME: join(home, 'c'), HELM_CONFIG_HOME: join(home, 'f'), HELM_DATA_HOME: join(home, 'd') } },
      (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)),
    ),
  );
  const config = (yaml.loadAll(out) as ({ kind?: string; metadata: { name: string }; webhooks: { clientConfig: Record<string, unknown> }[] } | null)[]).find((d) => d?.kind === 'MutatingWebhookConfiguration');
  if (!config) throw new Error(`helm template rendered no MutatingWebhookConfiguration:\n${out}`);
  config.metadata.name = name;
  for (const hook of config.webhooks) {
    const service = hook.clientConfig['service'] as { path: string };
    hook.clientConfig = { url: `https://127.0.0.1:${helper.port}${service.path}`, caBundle: helper.caBundle };
  }
  return config;
}

/**
 * Registers the chart's webhooks for `helper` and waits until the apiserver calls it: it picks configurations up
 * asynchronously, so a server-side dry-run Pod using `probeImage` (a Ready target image) is created until it comes
 * back mutated. Returns how to unregister, which likewise waits until the apiserver no longer calls it.
 */
export async function registerHelper(kubeconfig: string, helper: Pick<RunningHelper, 'port' | 'caBundle'>, o: { name: string; probeNamespace: string; probeImage: string; helmArgs?: readonly string[] }): Promise<() => Promise<void>> {
  const config = await chartWebhookConfiguration(helper, o.name, o.helmArgs);
  const created = await kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify(config));
  if (created.code !== 0) throw new Error(`registering the webhook: ${created.stderr}`);
  const probe = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'uimgacc-probe' }, spec: { containers: [{ name: 'main', image: o.probeImage }] } });
  const called = async (expected: boolean): Promise<void> => {
    for (let i = 0; ; i++) {
      const r = await kubectl(kubeconfig, ['-n', o.probeNamespace, 'create', '--dry-run=server', '-o', 'json', '-f', '-'], probe);
      if (r.code === 0 && Boolean((JSON.parse(r.stdout) as { spec: { affinity?: unknown } }).spec.affinity) === expected) return;
      if (i > 600) throw new Error(`the apiserver ${expected ? 'never called' : 'kept calling'} the helper: ${r.stderr}`);
      await delay(100);
    }
  };
  await called(true);
  return async () => {
    await kubectl(kubeconfig, ['delete', 'mutatingwebhookconfiguration', o.name, '--ignore-not-found']);
    await called(false);
  };
}
