import type { Argv } from 'yargs';
import { str, type Args } from '../args.ts';
import { UserError } from '../../lib/errors.ts';
import { t } from '../../lib/i18n/index.ts';
import { scanImageUses } from '../../lib/inuse/scan.ts';
import { describeKubeError, isKubeError } from '../../lib/kube/errors.ts';
import type { Context } from '../context.ts';
import { safeField, writeStyled } from '../safe-text.ts';
import { parseOutputFormat, printMachine, type OutputFormat } from '../output.ts';
import { API_VERSION, imagesTable, imageView, imagesUnknownReason } from '../views.ts';

export function builder(y: Argv): Argv {
  return y
    .option('output', { alias: 'o', type: 'string', describe: t('view.list.output') })
    .example('$0 list', t('view.list.exampleTable'))
    .example('$0 list -o name', t('view.list.exampleName'));
}

export interface ListOptions {
  readonly output: OutputFormat;
}

export function validate(args: Args): ListOptions {
  return { output: parseOutputFormat(str(args, 'output')) };
}

export async function run(o: ListOptions, ctx: Context): Promise<number> {
  const api = await ctx.ucloud();
  // IN USE counts Pods of the context's cluster: only meaningful when that is the cluster UCloud lists.
  if (o.output === 'wide') await ctx.requireSameCluster({ what: t('view.list.wideWhat'), refuseUnknown: false, force: false });
  else await ctx.warnIfOtherCluster();
  const state = await api.get();
  let inUse: Map<string, number> | undefined;
  // False when the scan could not see everything: a count of 0 then means "none seen", not "none".
  let inUseComplete = true;
  if (o.output === 'wide' && state.images.length > 0) {
    // IN USE needs the cluster; without it the column shows "?" and says why, rather than failing the listing.
    try {
      const scan = await scanImageUses(ctx.kube, state.images.map((i) => i.targetImage));
      inUse = new Map(state.images.map((i) => [i.targetImage, 0]));
      for (const u of scan.uses) inUse.set(u.target, (inUse.get(u.target) ?? 0) + 1);
      if (scan.unseen.length) {
        inUseComplete = false;
        ctx.warn(t('view.list.inUsePartial', { n: scan.unseen.length }));
      }
    } catch (err) {
      if (!(err instanceof UserError) && !isKubeError(err)) throw err;
      inUseComplete = false;
      ctx.warn(t('view.list.inUseUnknown', { reason: err instanceof UserError ? err.message : describeKubeError(err, ctx.kube.serverUrl()) }));
    }
  }
  const views = state.images.map((img) => imageView(state, img, inUse?.get(img.targetImage)));
  const reason = imagesUnknownReason(state);
  if (printMachine(ctx.out, o.output, { apiVersion: API_VERSION, kind: 'AcceleratedImageList', clusterId: state.clusterId, imagesKnown: state.imagesKnown, items: views })) {
    if (reason) ctx.warn(t('view.list.mayBeIncomplete', { reason }));
    return 0;
  }
  if (o.output === 'name') {
    // Exactly the name `delete` takes, one per line: nothing in it may forge another line.
    for (const v of views) ctx.out.write(`${safeField(v.originalImage)}\n`);
  } else if (views.length > 0) {
    writeStyled(ctx.out, imagesTable(views, o.output === 'wide', inUseComplete));
  }
  if (reason) ctx.streams.err.write(`${t('view.list.noneListed', { reason })}\n`);
  else if (views.length === 0 && o.output !== 'name') ctx.streams.err.write(`${t('view.list.none', { cluster: state.clusterId })}\n`);
  return 0;
}
