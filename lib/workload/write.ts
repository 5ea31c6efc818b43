import type { KubeAccess } from '../kube/access.ts';
import { isConflict, kubeStatusOf } from '../kube/errors.ts';
import { rawRequest } from '../kube/rawlist.ts';
import { UserError } from '../errors.ts';
import { t } from '../i18n/index.ts';
import { objectName, objectPath, type KindInfo } from './kinds.ts';
import type { JsonPatchOp } from './plan.ts';
import { readWorkload } from './resolve.ts';
import type { Workload } from './template.ts';

export interface WriteOptions {
  readonly fieldManager: string;
  /** dryRun=All: the apiserver runs admission and validation and stores nothing. */
  readonly serverDryRun: boolean;
}

/**
 * Sends a JSON Patch (application/json-patch+json) and returns the object the apiserver answered with, as raw JSON
 * (no typed round trip through client-node's models, which would drop fields they do not know). Errors are
 * KubeApiError (code + Status body), which lib/kube/errors.ts reads like client-node's ApiException.
 */
export async function jsonPatch(kube: KubeAccess, path: string, ops: readonly JsonPatchOp[], opts: WriteOptions): Promise<Workload> {
  const query: Record<string, string> = { fieldManager: opts.fieldManager };
  if (opts.serverDryRun) query['dryRun'] = 'All';
  const text = await rawRequest(kube, path, { method: 'PATCH', query, body: JSON.stringify(ops), contentType: 'application/json-patch+json' });
  return JSON.parse(text) as Workload;
}

/** What the apiserver says when a JSON Patch cannot be applied, e.g. a failed `test` op (no field causes given). */
const PATCH_NOT_APPLICABLE = 'the server rejected our request due to an error in our request';

/**
 * A write lost a race: 409 Conflict, or the `test` op on /metadata/resourceVersion failed. The apiserver answers the
 * latter with a bare 422 Invalid; validation failures of the patched object name the object and fields instead, so
 * they are not retried. (A patch path that vanished gives the same bare 422: re-reading and re-planning is right
 * for that too.)
 */
export function isLostRace(err: unknown): boolean {
  if (isConflict(err)) return true;
  const s = kubeStatusOf(err);
  if (s?.code !== 422) return false;
  const m = s.message ?? '';
  return m === PATCH_NOT_APPLICABLE || (/test/i.test(m) && /resourceVersion/.test(m));
}

export const MAX_ATTEMPTS = 5;

export interface WriteLoop<P extends { readonly changed: boolean; readonly ops: readonly JsonPatchOp[] }> {
  read(): Promise<Workload>;
  plan(obj: Workload): P;
  write(ops: readonly JsonPatchOp[]): Promise<Workload>;
  /** Runs between the plan and its write; tests use it to change the object concurrently. */
  beforeWrite?: ((attempt: number) => Promise<void>) | undefined;
  maxAttempts?: number | undefined;
  /** The object, as messages name it (`deployment.apps/web`). */
  what?: string | undefined;
}

export interface WriteResult<P> {
  readonly plan: P;
  /** The object as read (the plan's input). */
  readonly before: Workload;
  /** The apiserver's answer; undefined when the plan changed nothing. */
  readonly after: Workload | undefined;
  readonly attempts: number;
}

/**
 * Optimistic concurrency: read, plan, write guarded by the resourceVersion read; when someone else wrote in between,
 * read again and plan again (the plan may differ now), up to maxAttempts times.
 */
export async function writeWithRetry<P extends { readonly changed: boolean; readonly ops: readonly JsonPatchOp[] }>(loop: WriteLoop<P>): Promise<WriteResult<P>> {
  const max = loop.maxAttempts ?? MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const before = await loop.read();
    const plan = loop.plan(before);
    if (!plan.changed) return { plan, before, after: undefined, attempts: attempt };
    await loop.beforeWrite?.(attempt);
    try {
      const after = await loop.write(plan.ops);
      return { plan, before, after, attempts: attempt };
    } catch (err) {
      if (!isLostRace(err)) throw err;
      if (attempt >= max) {
        // The apiserver's own words ("the server rejected our request…") would hide that nothing is wrong but timing.
        throw new UserError('failed', t('workload.write.lostRace', { name: loop.what ?? t('workload.write.theObject'), attempts: max }), [t('workload.hint.lostRace')]);
      }
    }
  }
}

export interface ApplyOptions<P> {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
  /** client: plan against the object as read and write nothing; server: the apiserver runs the write and stores nothing. */
  readonly dryRun: 'none' | 'client' | 'server';
  readonly fieldManager: string;
  plan(obj: Workload): P;
}

/** patch and unpatch alike: plan against the live object and write it guarded by its resourceVersion (or only plan). */
export async function applyPlan<P extends { readonly changed: boolean; readonly ops: readonly JsonPatchOp[]; readonly object: Workload }>(
  kube: KubeAccess,
  o: ApplyOptions<P>,
): Promise<WriteResult<P>> {
  const read = (): Promise<Workload> => readWorkload(kube, o.info, o.namespace, o.name);
  if (o.dryRun === 'client') {
    const before = await read();
    const plan = o.plan(before);
    return { plan, before, after: plan.changed ? plan.object : undefined, attempts: 1 };
  }
  return writeWithRetry({
    what: objectName(o.info, o.name),
    read,
    plan: o.plan,
    write: (ops) => jsonPatch(kube, objectPath(o.info, o.namespace, o.name), ops, { fieldManager: o.fieldManager, serverDryRun: o.dryRun === 'server' }),
  });
}
