import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { kubectl, startControlPlane, type ControlPlaneInfo, type ControlPlaneOptions } from './controlplane.ts';

/** What the shared cluster runs besides the apiserver: everything placement needs. */
export const CLUSTER_OPTIONS: ControlPlaneOptions = { scheduler: true, controllerManager: true, kwok: true };

const own = new Map<string, Promise<ControlPlaneInfo>>();

function shared(envName: string, options: ControlPlaneOptions): Promise<ControlPlaneInfo> {
  const file = process.env[envName];
  if (file) return Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as ControlPlaneInfo);
  let plane = own.get(envName);
  if (!plane) {
    plane = startControlPlane(options).then((cp) => {
      process.once('beforeExit', () => void cp.stop());
      return cp;
    });
    own.set(envName, plane);
  }
  return plane;
}

/**
 * The control plane of this test run: apiserver and etcd only, so objects stay exactly as tests create them (no
 * controller adds ReplicaSets or Pods, plain Node objects stay as written). The one the global setup started, or
 * (when a file is run on its own) one started for this process and stopped when it exits.
 */
export function sharedControlPlane(): Promise<ControlPlaneInfo> {
  return shared('UIMGACC_CONTROLPLANE', {});
}

/**
 * The cluster of this test run: apiserver, scheduler, controller manager and kwok (CLUSTER_OPTIONS), shared by the
 * test files whose nodes and workloads do not interfere; a file that takes nodes away starts its own. Started by the
 * global setup (unless UIMGACC_SHARED_CLUSTER=0), else for this process.
 */
export function sharedCluster(): Promise<ControlPlaneInfo> {
  return shared('UIMGACC_CLUSTER', CLUSTER_OPTIONS);
}

/** A fresh namespace for one test, so tests sharing a control plane never see each other's objects. */
export async function uniqueNamespace(prefix: string, labels: Record<string, string> = {}, plane?: ControlPlaneInfo): Promise<string> {
  const cp = plane ?? (await sharedControlPlane());
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

/** kubectl as admin (of the shared control plane unless another is given); throws with stderr when it fails. */
export async function kubectlAdmin(args: readonly string[], input?: string, plane?: ControlPlaneInfo): Promise<string> {
  const cp = plane ?? (await sharedControlPlane());
  const r = await kubectl(cp.kubeconfigPath, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
