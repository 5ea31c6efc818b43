import { invalid } from '../errors.ts';
import { t } from '../i18n/index.ts';

/**
 * Keys of the credentials Secret. They are named like the environment variables so the helper can mount the Secret
 * with `envFrom` and a user can recognise them.
 */
export const SECRET_KEYS = {
  publicKey: 'UCLOUD_PUBLIC_KEY',
  privateKey: 'UCLOUD_PRIVATE_KEY',
  region: 'UCLOUD_REGION',
  projectId: 'UCLOUD_PROJECT_ID',
  clusterId: 'UCLOUD_UK8S_CLUSTER_ID',
  apiBaseUrl: 'UCLOUD_API_BASE_URL',
  uhubUsername: 'UHUB_USERNAME',
  uhubPassword: 'UHUB_PASSWORD',
  nfsAddr: 'NFS_ADDR',
  subnetId: 'SUBNET_ID',
} as const;

export const DEFAULT_CREDENTIALS_SECRET = { namespace: 'kube-system', name: 'uimgacc-credentials' } as const;

/** The ConfigMap UK8S creates in clusters with the UCloud cloud provider. */
export const UK8S_CONFIGMAP = { namespace: 'kube-system', name: 'uk8sconfig' } as const;
export const UK8S_CONFIGMAP_KEYS = {
  clusterId: 'UCLOUD_UK8S_CLUSTER_ID',
  region: 'UCLOUD_REGION_ID',
  projectId: 'UCLOUD_PROJECT_ID',
  subnetId: 'UCLOUD_SUBNET_ID',
  apiEndpoint: 'UCLOUD_API_ENDPOINT',
} as const;

export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `NAMESPACE/NAME` or `NAME` (in kube-system). */
export function parseSecretRef(text: string): SecretRef {
  const parts = text.split('/');
  const [namespace, name] = parts.length === 2 ? [parts[0] ?? '', parts[1] ?? ''] : [DEFAULT_CREDENTIALS_SECRET.namespace, parts[0] ?? ''];
  if (parts.length > 2 || !DNS_LABEL.test(namespace) || namespace.length > 63 || !DNS_SUBDOMAIN.test(name) || name.length > 253) {
    throw invalid(t('setup.config.invalidSecretRef', { value: text }));
  }
  return { namespace, name };
}

export const CLUSTER_ID_PATTERN = /^uk8s-[a-z0-9]{8,12}$/;

export function isClusterId(text: string): boolean {
  return CLUSTER_ID_PATTERN.test(text);
}
