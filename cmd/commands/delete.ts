import type { Argv } from 'yargs';
import { invalid } from '../../lib/errors.ts';
import { parseImageReference, tryParseImageReference } from '../../lib/image/reference.ts';
import { checkDelete, deleteAcceleration, requireTimeLeft, settled } from '../../lib/operations.ts';
import type { AccelerationApi, AcceleratedImage, AccelerationState } from '../../lib/ucloud/acceleration.ts';
import { bool, parseDryRun, parseWait, str, strings, withDeadline, type Args, type DryRun, type WaitSettings } from '../args.ts';
import type { Context } from '../context.ts';
import { forEach } from '../each.ts';
import { guardInUse, printRefusal, reportGuardDryRun, type GuardOutcome } from '../inuse.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { reportUnfinished, runOperation, waitForTurn } from '../progress.ts';
import { acceleratedImageObject, listObject } from '../views.ts';
import { safeField } from '../safe-text.ts';

export function builder(y: Argv): Argv {
  return y
    .positional('IMAGE', { type: 'string', array: true, describe: 'Original or target image of the acceleration; several are deleted one after another' })
    .option('force', {
      type: 'boolean',
      describe: 'Delete even while the target image is in use or the check could not see everything (Pods using it get IO errors); also deletes an image UCloud does not list (left by a failed create)',
    })
    .option('wait', { type: 'boolean', default: true, describe: 'Wait for an operation in progress, then until each deletion finishes (--no-wait returns at once, and refuses while another operation runs)' })
    .option('timeout', { type: 'string', default: '10m', describe: 'How long the whole command may wait (0 = no limit)' })
    .option('dry-run', { type: 'string', describe: 'none|client: client runs every check, shows what would happen (exit 3 if it would be refused) and deletes nothing' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: json|yaml|name (an AcceleratedImage per image; a refusal is the ImageUsage report)' })
    .example('$0 delete uhub.service.ucloud.cn/team/app:v1', 'Refuses while anything uses uhub.service.ucloud.cn/team/app:v1-acc')
    .example('$0 delete uhub.service.ucloud.cn/team/a:1 uhub.service.ucloud.cn/team/b:2', 'Two, one after another; exit code of the worst');
}

export interface DeleteOptions {
  readonly images: readonly string[];
  readonly force: boolean;
  readonly wait: WaitSettings | undefined;
  readonly dryRun: DryRun;
  readonly output: OutputFormat;
}

export function validate(args: Args): DeleteOptions {
  const images = strings(args, 'IMAGE').filter((i) => i !== '');
  if (images.length === 0) throw invalid('IMAGE is required');
  // A name our grammar rejects may still be one UCloud lists (upper case from an older API): such a name is looked up
  // exactly as given, and rejected then if UCloud does not list it. Blanks and control characters are never a name.
  for (const image of images) if (tryParseImageReference(image) === undefined && !/^[^\s\p{Cc}]+$/u.test(image)) parseImageReference(image);
  return {
    images,
    force: bool(args, 'force'),
    wait: parseWait(args, '10m'),
    dryRun: parseDryRun(str(args, 'dry-run'), false),
    output: parseOutputFormat(str(args, 'output'), ['table', 'json', 'yaml', 'name']),
  };
}

export async function run(o: DeleteOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  const wait = withDeadline(o.wait);
  const views: unknown[] = [];
  const code = await forEach(ctx, o.images, (i) => i, wait, (image) => deleteOne(ctx, api, o, wait, image, views));
  if (views.length) printMachine(ctx.out, o.output, listObject(views));
  return code;
}

interface Checked {
  readonly found: AcceleratedImage;
  readonly current: AccelerationState;
  readonly forced: boolean;
}

/**
 * Waits for its turn, resolves the image, runs the in-use check, and makes sure nothing changed meanwhile. If another
 * operation started during the scan, it waits again, and because Pods may have started on the image during that
 * wait, scans again: the scan that allows a delete is always the last thing before it.
 */
async function checkedTurn(ctx: Context, api: AccelerationApi, o: DeleteOptions, wait: WaitSettings | undefined, image: string): Promise<Checked | number> {
  let state = await api.get();
  let identityChecked = false;
  // A dry run reports on the status as it is: it never waits.
  const turnWait = o.dryRun === 'client' ? undefined : wait;
  for (;;) {
    ({ state } = await waitForTurn(ctx, api, state, turnWait));
    const found = checkDelete(state, image, o.force);
    if (found.listed === false && !identityChecked) ctx.warn(`UCloud does not list ${image} (a failed create may have left it behind): sending the delete anyway (--force)`);
    if (!identityChecked) {
      // The in-use scan reads the context's cluster: it only proves something about the cluster UCloud deletes on.
      await ctx.requireSameCluster({ what: `delete the acceleration of ${found.originalImage}`, refuseUnknown: true, force: o.force });
      identityChecked = true;
    }
    const outcome: GuardOutcome = await guardInUse(ctx, [found.targetImage], `delete the acceleration of ${found.originalImage}`, o.force);
    if (o.dryRun === 'client') {
      if (o.output === 'name' && outcome.proceed) ctx.out.write(`${safeField(found.originalImage)}\n`);
      return reportGuardDryRun(ctx, outcome, `deleting the acceleration of ${found.originalImage} (target ${found.targetImage})`, undefined, {
        output: o.output,
        wouldBe: acceleratedImageObject(state, found, 'Deleting'),
      });
    }
    if (!outcome.proceed) {
      printRefusal(ctx, o.output, outcome, false);
      throw outcome.refusal;
    }
    // The scan takes a while on a big cluster: another operation may have started (or deleted it) meanwhile.
    const current = await api.get();
    if (wait && !settled(current)) {
      state = current;
      continue;
    }
    checkDelete(current, image, o.force);
    if (outcome.forced) ctx.warn('deleting anyway (--force): Pods still using the target image will get IO errors');
    return { found, current, forced: outcome.forced };
  }
}

async function deleteOne(ctx: Context, api: AccelerationApi, o: DeleteOptions, wait: WaitSettings | undefined, image: string, views: unknown[]): Promise<number> {
  const checked = await checkedTurn(ctx, api, o, wait, image);
  if (typeof checked === 'number') return checked;
  const { found, current } = checked;
  requireTimeLeft(wait?.deadline, `the deletion of ${found.originalImage}`);
  const result = await runOperation(ctx, `Deleting the acceleration of ${found.originalImage}`, 'acceleration deleted', wait, (w) => deleteAcceleration(api, found, current, w),
    (last, interrupted) => reportUnfinished(ctx, o.output, views, acceleratedImageObject(last ?? current, found, 'Deleting', checked.forced ? { forced: true } : {}), safeField(found.originalImage), interrupted));
  views.push(acceleratedImageObject(result.state, found, result.finished ? 'Deleted' : 'Deleting', checked.forced ? { forced: true } : {}));
  if (o.output === 'name') ctx.out.write(`${safeField(found.originalImage)}\n`);
  if (o.output !== 'table') return 0;
  if (!result.finished) {
    ctx.out.write(`deletion of the acceleration of ${found.originalImage} started (status ${result.state.status})\n`);
    return 0;
  }
  ctx.out.write(`acceleration of ${found.originalImage} deleted (${found.targetImage} is gone)\n`);
  return 0;
}
