import { UK8S_CONFIGMAP, UK8S_CONFIGMAP_KEYS } from './config/secret.ts';
import type { Sourced } from './config/resolve.ts';

/**
 * The helper reads UCloud for the cluster it was configured with, and places Pods of the cluster it runs in: when
 * ConfigMap kube-system/uk8sconfig names another cluster, every answer would be about the wrong cluster's
 * accelerations (Pods rewritten to targets that are not there, or left without the affinity). Returns the reason to
 * refuse to start, or undefined when the IDs agree or the ConfigMap says nothing.
 */
export function clusterIdentityMismatch(configured: Sourced, configMap: Readonly<Record<string, string>> | undefined): string | undefined {
  const inCluster = configMap?.[UK8S_CONFIGMAP_KEYS.clusterId]?.trim();
  if (!inCluster || inCluster === configured.value) return undefined;
  return (
    `the configured cluster ID ${configured.value} (from ${configured.source}) is not the cluster this helper runs in: ` +
    `ConfigMap ${UK8S_CONFIGMAP.namespace}/${UK8S_CONFIGMAP.name} says ${shorten(inCluster)}. ` +
    `Fix the credentials Secret's UCLOUD_UK8S_CLUSTER_ID (or the chart's credentials.clusterId), or remove it so the ConfigMap's is used`
  );
}

function shorten(id: string): string {
  return id.length > 64 ? `${id.slice(0, 64)}…` : id;
}
