// The test helm (test/testbin/build.sh) with a throwaway HOME, so no user configuration or registry login leaks in.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmBinary } from '../controlplane/testbin.ts';

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type Helm = (args: readonly string[]) => Promise<HelmResult>;

/** A helm bound to KUBECONFIG (when given) and a fresh HOME; resolves with the exit code, never rejects. */
export function isolatedHelm(kubeconfig?: string): Helm {
  const home = mkdtempSync(join(tmpdir(), 'uimgacc-helm-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
  if (kubeconfig) env['KUBECONFIG'] = kubeconfig;
  return (args) =>
    new Promise((resolve) => {
      execFile(helmBinary(), args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
}
