import type { Argv } from 'yargs';
import { disableAcceleration, requireIdle, requireTimeLeft, settled } from '../../lib/operations.ts';
import type { AccelerationState } from '../../lib/ucloud/acceleration.ts';
import { refused } from '../../lib/errors.ts';
import { InUseRefusal } from '../../lib/inuse/guard.ts';
import { guardInUse, printRefusal, reportGuardDryRun, type GuardOutcome } from '../inuse.ts';
import { bool, parseDryRun, parseWait, str, withDeadline, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { runOperation, waitForTurn } from '../progress.ts';
import { imagesUnknownReason, statusView } from '../views.ts';
import { writeStyled } from '../safe-text.ts';
import { t } from '../../lib/i18n/index.ts';

export function builder(y: Argv): Argv {
  return y
    .option('force', { type: 'boolean', describe: t('operation.disable.describe.force') })
    .option('wait', { type: 'boolean', default: true, describe: t('operation.disable.describe.wait') })
    .option('timeout', { type: 'string', default: '10m', describe: t('operation.disable.describe.timeout') })
    .option('dry-run', { type: 'string', describe: t('operation.disable.describe.dryRun') })
    .option('output', { alias: 'o', type: 'string', describe: t('operation.disable.describe.output') });
}

export interface DisableOptions {
  readonly force: boolean;
  readonly wait: WaitSettings | undefined;
  readonly dryRun: DryRun;
  readonly output: OutputFormat;
}

export function validate(args: Args): DisableOptions {
  return {
    force: bool(args, 'force'),
    wait: parseWait(args, '10m'),
    dryRun: parseDryRun(str(args, 'dry-run'), false),
    output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml']),
  };
}

export async function run(o: DisableOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  const wait = withDeadline(o.wait);
  // A dry run reports on the status as it is: it never waits.
  const turnWait = o.dryRun === 'client' ? undefined : wait;
  let state = await api.get();
  let identityChecked = false;
  let outcome: GuardOutcome;
  let now: AccelerationState;
  for (;;) {
    // Queued behind an operation in progress, or a teardown or start-up of the agent (after which the images are known).
    ({ state } = await waitForTurn(ctx, api, state, turnWait));
    if (!state.enabled) {
      if (!printMachine(ctx.out, o.output, statusView(state))) ctx.out.write(`${t('operation.disable.already', { cluster: state.clusterId })}\n`);
      return 0;
    }
    if (!identityChecked) {
      // The in-use scan reads the context's cluster: it only proves something about the cluster UCloud disables.
      await ctx.requireSameCluster({ what: t('operation.disable.what', { cluster: state.clusterId }), refuseUnknown: true, force: o.force });
      identityChecked = true;
    }
    requireIdle(state);
    outcome = await guard(ctx, o, state);
    if (o.dryRun === 'client') {
      const cluster = state.clusterId;
      const safe = state.images.length ? 'operation.disable.dryRunProceeds' : 'operation.disable.dryRunNoImages';
      const wording = {
        refused: (reason: string): string => t('operation.disable.dryRunRefused', { cluster, reason }),
        proceeds: (forced: boolean): string => t(forced ? 'operation.disable.dryRunForced' : safe, { cluster }),
      };
      return reportGuardDryRun(ctx, outcome, wording, { output: o.output, wouldBe: statusView(state) });
    }
    if (!outcome.proceed) {
      printRefusal(ctx, o.output, outcome, false);
      throw outcome.refusal;
    }
    // The scan takes a while on a big cluster: an operation started meanwhile, or a new acceleration whose target was
    // not checked, must not slip through. With --wait, queue again and check again.
    now = await api.get();
    const added = now.images.filter((i) => !state.images.some((b) => b.targetImage === i.targetImage));
    if (turnWait && now.enabled && (!settled(now) || added.length > 0)) {
      state = now;
      continue;
    }
    if (state.images.length) {
      requireIdle(now);
      if (added.length && !o.force) {
        const images = added.map((i) => i.originalImage).join(t('common.listSeparator'));
        throw refused(t('operation.disable.imagesChanged', { images }), t('operation.disable.imagesChangedHint'));
      }
    }
    break;
  }
  if (outcome.forced) ctx.warn(t('operation.disable.forced'));
  const before = now;
  requireTimeLeft(wait?.deadline, t('operation.disable.timeLeft'));
  const progress = t('operation.disable.progress', { cluster: before.clusterId });
  const result = await runOperation(ctx, progress, t('operation.disable.progressDone'), wait, (w) => disableAcceleration(api, before, w),
    // Still disabling when the wait ended: machine output says how far it got; stderr says why it stopped.
    (last) => void printMachine(ctx.out, o.output, statusView(last ?? before)));
  if (printMachine(ctx.out, o.output, statusView(result.state))) return 0;
  const cluster = before.clusterId;
  if (result.finished) writeStyled(ctx.out, [{ style: 'ok', text: t('operation.disable.done', { cluster }) }, '\n']);
  else writeStyled(ctx.out, [{ style: 'progress', text: t('operation.disable.started', { cluster }) }, '\n']);
  return 0;
}

/** The in-use rule for every target image; without the image list (--no-wait while busy) nothing can be checked. */
async function guard(ctx: Context, o: DisableOptions, state: AccelerationState): Promise<GuardOutcome> {
  const what = t('operation.disable.what', { cluster: state.clusterId });
  if (!state.imagesKnown) {
    // Without the list there is no telling which target images to look for.
    const refusal = new InUseRefusal(
      what,
      (tr) => tr('operation.disable.imagesUnknown', { why: imagesUnknownReason(state, tr) ?? state.status }),
      [t('operation.disable.unknownHint')],
      'unverified',
    );
    if (o.force) ctx.warn(refusal.localReason);
    return o.force ? { proceed: true, forced: true } : { proceed: false, refusal };
  }
  if (state.images.length) return guardInUse(ctx, state.images.map((i) => i.targetImage), what, o.force);
  return { proceed: true, forced: false };
}
