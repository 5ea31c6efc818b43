import { UserError } from '../lib/errors.ts';
import { InUseRefusal, inUseRefusal } from '../lib/inuse/guard.ts';
import { scanImageUses } from '../lib/inuse/scan.ts';
import { describeKubeError, isKubeError } from '../lib/kube/errors.ts';
import type { Context } from './context.ts';
import { unseenLines, usesTable } from './views.ts';
import { EXIT } from './errors.ts';

/** What the in-use guard decided for delete/disable. */
export type GuardOutcome = { readonly proceed: true; readonly forced: boolean } | { readonly proceed: false; readonly refusal: InUseRefusal };

/**
 * Scans the whole cluster for users of `targets` and applies the safety rule. With --force a refusal becomes a warning
 * that still shows the table, so the user sees what they are breaking.
 */
export async function guardInUse(ctx: Context, targets: readonly string[], what: string, force: boolean): Promise<GuardOutcome> {
  let refusal: InUseRefusal | undefined;
  try {
    // Cluster-wide on purpose: a Pod in any namespace that still runs a target image gets IO errors.
    const scan = await scanImageUses(ctx.kube, targets);
    ctx.debug(1, `in-use scan: ${Object.entries(scan.scanned).map(([k, n]) => `${n} ${k}`).join(', ')}; ${scan.uses.length} use(s), ${scan.unseen.length} unseen`);
    refusal = inUseRefusal(what, scan, { uses: () => usesTable(scan.uses), unseen: () => unseenLines(scan.unseen) });
  } catch (err) {
    if (!(err instanceof UserError) && !isKubeError(err)) throw err;
    const reason = err instanceof UserError ? err.message : describeKubeError(err, ctx.kube.serverUrl());
    refusal = new InUseRefusal(what, `the in-use check could not read the cluster: ${reason}`, [
      'hint: fix the cluster access (--kubeconfig, --context), or pass --force if you are sure nothing uses the image',
    ]);
  }
  if (!refusal) return { proceed: true, forced: false };
  if (!force) return { proceed: false, refusal };
  ctx.warn(refusal.reason);
  // Everything but the closing hint, which talks about --force.
  for (const line of refusal.details.slice(0, -1)) ctx.streams.err.write(`${line}\n`);
  return { proceed: true, forced: true };
}

/** --dry-run=client output for a guarded operation: what would happen, exit 3 if it would be refused. */
export function reportGuardDryRun(ctx: Context, outcome: GuardOutcome, wouldDo: string): number {
  if (!outcome.proceed) {
    for (const line of outcome.refusal.details) ctx.streams.err.write(`${line}\n`);
    ctx.out.write(`${wouldDo} would be refused: ${outcome.refusal.reason} (dry run)\n`);
    return EXIT.inUse;
  }
  ctx.out.write(`${wouldDo} would proceed${outcome.forced ? ' (--force)' : ': nothing uses the target image'} (dry run)\n`);
  return 0;
}
