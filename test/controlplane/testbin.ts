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

function locate(tool: 'kubernetes' | 'helm' | 'krew' | 'rcodesign' | 'distribution', versionKey: string, binary: string): string {
  const version = testbinVersions()[versionKey];
  if (!version) throw new Error(`${versionKey} missing from test/testbin/versions.env`);
  const file = join(testbinRoot(), `${tool}-${version}`, binary);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`bash test/testbin/build.sh\` first`);
  return file;
}

export const kubernetesVersion = (): string => testbinVersions()['KUBERNETES_VERSION'] as string;
export const kubeApiserverBinary = (): string => locate('kubernetes', 'KUBERNETES_VERSION', 'kube-apiserver');
export const etcdBinary = (): string => locate('kubernetes', 'KUBERNETES_VERSION', 'etcd');
export const kubectlBinary = (): string => locate('kubernetes', 'KUBERNETES_VERSION', 'kubectl');
export const helmBinary = (): string => locate('helm', 'HELM_VERSION', 'helm');
export const krewBinary = (): string => locate('krew', 'KREW_VERSION', 'krew');
export const validateKrewManifestBinary = (): string => locate('krew', 'KREW_VERSION', 'validate-krew-manifest');
export const rcodesignBinary = (): string => locate('rcodesign', 'RCODESIGN_VERSION', 'rcodesign');
export const registryBinary = (): string => locate('distribution', 'DISTRIBUTION_VERSION', 'registry');
