import type { Argv } from 'yargs';
import { disableAcceleration, requireIdle, requireTimeLeft, settled } from '../../lib/operations.ts';
import type { AccelerationState } from '../../lib/ucloud/acceleration.ts';
import { refused } from '../../lib/errors.ts';
import { tEnglish } from '../../lib/i18n/index.ts';
import { InUseRefusal } from '../../lib/inuse/guard.ts';
import { guardInUse, printRefusal, reportGuardDryRun, type GuardOutcome } from '../inuse.ts';
import { bool, parseDryRun, parseWait, str, withDeadline, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { runOperation, waitForTurn } from '../progress.ts';
import { imagesUnknownReason, statusView } from '../views.ts';

export function builder(y: Argv): Argv {
  return y
    .option('force', { type: 'boolean', describe: 'Disable even while target images are in use or the check could not see everything' })
    .option('wait', { type: 'boolean', default: true, describe: 'Wait for an operation in progress, then until it is disabled (--no-wait returns at once, and refuses while another operation runs)' })
    .option('timeout', { type: 'string', default: '10m', describe: 'How long to wait (0 = no limit)' })
    .option('dry-run', { type: 'string', describe: 'none|client: client runs every check and disables nothing (exit 3 if it would be refused)' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml' });
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
      if (!printMachine(ctx.out, o.output, statusView(state))) ctx.out.write(`image acceleration is already disabled on cluster ${state.clusterId}\n`);
      return 0;
    }
    if (!identityChecked) {
      // The in-use scan reads the context's cluster: it only proves something about the cluster UCloud disables.
      await ctx.requireSameCluster({ what: `disable image acceleration on cluster ${state.clusterId}`, refuseUnknown: true, force: o.force });
      identityChecked = true;
    }
    requireIdle(state);
    outcome = await guard(ctx, o, state);
    if (o.dryRun === 'client') {
      const safe = state.images.length ? 'no target image is in use' : 'no images are accelerated';
      return reportGuardDryRun(ctx, outcome, `disabling image acceleration on cluster ${state.clusterId}`, safe, { output: o.output, wouldBe: statusView(state) });
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
        throw refused(`the accelerated images changed during the in-use check (new: ${added.map((i) => i.originalImage).join(', ')})`, 'hint: run it again to check them too');
      }
    }
    break;
  }
  if (outcome.forced) ctx.warn('disabling anyway (--force): Pods still using target images will get IO errors');
  const before = now;
  requireTimeLeft(wait?.deadline, 'the disable');
  const result = await runOperation(ctx, `Disabling image acceleration on ${before.clusterId}`, 'image acceleration disabled', wait, (w) => disableAcceleration(api, before, w),
    // Still disabling when the wait ended: machine output says how far it got; stderr says why it stopped.
    (last) => void printMachine(ctx.out, o.output, statusView(last ?? before)));
  if (printMachine(ctx.out, o.output, statusView(result.state))) return 0;
  ctx.out.write(result.finished ? `image acceleration is disabled on cluster ${before.clusterId}\n` : `image acceleration is being disabled on cluster ${before.clusterId}\n`);
  return 0;
}

/** The in-use rule for every target image; without the image list (--no-wait while busy) nothing can be checked. */
async function guard(ctx: Context, o: DisableOptions, state: AccelerationState): Promise<GuardOutcome> {
  const what = `disable image acceleration on cluster ${state.clusterId}`;
  if (!state.imagesKnown) {
    // Without the list there is no telling which target images to look for.
    const refusal = new InUseRefusal(
      what,
      `the accelerated images are not known right now (${imagesUnknownReason(state, tEnglish) ?? state.status}), so their users cannot be checked`,
      ['hint: retry when `kubectl uimgacc status` lists the images, or pass --force'],
      'unverified',
    );
    if (o.force) ctx.warn(refusal.reason);
    return o.force ? { proceed: true, forced: true } : { proceed: false, refusal };
  }
  if (state.images.length) return guardInUse(ctx, state.images.map((i) => i.targetImage), what, o.force);
  return { proceed: true, forced: false };
}
