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
import { safeField, writeStyled } from '../safe-text.ts';
import { t } from '../../lib/i18n/index.ts';

export function builder(y: Argv): Argv {
  return y
    .positional('IMAGE', { type: 'string', array: true, describe: t('operation.delete.describe.image') })
    .option('force', { type: 'boolean', describe: t('operation.delete.describe.force') })
    .option('wait', { type: 'boolean', default: true, describe: t('operation.delete.describe.wait') })
    .option('timeout', { type: 'string', default: '10m', describe: t('operation.delete.describe.timeout') })
    .option('dry-run', { type: 'string', describe: t('operation.delete.describe.dryRun') })
    .option('output', { alias: 'o', type: 'string', describe: t('operation.delete.describe.output') })
    .example('$0 delete uhub.service.ucloud.cn/team/app:v1', t('operation.delete.example.one', { target: 'uhub.service.ucloud.cn/team/app:v1-acc' }))
    .example('$0 delete uhub.service.ucloud.cn/team/a:1 uhub.service.ucloud.cn/team/b:2', t('operation.delete.example.two'));
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
  if (images.length === 0) throw invalid(t('operation.delete.imageRequired'));
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
    if (found.listed === false && !identityChecked) ctx.warn(t('operation.delete.unlisted', { image }));
    const what = t('operation.delete.what', { image: found.originalImage });
    if (!identityChecked) {
      // The in-use scan reads the context's cluster: it only proves something about the cluster UCloud deletes on.
      await ctx.requireSameCluster({ what, refuseUnknown: true, force: o.force });
      identityChecked = true;
    }
    const outcome: GuardOutcome = await guardInUse(ctx, [found.targetImage], what, o.force);
    if (o.dryRun === 'client') {
      if (o.output === 'name' && outcome.proceed) ctx.out.write(`${safeField(found.originalImage)}\n`);
      const names = { original: found.originalImage, target: found.targetImage };
      const wording = {
        refused: (reason: string): string => t('operation.delete.dryRunRefused', { ...names, reason }),
        proceeds: (forced: boolean): string => t(forced ? 'operation.delete.dryRunForced' : 'operation.delete.dryRunProceeds', names),
      };
      return reportGuardDryRun(ctx, outcome, wording, {
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
    if (outcome.forced) ctx.warn(t('operation.delete.forced'));
    return { found, current, forced: outcome.forced };
  }
}

async function deleteOne(ctx: Context, api: AccelerationApi, o: DeleteOptions, wait: WaitSettings | undefined, image: string, views: unknown[]): Promise<number> {
  const checked = await checkedTurn(ctx, api, o, wait, image);
  if (typeof checked === 'number') return checked;
  const { found, current } = checked;
  requireTimeLeft(wait?.deadline, t('operation.delete.timeLeft', { image: found.originalImage }));
  const progress = t('operation.delete.progress', { image: found.originalImage });
  const result = await runOperation(ctx, progress, t('operation.delete.progressDone'), wait, (w) => deleteAcceleration(api, found, current, w),
    (last, interrupted) => reportUnfinished(ctx, o.output, views, acceleratedImageObject(last ?? current, found, 'Deleting', checked.forced ? { forced: true } : {}), safeField(found.originalImage), interrupted));
  views.push(acceleratedImageObject(result.state, found, result.finished ? 'Deleted' : 'Deleting', checked.forced ? { forced: true } : {}));
  if (o.output === 'name') ctx.out.write(`${safeField(found.originalImage)}\n`);
  if (o.output !== 'table') return 0;
  if (!result.finished) {
    writeStyled(ctx.out, [{ style: 'progress', text: t('operation.delete.started', { image: found.originalImage, status: result.state.status }) }, '\n']);
    return 0;
  }
  writeStyled(ctx.out, [{ style: 'ok', text: t('operation.delete.done', { image: found.originalImage, target: found.targetImage }) }, '\n']);
  return 0;
}
