import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Versions of the test binaries, from test/testbin/versions.env (the one place they are set). */
export function testbinVersions(): Record<string, string> {
  const text = readFileSync(join(here, '..', 'testbin', 'versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1] as string] = (m[2] as string).trim();
  }
  return out;
}

export function testbinRoot(): string {
  return process.env['UIMGACC_TESTBIN'] ?? join(homedir(), '.cache', 'uimgacc-testbin');
}

function locate(tool: 'kubernetes' | 'helm' | 'krew' | 'rcodesign' | 'kwok' | 'distribution', version: string, binary: string): string {
  const file = join(testbinRoot(), `${tool}-${version}`, binary);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`bash test/testbin/build.sh all\` first`);
  return file;
}

function pinned(versionKey: string): string {
  const version = testbinVersions()[versionKey];
  if (!version) throw new Error(`${versionKey} missing from test/testbin/versions.env`);
  return version;
}

/**
 * The Kubernetes version of this run: UIMGACC_KUBE_VERSION (e.g. `v1.26.15`) or the newest supported one. build.sh
 * builds the supported range and the version UIMGACC_KUBE_VERSION names.
 */
export function kubernetesVersion(): string {
  const wanted = process.env['UIMGACC_KUBE_VERSION']?.trim();
  if (!wanted) return pinned('KUBERNETES_VERSION');
  if (!/^v1\.\d+\.\d+$/.test(wanted)) throw new Error(`UIMGACC_KUBE_VERSION=${wanted}: expected a Kubernetes release such as v1.26.15`);
  return wanted;
}

/** The supported range (versions.env): the whole suite runs on the newest, the end-to-end core on the oldest too. */
export const newestKubernetesVersion = (): string => pinned('KUBERNETES_VERSION');
export const oldestKubernetesVersion = (): string => pinned('KUBERNETES_OLDEST');

/** Minor version of the Kubernetes of this run (26 for v1.26.15), for tests whose expectations differ by version. */
export const kubernetesMinor = (): number => Number(/^v1\.(\d+)\./.exec(kubernetesVersion())?.[1]);

const kube = (binary: string) => (version = kubernetesVersion()): string => locate('kubernetes', version, binary);
export const kubeApiserverBinary = kube('kube-apiserver');
export const etcdBinary = kube('etcd');
export const kubectlBinary = kube('kubectl');
export const kubeSchedulerBinary = kube('kube-scheduler');
export const kubeControllerManagerBinary = kube('kube-controller-manager');
export const kwokBinary = (): string => locate('kwok', pinned('KWOK_VERSION'), 'kwok');
/** The stages kwok runs with (node fast + heartbeat-with-lease, pod fast), copied from its module by build.sh. */
export const kwokStagesFile = (): string => locate('kwok', pinned('KWOK_VERSION'), 'stages.yaml');
export const helmBinary = (): string => locate('helm', pinned('HELM_VERSION'), 'helm');
export const krewBinary = (): string => locate('krew', pinned('KREW_VERSION'), 'krew');
export const validateKrewManifestBinary = (): string => locate('krew', pinned('KREW_VERSION'), 'validate-krew-manifest');
export const rcodesignBinary = (): string => locate('rcodesign', pinned('RCODESIGN_VERSION'), 'rcodesign');
export const registryBinary = (): string => locate('distribution', pinned('DISTRIBUTION_VERSION'), 'registry');
