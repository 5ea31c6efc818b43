import { UserError } from '../lib/errors.ts';
import { InUseRefusal, inUseRefusal, type Translate } from '../lib/inuse/guard.ts';
import { ALL_NAMESPACES, emptyScanResult, SCANNED_KINDS, scanImageUses, type ScanResult } from '../lib/inuse/scan.ts';
import { describeKubeError, isKubeError } from '../lib/kube/errors.ts';
import type { Context } from './context.ts';
import { API_VERSION, unseenLines, usesTable } from './views.ts';
import { printMachine, type OutputFormat } from './output.ts';
import { exitCodeOf } from './errors.ts';
import { t, tEnglish } from '../lib/i18n/index.ts';
import { writeStyled } from './safe-text.ts';

/** What the in-use guard decided for delete/disable, with what the scan saw (undefined: no scan was needed). */
export type GuardOutcome = ({ readonly proceed: true; readonly forced: boolean } | { readonly proceed: false; readonly refusal: InUseRefusal }) & {
  readonly targets?: readonly string[];
  readonly scan?: ScanResult;
};

/**
 * The in-use report (kind ImageUsage), the one schema of who-uses, of a refused delete/disable and of their dry runs:
 * `complete` false when part of the cluster could not be seen, `unseen` says what.
 */
export function usageReport(targets: readonly string[], scan: ScanResult, scope: string = ALL_NAMESPACES, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: 'ImageUsage', targets, scope, complete: scan.unseen.length === 0, items: scan.uses, unseen: scan.unseen, ...extra };
}

/** A scan that could not run at all: every kind unseen, for that reason. */
export function unreadableScan(reason: string, scope: string = ALL_NAMESPACES): ScanResult {
  return { ...emptyScanResult(), unseen: SCANNED_KINDS.map((kind) => ({ kind, scope, reason })) };
}

/**
 * Scans the whole cluster for users of `targets` and applies the safety rule. With --force a refusal becomes a warning
 * that still shows the table, so the user sees what they are breaking. `what` is in the user's language.
 */
export async function guardInUse(ctx: Context, targets: readonly string[], what: string, force: boolean): Promise<GuardOutcome> {
  const several = targets.length !== 1;
  let refusal: InUseRefusal | undefined;
  let scan: ScanResult;
  try {
    // Cluster-wide on purpose, whatever -n says: a Pod in any namespace that still runs a target image gets IO errors.
    scan = await scanImageUses(ctx.kube, targets, { signal: ctx.signal });
    const scanned = Object.entries(scan.scanned).map(([kind, n]) => `${n} ${kind}`).join(t('common.listSeparator'));
    ctx.debug(1, t('operation.debug.scan', { scanned, uses: scan.uses.length, unseen: scan.unseen.length }));
    const seen = scan;
    refusal = inUseRefusal(what, seen, { uses: () => usesTable(seen.uses, targets.length > 1), unseen: () => unseenLines(seen.unseen) }, several);
  } catch (err) {
    // Cut short by --timeout or an interrupt: that is the answer, not "the cluster could not be read".
    if (ctx.signal.aborted) throw err;
    if (!(err instanceof UserError) && !isKubeError(err)) throw err;
    // In English for the report's `unseen` (machine output), in the user's language for the refusal's message.
    const failure = err;
    const reason = (tr: Translate): string => (failure instanceof UserError ? failure.message : describeKubeError(failure, ctx.kube.serverUrl(), tr));
    scan = unreadableScan(reason(tEnglish));
    refusal = new InUseRefusal(what, (tr) => tr('operation.guard.unreadable', { reason: reason(tr) }), [t('operation.guard.unreadableHint')], 'unverified');
  }
  if (!refusal) return { proceed: true, forced: false, targets, scan };
  if (!force) return { proceed: false, refusal, targets, scan };
  ctx.warn(refusal.localReason);
  // Everything but the closing hint, which talks about --force.
  for (const line of refusal.details.slice(0, -1)) ctx.streams.err.write(`${line}\n`);
  return { proceed: true, forced: true, targets, scan };
}

/**
 * With -o json|yaml, a refusal is also the in-use report on stdout (kind ImageUsage, `refused` says why), so a script
 * reads the same body whether it asked for a dry run or not; the exit code tells "in use" (3) from "could not verify" (5).
 */
export function printRefusal(ctx: Context, output: OutputFormat, outcome: GuardOutcome, dryRun: boolean): void {
  if (outcome.proceed) return;
  const extra = { refused: outcome.refusal.reason, ...(dryRun ? { dryRun: true } : {}) };
  printMachine(ctx.out, output, usageReport(outcome.targets ?? [], outcome.scan ?? emptyScanResult(), ALL_NAMESPACES, extra));
}

/** The human lines of a guarded dry run, whole sentences in the user's language. */
export interface DryRunWording {
  /** "… would be refused: {reason} (dry run)". */
  refused(reason: string): string;
  /** "… would proceed: nothing uses it (dry run)", or with `forced` "… would proceed (--force) (dry run)". */
  proceeds(forced: boolean): string;
}

/**
 * --dry-run=client for a guarded operation: every check runs, nothing changes, and the exit code is the one the real
 * run would have (3 if it would be refused as in use, 5 if it would be refused as unverifiable), so a script can ask
 * "would this be safe?". With -o json|yaml the body is `wouldBe` (the object as the operation would leave it, with
 * `dryRun: true`) or, when refused, the in-use report.
 */
export function reportGuardDryRun(ctx: Context, outcome: GuardOutcome, wording: DryRunWording, machine?: { readonly output: OutputFormat; readonly wouldBe: Record<string, unknown> }): number {
  const structured = machine !== undefined && (machine.output === 'json' || machine.output === 'yaml');
  if (!outcome.proceed) {
    for (const line of outcome.refusal.details) ctx.streams.err.write(`${line}\n`);
    if (structured) printRefusal(ctx, machine.output, outcome, true);
    else writeStyled(ctx.out, [{ style: 'fail', text: wording.refused(outcome.refusal.localReason) }, '\n']);
    return exitCodeOf(outcome.refusal.kind);
  }
  if (structured) printMachine(ctx.out, machine.output, { ...machine.wouldBe, dryRun: true, ...(outcome.forced ? { forced: true } : {}) });
  else writeStyled(ctx.out, [{ style: outcome.forced ? 'warn' : 'ok', text: wording.proceeds(outcome.forced) }, '\n']);
  return 0;
}
