import type { V1Secret } from '@kubernetes/client-node';
import type { KubeAccess } from '../kube/access.ts';
import { isConflict } from '../kube/errors.ts';
import { SECRET_KEYS, type SecretRef } from './secret.ts';

/** The credentials Secret as `configure` read it: decoded data, and the object (with its resourceVersion) if any. */
export interface StoredSecret {
  readonly data: Readonly<Record<string, string>>;
  readonly object: V1Secret | undefined;
}

/** Values kept exactly as given: a password may begin or end with a space. */
const UNTRIMMED: ReadonlySet<string> = new Set([SECRET_KEYS.uhubPassword]);

/** The Secret's path. Raw requests, not client-node's typed API: only they send one Impersonate-Group line per group. */
function secretPath(ref: SecretRef, named: boolean): string {
  const base = `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets`;
  return named ? `${base}/${encodeURIComponent(ref.name)}` : base;
}

export async function readCredentialsSecret(kube: KubeAccess, ref: SecretRef): Promise<StoredSecret> {
  const { getObject } = await import('../kube/rawlist.ts');
  const object = await getObject<V1Secret>(kube, secretPath(ref, true));
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(object?.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
  return { data, object };
}

/**
 * The changes a `configure` run makes: every value given (trimmed, except the UHub password, which is kept as typed);
 * values not given are absent, so what the Secret already holds is kept.
 */
export function secretChanges(updates: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(updates)) {
    if (v === undefined || v.trim() === '') continue;
    out[k] = UNTRIMMED.has(k) ? v : v.trim();
  }
  return out;
}

/** `changes` over what the Secret holds, without empty values. */
export function mergeSecretData(current: Readonly<Record<string, string>>, changes: Readonly<Record<string, string>>): Record<string, string> {
  const data: Record<string, string> = { ...current, ...changes };
  for (const k of Object.keys(data)) if (data[k] === '') delete data[k];
  return data;
}

export interface WriteOptions {
  readonly fieldManager: string;
  /** 'All' for --dry-run=server. */
  readonly dryRun: 'All' | undefined;
}

/**
 * Creates or replaces the Secret with `changes` merged over what it holds. The replace is guarded by the
 * resourceVersion read, so a concurrent edit is never overwritten: on a conflict the Secret is read again and the
 * changes merged over the fresh data (up to 3 attempts).
 */
export async function writeCredentialsSecret(
  kube: KubeAccess,
  ref: SecretRef,
  stored: StoredSecret,
  changes: Readonly<Record<string, string>>,
  opts: WriteOptions,
): Promise<{ readonly verb: 'created' | 'configured'; readonly data: Record<string, string> }> {
  const { rawRequest } = await import('../kube/rawlist.ts');
  const query: Record<string, string> = { fieldManager: opts.fieldManager, ...(opts.dryRun ? { dryRun: opts.dryRun } : {}) };
  let current = stored;
  for (let attempt = 1; ; attempt++) {
    const data = mergeSecretData(current.data, changes);
    const encoded: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) encoded[k] = Buffer.from(v, 'utf8').toString('base64');
    try {
      if (!current.object) {
        const body: V1Secret = {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'Opaque',
          metadata: { name: ref.name, namespace: ref.namespace, labels: { 'app.kubernetes.io/managed-by': 'kubectl-uimgacc' } },
          data: encoded,
        };
        await rawRequest(kube, secretPath(ref, false), { method: 'POST', query, body: JSON.stringify(body) });
        return { verb: 'created', data };
      }
      await rawRequest(kube, secretPath(ref, true), { method: 'PUT', query, body: JSON.stringify({ ...current.object, data: encoded }) });
      return { verb: 'configured', data };
    } catch (err) {
      // A create that lost a race is a conflict too (AlreadyExists, 409).
      if (!isConflict(err) || attempt >= 3) throw err;
      current = await readCredentialsSecret(kube, ref);
    }
  }
}
