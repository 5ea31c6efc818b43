import type { Argv } from 'yargs';
import { disableAcceleration, requireIdle } from '../../lib/operations.ts';
import { refused } from '../../lib/errors.ts';
import { InUseRefusal } from '../../lib/inuse/guard.ts';
import { guardInUse, reportGuardDryRun, type GuardOutcome } from '../inuse.ts';
import { bool, parseDryRun, parseWait, str, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { runOperation } from '../progress.ts';
import { imagesUnknownReason, statusView } from '../views.ts';

export function builder(y: Argv): Argv {
  return y
    .option('force', { type: 'boolean', describe: 'Disable even while target images are in use or the check could not see everything' })
    .option('wait', { type: 'boolean', default: true, describe: 'Wait until it is disabled (--no-wait returns at once)' })
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
  const before = await api.get();
  if (!before.enabled) {
    if (!printMachine(ctx.out, o.output, statusView(before))) ctx.out.write(`image acceleration is already disabled on cluster ${before.clusterId}\n`);
    return 0;
  }
  requireIdle(before);
  const what = `disable image acceleration on cluster ${before.clusterId}`;
  let outcome: GuardOutcome;
  if (!before.imagesKnown) {
    // Without the list there is no telling which target images to look for.
    const refusal = new InUseRefusal(
      what,
      `the accelerated images are not known right now (${imagesUnknownReason(before) ?? before.status}), so their users cannot be checked`,
      ['hint: retry when `kubectl uimgacc status` lists the images, or pass --force'],
      'unverified',
    );
    if (o.force) ctx.warn(refusal.reason);
    outcome = o.force ? { proceed: true, forced: true } : { proceed: false, refusal };
  } else if (before.images.length) {
    outcome = await guardInUse(ctx, before.images.map((i) => i.targetImage), what, o.force);
  } else {
    outcome = { proceed: true, forced: false };
  }
  if (o.dryRun === 'client') {
    const safe = before.images.length ? 'no target image is in use' : 'no images are accelerated';
    return reportGuardDryRun(ctx, outcome, `disabling image acceleration on cluster ${before.clusterId}`, safe);
  }
  if (!outcome.proceed) throw outcome.refusal;
  if (before.images.length) {
    // The scan takes a while on a big cluster: an operation started meanwhile, or a new acceleration whose target was
    // not checked, must not slip through.
    const now = await api.get();
    requireIdle(now);
    const added = now.images.filter((i) => !before.images.some((b) => b.targetImage === i.targetImage));
    if (added.length && !o.force) {
      throw refused(`the accelerated images changed during the in-use check (new: ${added.map((i) => i.originalImage).join(', ')})`, 'hint: run it again to check them too');
    }
  }
  if (outcome.forced) ctx.warn('disabling anyway (--force): Pods still using target images will get IO errors');
  const result = await runOperation(ctx, `Disabling image acceleration on ${before.clusterId}`, 'image acceleration disabled', o.wait, (wait) => disableAcceleration(api, wait));
  if (printMachine(ctx.out, o.output, statusView(result.state))) return 0;
  ctx.out.write(result.finished ? `image acceleration is disabled on cluster ${before.clusterId}\n` : `image acceleration is being disabled on cluster ${before.clusterId}\n`);
  return 0;
}
