// The Kubernetes versions image acceleration supports: UCloud requires UK8S clusters of 1.26 or newer for it, and the
// tests run the newest (test/testbin/versions.env) and the oldest. Keep in step with charts/uimgacc/Chart.yaml
// kubeVersion and README's support table.
import { tEnglish } from '../i18n/index.ts';

export const OLDEST_SUPPORTED_KUBERNETES = { major: 1, minor: 26 } as const;

export interface KubernetesSupport {
  readonly supported: boolean;
  /** e.g. "v1.25.16 is older than 1.26, the oldest Kubernetes UCloud supports image acceleration on". */
  readonly detail: string;
}

/** Reads a server's gitVersion (`v1.26.15`, `v1.30.2-eks-…`, `v1.28.3+k3s1`); undefined when it is not one. */
export function parseKubernetesVersion(gitVersion: string): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(gitVersion.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * Whether a cluster of this version is in the supported range; an unreadable version is given the benefit of the doubt.
 * The detail is English unless `say` is `t`: doctor shows it and also puts it in `-o json` output.
 */
export function kubernetesSupport(gitVersion: string, say: typeof tEnglish = tEnglish): KubernetesSupport {
  const v = parseKubernetesVersion(gitVersion);
  const oldest = `${OLDEST_SUPPORTED_KUBERNETES.major}.${OLDEST_SUPPORTED_KUBERNETES.minor}`;
  if (!v) return { supported: true, detail: say('cli.support.unrecognised', { version: gitVersion }) };
  const older = v.major < OLDEST_SUPPORTED_KUBERNETES.major || (v.major === OLDEST_SUPPORTED_KUBERNETES.major && v.minor < OLDEST_SUPPORTED_KUBERNETES.minor);
  return older ? { supported: false, detail: say('cli.support.tooOld', { version: gitVersion, oldest }) } : { supported: true, detail: gitVersion };
}
