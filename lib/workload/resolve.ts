import { t } from '../i18n/index.ts';
import type { KubeAccess } from '../kube/access.ts';
import { getObject, KubeApiError, listPages } from '../kube/rawlist.ts';
import { collectionPath, objectPath, type TemplateKindInfo, type NamedTarget, type Targets } from './kinds.ts';
import type { Workload } from './template.ts';

/** The workloads named, or selected by -l/--all in the namespace (page by page). */
export async function resolveTargets(kube: KubeAccess, targets: Targets, namespace: string): Promise<NamedTarget[]> {
  if (targets.mode === 'names') return [...targets.targets];
  let path = collectionPath(targets.info, namespace);
  if (targets.selector !== undefined) path += `?labelSelector=${encodeURIComponent(targets.selector)}`;
  const out: NamedTarget[] = [];
  for await (const page of listPages<Workload>(kube, path)) {
    for (const obj of page.items) out.push({ info: targets.info, name: obj.metadata.name });
  }
  return out;
}

/** Reads one workload as raw JSON; a missing one fails like kubectl (`Error from server (NotFound): …`). */
export async function readWorkload(kube: KubeAccess, info: TemplateKindInfo, namespace: string, name: string): Promise<Workload> {
  const obj = await getObject<Workload>(kube, objectPath(info, namespace, name));
  if (!obj) {
    const resource = info.group ? `${info.resource}.${info.group}` : info.resource;
    throw new KubeApiError(404, JSON.stringify({ kind: 'Status', reason: 'NotFound', code: 404, message: t('workload.notFound', { resource, name }) }));
  }
  // Raw reads of a single object carry kind/apiVersion; keep them for -o output.
  obj.apiVersion ??= info.group ? `${info.group}/${info.version}` : info.version;
  obj.kind ??= info.kind;
  return obj;
}
