import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { kubectl, startControlPlane, type ControlPlaneInfo } from './controlplane.ts';

let own: Promise<ControlPlaneInfo> | undefined;

/**
 * The control plane of this test run: the one the global setup started, or (when a file is run on its own) one
 * started for this process and stopped when it exits.
 */
export function sharedControlPlane(): Promise<ControlPlaneInfo> {
  const file = process.env['UIMGACC_CONTROLPLANE'];
  if (file) return Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as ControlPlaneInfo);
  own ??= startControlPlane().then((cp) => {
    process.once('beforeExit', () => void cp.stop());
    return cp;
  });
  return own;
}

/** A fresh namespace for one test, so tests sharing the control plane never see each other's objects. */
export async function uniqueNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const cp = await sharedControlPlane();
  const name = `${prefix}-${randomBytes(4).toString('hex')}`.toLowerCase().slice(0, 63);
  const r = await kubectl(cp.kubeconfigPath, ['create', 'namespace', name]);
  if (r.code !== 0) throw new Error(`kubectl create namespace ${name}: ${r.stderr}`);
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  if (pairs.length) {
    const l = await kubectl(cp.kubeconfigPath, ['label', 'namespace', name, ...pairs]);
    if (l.code !== 0) throw new Error(`kubectl label namespace ${name}: ${l.stderr}`);
  }
  return name;
}

/** kubectl as admin; throws with stderr when it fails. */
export async function kubectlAdmin(args: readonly string[], input?: string): Promise<string> {
  const cp = await sharedControlPlane();
  const r = await kubectl(cp.kubeconfigPath, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
