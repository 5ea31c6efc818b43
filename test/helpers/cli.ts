import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { collectOutput, type ProcessOutput } from './process.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(root, 'dist', 'kubectl-uimgacc.mjs');
/** The completion executable kubectl runs on TAB. */
export const COMPLETE_CLI = join(root, 'dist', 'kubectl_complete-uimgacc.mjs');

export type CliResult = ProcessOutput;

export interface RunningCli {
  readonly process: ChildProcess;
  readonly result: Promise<CliResult>;
}

/**
 * Starts the built plugin as a real process (what kubectl would exec) with a clean environment: only what the test
 * passes, plus PATH, and HOME pointing at an empty directory unless given, so no developer config leaks in. The
 * process is there to be signalled; `result` settles when it exits.
 */
export function startCli(args: readonly string[], env: Record<string, string | undefined> = {}, opts: { input?: string; timeoutMs?: number; entry?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [opts.entry ?? CLI, ...args], {
    env: { PATH: process.env['PATH'], HOME: '/nonexistent-uimgacc-home', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const result = collectOutput(child, 128).finally(() => clearTimeout(timer));
  child.stdin.end(opts.input ?? '');
  return { process: child, result };
}

/** Runs the built plugin to the end (see startCli). */
export function runCli(args: readonly string[], env: Record<string, string | undefined> = {}, opts: { input?: string; timeoutMs?: number; entry?: string } = {}): Promise<CliResult> {
  return startCli(args, env, opts).result;
}

/** The environment that points the plugin at the simulator and a cluster: key pair, API URL, cluster, kubeconfig. */
export function ucloudEnv(o: { publicKey: string; privateKey: string; apiUrl: string; clusterId?: string; kubeconfig: string }): Record<string, string> {
  return {
    UCLOUD_PUBLIC_KEY: o.publicKey,
    UCLOUD_PRIVATE_KEY: o.privateKey,
    UCLOUD_API_BASE_URL: o.apiUrl,
    ...(o.clusterId === undefined ? {} : { UCLOUD_UK8S_CLUSTER_ID: o.clusterId, UCLOUD_REGION: 'cn-bj2' }),
    KUBECONFIG: o.kubeconfig,
  };
}

/**
 * A copy of the kubeconfig (a path, or the YAML itself) whose current context records `clusterId` the way
 * `kubectl uimgacc configure` does, so that delete/disable know which UK8S cluster the context is.
 */
export function kubeconfigRecording(kubeconfig: string, clusterId: string): string {
  const text = kubeconfig.includes('\n') ? kubeconfig : readFileSync(kubeconfig, 'utf8');
  const doc = yaml.load(text) as { 'current-context': string; contexts: { name: string; context: Record<string, unknown> }[] };
  const ctx = doc.contexts.find((c) => c.name === doc['current-context']);
  if (!ctx) throw new Error('the kubeconfig has no current context');
  ctx.context['extensions'] = [{ name: 'uimgacc.ucloud.cn', extension: { clusterId } }];
  const file = join(mkdtempSync(join(tmpdir(), 'uimgacc-kubeconfig-')), 'config');
  writeFileSync(file, yaml.dump(doc), { mode: 0o600 });
  return file;
}
