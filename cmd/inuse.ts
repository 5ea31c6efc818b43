import { UserError } from '../lib/errors.ts';
import { InUseRefusal, inUseRefusal } from '../lib/inuse/guard.ts';
import { scanImageUses } from '../lib/inuse/scan.ts';
import { describeKubeError, isKubeError } from '../lib/kube/errors.ts';
import type { Context } from './context.ts';
import { unseenLines, usesTable } from './views.ts';
import { exitCodeOf } from './errors.ts';

/** What the in-use guard decided for delete/disable. */
export type GuardOutcome = { readonly proceed: true; readonly forced: boolean } | { readonly proceed: false; readonly refusal: InUseRefusal };

/**
 * Scans the whole cluster for users of `targets` and applies the safety rule. With --force a refusal becomes a warning
 * that still shows the table, so the user sees what they are breaking.
 */
export async function guardInUse(ctx: Context, targets: readonly string[], what: string, force: boolean): Promise<GuardOutcome> {
  const image = targets.length === 1 ? 'the target image' : 'target images';
  let refusal: InUseRefusal | undefined;
  try {
    // Cluster-wide on purpose, whatever -n says: a Pod in any namespace that still runs a target image gets IO errors.
    const scan = await scanImageUses(ctx.kube, targets, { signal: ctx.signal });
    ctx.debug(1, `in-use scan: ${Object.entries(scan.scanned).map(([k, n]) => `${n} ${k}`).join(', ')}; ${scan.uses.length} use(s), ${scan.unseen.length} unseen`);
    refusal = inUseRefusal(what, scan, { uses: () => usesTable(scan.uses, targets.length > 1), unseen: () => unseenLines(scan.unseen) }, image);
  } catch (err) {
    // Cut short by --timeout or an interrupt: that is the answer, not "the cluster could not be read".
    if (ctx.signal.aborted) throw err;
    if (!(err instanceof UserError) && !isKubeError(err)) throw err;
    const reason = err instanceof UserError ? err.message : describeKubeError(err, ctx.kube.serverUrl());
    refusal = new InUseRefusal(
      what,
      `the in-use check could not read the cluster: ${reason}`,
      ['hint: fix the cluster access (--kubeconfig, --context), or pass --force if you are sure nothing uses the image'],
      'unverified',
    );
  }
  if (!refusal) return { proceed: true, forced: false };
  if (!force) return { proceed: false, refusal };
  ctx.warn(refusal.reason);
  // Everything but the closing hint, which talks about --force.
  for (const line of refusal.details.slice(0, -1)) ctx.streams.err.write(`${line}\n`);
  return { proceed: true, forced: true };
}

/**
 * --dry-run=client for a guarded operation: every check runs, nothing changes, and the exit code is the one the real
 * run would have (3 if it would be refused as in use, 5 if it would be refused as unverifiable), so a script can ask
 * "would this be safe?".
 */
export function reportGuardDryRun(ctx: Context, outcome: GuardOutcome, wouldDo: string, safe = 'nothing uses the target image'): number {
  if (!outcome.proceed) {
    for (const line of outcome.refusal.details) ctx.streams.err.write(`${line}\n`);
    ctx.out.write(`${wouldDo} would be refused: ${outcome.refusal.reason} (dry run)\n`);
    return exitCodeOf(outcome.refusal.kind);
  }
  ctx.out.write(`${wouldDo} would proceed${outcome.forced ? ' (--force)' : `: ${safe}`} (dry run)\n`);
  return 0;
}
